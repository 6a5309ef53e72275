"""Who holds which role: the project's user and group admin, clinician profiles, role changes.

What each kind of staff may do here:

- A publishing admin creates staff accounts, activates and deactivates them, and gives other
  people the `editors` and `publishing-admins` roles. They never see or change `is_superuser`,
  direct permissions, other people's passwords (their own is changed with the old one, under
  "Change password"), a superuser's account, or their own roles.
- A superuser may also make superusers and set direct permissions and passwords.
- The clinician role (`clinical-reviewers` with an active clinician profile) is never given or
  taken on the user page, by anyone: a superuser grants it on the clinician profiles (never to
  themselves), and revokes it there with a reason. Role groups are defined in code
  (`reviews/roles.py`), so no one renames, deletes or re-permissions them here.

Every role change is a RoleChange row, written by the services in `reviews.services.roles`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from articles.admin.base import (
    GuardedHistoryAdmin,
    ReadOnlyAdminMixin,
    ServiceRefusalsAsMessagesMixin,
)
from ldncontent.exceptions import DomainError
from ldncontent.permissions import STAFF_ROLES
from reviews import services
from reviews.models import ClinicianProfile, RoleChange

ROLES_HELP = (
    "editors write and submit articles; publishing-admins manage accounts, consuming sites and "
    "webhooks. The clinician role is granted by a superuser under Clinician profiles."
)


class StaffUserChangeForm(UserChangeForm):
    """The user form with the roles one may give instead of raw groups."""

    roles = forms.MultipleChoiceField(
        choices=[(role, role) for role in services.GRANTABLE_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=ROLES_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "roles" in self.fields and self.instance.pk:
            self.initial["roles"] = list(
                self.instance.groups.filter(name__in=services.GRANTABLE_ROLES).values_list(
                    "name", flat=True
                )
            )


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(ServiceRefusalsAsMessagesMixin, UserAdmin):
    """Accounts: what a publishing admin may change of whom is decided per page (see above)."""

    form = StaffUserChangeForm
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "role_names"]
    filter_horizontal = ["user_permissions"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return ["is_staff", "is_superuser", "is_active", "groups"]
        return ["is_staff", "is_active", "groups"]

    def _may_change_roles(self, request, obj) -> bool:
        if not self.has_change_permission(request, obj):
            return False
        return request.user.is_superuser or obj.pk != request.user.pk

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        superuser = request.user.is_superuser
        roles = "roles" if self._may_change_roles(request, obj) else "role_names"
        permissions = ["is_active", "is_staff", roles, "clinician_role"]
        if superuser:
            permissions[2:2] = ["is_superuser"]
            permissions.append("user_permissions")
        return [
            (None, {"fields": ["username", "password"] if superuser else ["username"]}),
            ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
            ("Roles and access", {"fields": permissions}),
            ("Important dates", {"fields": ["last_login", "date_joined"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = ["role_names", "clinician_role", "last_login", "date_joined"]
        if not request.user.is_superuser and obj.pk == request.user.pk:
            readonly += ["is_active", "is_staff"]
        return readonly

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and not self._may_change_roles(request, obj):
            # A declared field stays in the form even when the fieldsets leave it out.
            form.base_fields.pop("roles", None)
        return form

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "roles" in form.fields and "roles" in form.changed_data:
            services.staff_roles_set(
                user=obj,
                roles=form.cleaned_data["roles"],
                changed_by=request.user,
                note="Changed in the user admin",
            )

    def user_change_password(self, request, id, form_url=""):
        """Only a superuser sets someone's password; anyone else changes their own with the
        old one, on the admin's own "Change password" page."""
        if not request.user.is_superuser:
            user = self.get_object(request, unquote(id))
            if user is not None and user.pk == request.user.pk:
                return HttpResponseRedirect(reverse("admin:password_change"))
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.display(description="Roles")
    def role_names(self, user) -> str:
        names = sorted(group.name for group in user.groups.all() if group.name in STAFF_ROLES)
        return ", ".join(names) or "—"

    @admin.display(description="Clinician")
    def clinician_role(self, user) -> str:
        profile = ClinicianProfile.objects.filter(user=user).first()
        if profile is None:
            return "Not a clinician: a superuser grants the role under Clinician profiles."
        state = "active" if profile.active else "revoked"
        url = reverse("admin:reviews_clinicianprofile_change", args=[profile.pk])
        return format_html('<a href="{}">{}</a> ({})', url, profile, state)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """Groups: readable by publishing admins; the role groups are fixed in code, and only a
    superuser adds or changes any other group."""

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and (obj is None or obj.name not in STAFF_ROLES)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)


class ClinicianGrantForm(forms.ModelForm):
    """Grant the clinician role: a new profile, or an inactive one activated again."""

    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why, for the role audit trail (e.g. which registration was checked).",
    )

    class Meta:
        model = ClinicianProfile
        fields = ["user", *services.PROFILE_FIELDS]
        help_texts = {
            "user": "The clinician's own account: grant only to an account whose password the "
            "clinician set, never to your own."
        }

    def validate_unique(self):
        # An inactive profile of this user is activated again by the service.
        pass


class RoleChangeReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why, for the role audit trail.",
    )


class ReasonConfirmedActionsMixin:
    """Admin actions that take a role away: a confirmation page asks why (for the role audit
    trail), then the service runs for every selected row in one transaction."""

    def _confirm_then(self, request, queryset, *, title: str, apply, done: str):
        """Ask for the reason on a confirmation page, then apply the service to each selected
        row, all or none."""
        form = RoleChangeReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            try:
                with transaction.atomic():
                    for row in queryset.select_related("user"):
                        apply(row, form.cleaned_data["reason"])
            except DomainError as error:
                messages.error(request, error.describe())
                return None
            messages.success(request, done.format(count=queryset.count()))
            return None
        return TemplateResponse(
            request,
            "admin/reviews/clinicianprofile/role_change_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "profiles": queryset.select_related("user"),
                "form": form,
                "action": request.POST.get("action"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(ClinicianProfile)
class ClinicianProfileAdmin(
    ReasonConfirmedActionsMixin, ServiceRefusalsAsMessagesMixin, GuardedHistoryAdmin
):
    """Clinician profiles: read by staff; granted, edited and revoked by superusers only, never
    on their own account, through the services."""

    list_display = ["published_name", "credentials", "profession", "registering_body", "active"]
    list_filter = ["active", "profession"]
    search_fields = ["published_name", "registration_number", "user__username"]
    list_select_related = ["user"]
    actions = ["revoke_clinician_role", "grant_clinician_role_again"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ClinicianGrantForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", *services.PROFILE_FIELDS, "note"]
        return ["user", *services.PROFILE_FIELDS, "active"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "active"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True).exclude(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and (obj is None or obj.user_id != request.user.pk)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Approvals name the profile; revoke the role instead.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.clinician_profile_update(
                profile=obj,
                changed_by=request.user,
                changes={name: data[name] for name in services.PROFILE_FIELDS},
            )
            return
        profile = services.clinician_grant(
            user=data["user"],
            granted_by=request.user,
            note=data["note"],
            **{name: data[name] for name in services.PROFILE_FIELDS},
        )
        obj.pk = profile.pk
        obj._state.adding = False

    @admin.action(description="Revoke the clinician role of the selected", permissions=["change"])
    def revoke_clinician_role(self, request, queryset):
        return self._confirm_then(
            request,
            queryset,
            title="Revoke the clinician role",
            apply=lambda profile, reason: services.clinician_revoke(
                user=profile.user, revoked_by=request.user, reason=reason
            ),
            done="The clinician role of {count} clinician(s) was revoked.",
        )

    @admin.action(
        description="Grant the clinician role again to the selected", permissions=["change"]
    )
    def grant_clinician_role_again(self, request, queryset):
        return self._confirm_then(
            request,
            queryset,
            title="Grant the clinician role again",
            apply=lambda profile, reason: services.clinician_grant(
                user=profile.user,
                granted_by=request.user,
                note=reason,
                **{name: getattr(profile, name) for name in services.PROFILE_FIELDS},
            ),
            done="{count} clinician(s) may decide reviews again.",
        )


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The role audit trail: who gave or took which role from whom, and why."""

    list_display = ["at", "subject", "role", "action", "actor", "note"]
    list_filter = ["role", "action"]
    list_select_related = ["subject", "actor"]
    search_fields = ["subject__username", "actor__username", "note"]
