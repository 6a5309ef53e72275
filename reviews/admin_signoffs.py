"""Sign-off policies in the admin: roles, policies, who holds a role, and the signatures.

Publishing admins (and superusers) create and change roles and policies and grant or revoke
roles, through the services in `reviews.services.policies`, which check that authority again
and protect the clinical role; a refusal is an admin message and nothing is saved. Every staff
role reads roles, policies and signatures; signatures are frozen rows no one changes here.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from articles.admin.base import (
    GuardedHistoryAdmin,
    ReadOnlyAdminMixin,
    ServiceRefusalsAsMessagesMixin,
)
from reviews import services
from reviews.admin_roles import ReasonConfirmedActionsMixin
from reviews.models import CLINICAL_ROLE, SignOff, SignOffPolicy, SignOffRole, SignOffRoleHolder

ROLE_FIELDS = ["code", "name", "meaning", "checklist", "resign_on_change", "active"]
POLICY_FIELDS = [
    "name",
    "description",
    "topic",
    "audience",
    "article",
    "required_roles",
    "optional_roles",
    "active",
]
HOLDER_FIELDS = [
    "published_name",
    "credentials",
    "profession",
    "registering_body",
    "registration_number",
]


class ChecklistField(forms.CharField):
    """A role's checklist edited as text, one statement a line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class SignOffRoleForm(forms.ModelForm):
    checklist = ChecklistField(
        required=False,
        help_text="One statement a line; the signer must tick each, e.g. `Reading age checked`.",
    )

    class Meta:
        model = SignOffRole
        fields = ROLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["checklist"] = "\n".join(self.instance.checklist or [])


def _shown_changes(form, names) -> dict:
    """Every field the form shows, as cleaned: the service keeps only what differs from the
    stored row (so a history revert, whose form starts from an old row, works the same)."""
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class HoldersInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Who holds the role: granted and revoked under Sign-off role holders."""

    model = SignOffRoleHolder
    fields = ["published_name", "user", "credentials", "registering_body", "active"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "Holders (grant or revoke under Sign-off role holders)"


@admin.register(SignOffRole)
class SignOffRoleAdmin(ServiceRefusalsAsMessagesMixin, GuardedHistoryAdmin):
    """Roles as data: name, meaning, checklist and whether they re-sign change reviews."""

    form = SignOffRoleForm
    list_display = ["name", "code", "resign_on_change", "active", "checklist_items", "holders"]
    list_filter = ["active", "resign_on_change"]
    search_fields = ["code", "name"]

    def get_inlines(self, request, obj=None):
        return [HoldersInline] if obj is not None and obj.code != CLINICAL_ROLE else []

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.code == CLINICAL_ROLE:
            # The mandatory role: only its name, meaning and checklist change.
            return ["code", "resign_on_change", "active", "clinical_note"]
        return ["grant_link"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [name for name in ROLE_FIELDS if name != "active"]
        if obj.code == CLINICAL_ROLE:
            return ["clinical_note", *ROLE_FIELDS]
        return [*ROLE_FIELDS, "grant_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("holders")

    @admin.display(description="Checklist")
    def checklist_items(self, role: SignOffRole) -> int:
        return len(role.checklist or [])

    @admin.display(description="Active holders")
    def holders(self, role: SignOffRole) -> str:
        if role.code == CLINICAL_ROLE:
            return "clinicians (Clinician profiles)"
        return str(sum(1 for holder in role.holders.all() if holder.active))

    @admin.display(description="")
    def clinical_note(self, role: SignOffRole) -> str:
        return (
            "Every version needs this sign-off: its code never changes, it is always active and "
            "always re-signs change reviews. Clinicians hold it through their clinician profile."
        )

    @admin.display(description="Grant")
    def grant_link(self, role: SignOffRole) -> str:
        url = reverse("admin:reviews_signoffroleholder_add") + f"?role={role.pk}"
        return format_html('<a href="{}" id="ldn-grant-role">Grant this role to someone</a>', url)

    def save_model(self, request, obj, form, change):
        if change:
            services.signoff_role_update(
                role=obj, actor=request.user, changes=_shown_changes(form, ROLE_FIELDS)
            )
            return
        data = form.cleaned_data
        role = services.signoff_role_create(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            meaning=data["meaning"],
            checklist=data["checklist"],
            resign_on_change=data["resign_on_change"],
        )
        obj.pk = role.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Requests and signatures name their role: deactivate it instead.
        return False


class SignOffPolicyForm(forms.ModelForm):
    class Meta:
        model = SignOffPolicy
        fields = POLICY_FIELDS
        widgets = {
            "required_roles": forms.CheckboxSelectMultiple,
            "optional_roles": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "required_roles": "Must sign every version the policy covers. The clinical role "
            "signs every version whatever the policies say.",
            "optional_roles": "Invited: may sign, but publication does not wait for them.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Active roles, and those the policy already names: an inactive one left out would
        # come back unticked and be dropped from the policy by an unrelated edit.
        offered = Q(active=True)
        if self.instance.pk is not None:
            offered |= Q(requiring_policies=self.instance) | Q(optional_in_policies=self.instance)
        roles = SignOffRole.objects.filter(offered).distinct()
        if "required_roles" in self.fields:  # absent for staff who may only view policies
            self.fields["required_roles"].queryset = roles
            self.fields["optional_roles"].queryset = roles.exclude(code=CLINICAL_ROLE)

    def clean(self):
        # Said here as well as by the service, because the model's own constraint check, which
        # runs first, would only name the constraint.
        data = super().clean()
        if sum(bool(data.get(name)) for name in ("topic", "audience", "article")) > 1:
            raise forms.ValidationError(
                "A policy covers one topic, one audience or one article (or, with none, every "
                "article): make one policy per scope."
            )
        return data


@admin.register(SignOffPolicy)
class SignOffPolicyAdmin(ServiceRefusalsAsMessagesMixin, GuardedHistoryAdmin):
    """Which roles sign which versions: by topic, audience or article (or all articles)."""

    form = SignOffPolicyForm
    list_display = ["name", "scope", "required", "optional", "active"]
    list_filter = ["active", "audience"]
    search_fields = ["name", "topic", "article__slug"]
    fieldsets = [
        (None, {"fields": ["name", "description", "active"]}),
        (
            "Scope: one of topic, audience or article; none covers every article",
            {"fields": ["topic", "audience", "article"]},
        ),
        ("Roles", {"fields": ["required_roles", "optional_roles"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("article")
            .prefetch_related("required_roles", "optional_roles")
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name", "description"]}), *self.fieldsets[1:]]
        return self.fieldsets

    @admin.display(description="Required")
    def required(self, policy: SignOffPolicy) -> str:
        return ", ".join(role.name for role in policy.required_roles.all()) or "—"

    @admin.display(description="Optional")
    def optional(self, policy: SignOffPolicy) -> str:
        return ", ".join(role.name for role in policy.optional_roles.all()) or "—"

    def save_model(self, request, obj, form, change):
        # The roles are set by the service, never by the form's own save_m2m (which the admin,
        # and a history revert, call after this).
        form.save_m2m = lambda: None
        if change:
            services.signoff_policy_update(
                policy=obj, actor=request.user, changes=_shown_changes(form, POLICY_FIELDS)
            )
            return
        data = form.cleaned_data
        policy = services.signoff_policy_create(
            actor=request.user,
            name=data["name"],
            description=data["description"],
            topic=data["topic"],
            audience=data["audience"],
            article=data["article"],
            required_roles=data["required_roles"],
            optional_roles=data["optional_roles"],
        )
        obj.pk = policy.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Kept for the record of which policy asked for which sign-off: deactivate it instead.
        return False


class HolderGrantForm(forms.ModelForm):
    """Grant a sign-off role: a new holder, or a revoked one made active again."""

    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why, for the role audit trail (e.g. which registration was checked).",
    )

    class Meta:
        model = SignOffRoleHolder
        fields = ["user", "role", *HOLDER_FIELDS]
        help_texts = {
            "user": "The signer's own account, never your own. They join sign-off-reviewers.",
            "role": "The clinical role is granted as a clinician profile, not here.",
        }

    def validate_unique(self):
        # A revoked holder of this role is made active again by the service.
        pass


@admin.register(SignOffRoleHolder)
class SignOffRoleHolderAdmin(
    ReasonConfirmedActionsMixin, ServiceRefusalsAsMessagesMixin, GuardedHistoryAdmin
):
    """Who may sign which non-clinical role, and what readers see of them; granted by a
    superuser and revoked by publishing admins too (never on their own account), through the
    services, with a reason."""

    form = HolderGrantForm
    list_display = ["published_name", "role", "user", "credentials", "registering_body", "active"]
    list_filter = ["role", "active"]
    search_fields = ["published_name", "user__username", "registration_number"]
    list_select_related = ["role", "user"]
    actions = ["revoke_sign_off_role", "grant_sign_off_role_again"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "role", *HOLDER_FIELDS, "note"]
        return ["user", "role", *HOLDER_FIELDS, "active"]

    def get_readonly_fields(self, request, obj=None):
        # A holder's details are set when the role is granted (revoke, then grant again with
        # new ones); the revoke and grant-again actions are on the list.
        return ["user", "role", *HOLDER_FIELDS, "active"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        role = SignOffRole.objects.filter(pk=initial.get("role") or None).first()
        if role is not None:
            initial.setdefault("profession", role.name)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True).exclude(pk=request.user.pk)
        if db_field.name == "role":
            kwargs["queryset"] = SignOffRole.objects.filter(active=True).exclude(code=CLINICAL_ROLE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request) -> bool:
        # Only a superuser grants (reviews.services.policies._ensure_may_change_holders).
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        # Signatures name the holder: revoke the role instead.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing on a holder's page is editable: no save buttons.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on the change page is editable
        data = form.cleaned_data
        holder = services.signoff_role_grant(
            user=data["user"],
            role=data["role"],
            granted_by=request.user,
            note=data["note"],
            **{name: data[name] for name in HOLDER_FIELDS},
        )
        obj.pk = holder.pk
        obj._state.adding = False

    @admin.action(description="Revoke the sign-off role of the selected", permissions=["change"])
    def revoke_sign_off_role(self, request, queryset):
        return self._confirm_then(
            request,
            queryset,
            title="Revoke the sign-off role",
            apply=lambda holder, reason: services.signoff_role_revoke(
                user=holder.user, role=holder.role, revoked_by=request.user, reason=reason
            ),
            done="The sign-off role of {count} holder(s) was revoked.",
        )

    @admin.action(description="Grant the sign-off role again to the selected", permissions=["add"])
    def grant_sign_off_role_again(self, request, queryset):
        return self._confirm_then(
            request,
            queryset,
            title="Grant the sign-off role again",
            apply=lambda holder, reason: services.signoff_role_grant(
                user=holder.user,
                role=holder.role,
                granted_by=request.user,
                note=reason,
                **{name: getattr(holder, name) for name in HOLDER_FIELDS},
            ),
            done="{count} holder(s) may sign again.",
        )


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every signature, frozen: who signed which role of which version, meaning what."""

    list_display = ["signed_at", "version", "role_name", "signer_name", "short_hash", "kind"]
    list_filter = ["role"]
    list_select_related = ["version", "version__article"]
    search_fields = ["signer_name", "version__article__slug", "content_hash"]

    @admin.display(description="Content hash")
    def short_hash(self, sign_off: SignOff) -> str:
        return sign_off.content_hash[:12]
