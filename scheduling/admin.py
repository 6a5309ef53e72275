"""Scheduling in the admin: schedules, releases, withdrawals, embargo grants, and a board of
what is coming. Every change calls the same service as the API, with the same rules."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from ldncontent.exceptions import DomainError
from ldncontent.permissions import PUBLISHING_ADMINS, user_roles
from scheduling import selectors, services
from scheduling.models import EmbargoGrant, Release, Schedule, Withdrawal
from scheduling.permissions import READ_ROLES, WRITE_ROLES


def _has_role(request: HttpRequest, roles) -> bool:
    return request.user.is_active and (
        request.user.is_superuser or bool(user_roles(request.user) & set(roles))
    )


class ReasonActionForm(ActionForm):
    """The action bar with the reason (and release) the chosen action needs."""

    reason = forms.CharField(required=False, max_length=2000, label="Reason")
    release = forms.ModelChoiceField(
        queryset=Release.objects.filter(state="open"), required=False, label="Release"
    )


def _each(modeladmin, request, queryset, action, done: str) -> None:
    """Run `action` on each selected row through its service; report each refusal."""
    succeeded = 0
    for row in queryset:
        try:
            action(row)
            succeeded += 1
        except DomainError as error:
            modeladmin.message_user(request, f"{row}: {error.describe()}", messages.ERROR)
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


class RefusalShownOnAdd:
    """An add page whose save calls a service: a refusal (a superuser holds no role, so the
    service refuses it what the admin offers) is shown, not raised as a 500."""

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.describe(), messages.ERROR)
            return TemplateResponse(
                request, "admin/scheduling/refused.html", {"detail": error.describe()}
            )


class SchedulingAdmin(admin.ModelAdmin):
    """Read by editors, clinical reviewers and publishing admins; changed by the latter two
    through actions (services), never by editing rows."""

    action_form = ReasonActionForm

    def has_module_permission(self, request) -> bool:
        return _has_role(request, READ_ROLES)

    def has_view_permission(self, request, obj=None) -> bool:
        return _has_role(request, READ_ROLES)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_schedule_permission(self, request) -> bool:
        return _has_role(request, WRITE_ROLES)


@admin.register(Schedule)
class ScheduleAdmin(SchedulingAdmin):
    list_display = ["article", "version_number", "publish_at", "release", "state", "delay"]
    list_filter = ["state"]
    list_select_related = ["article", "version", "release"]
    search_fields = ["article__slug"]
    readonly_fields = [
        "article",
        "version",
        "content_hash",
        "attribution",
        "publish_at",
        "release",
        "state",
        "published_at",
        "delay",
        "created_by",
        "created_at",
    ]
    actions = ["cancel_schedules", "add_to_release", "remove_from_release"]

    @admin.display(description="version")
    def version_number(self, schedule: Schedule) -> int:
        return schedule.version.number

    @admin.action(
        description="Cancel the selected schedules (give a reason)", permissions=["schedule"]
    )
    def cancel_schedules(self, request, queryset):
        reason = request.POST.get("reason", "")
        _each(
            self,
            request,
            queryset,
            lambda schedule: services.schedule_cancel(
                schedule=schedule, user=request.user, reason=reason
            ),
            "schedules cancelled",
        )

    @admin.action(
        description="Add the selected schedules to the chosen release", permissions=["schedule"]
    )
    def add_to_release(self, request, queryset):
        release = Release.objects.filter(pk=request.POST.get("release") or None).first()
        if release is None:
            self.message_user(request, "Choose a release.", messages.ERROR)
            return
        _each(
            self,
            request,
            queryset,
            lambda schedule: services.release_schedule_add(
                release=release, schedule=schedule, user=request.user
            ),
            f"schedules added to {release.name}",
        )

    @admin.action(
        description="Take the selected schedules out of their release", permissions=["schedule"]
    )
    def remove_from_release(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(release__isnull=False).select_related("release"),
            lambda schedule: services.release_schedule_remove(
                release=schedule.release, schedule=schedule, user=request.user
            ),
            "schedules taken out of their release",
        )

    def get_urls(self):
        board = path(
            "board/",
            self.admin_site.admin_view(self.board_view),
            name="scheduling_schedule_board",
        )
        return [board, *super().get_urls()]

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """Upcoming schedules, releases (with their warnings) and withdrawals, soonest first."""
        if not self.has_view_permission(request):
            return TemplateResponse(request, "admin/scheduling/board.html", status=403)
        context = {
            **self.admin_site.each_context(request),
            "title": "What is coming",
            **selectors.board(),
        }
        return TemplateResponse(request, "admin/scheduling/board.html", context)


class ReleaseAddForm(forms.ModelForm):
    class Meta:
        model = Release
        fields = ["name", "publish_at"]


@admin.register(Release)
class ReleaseAdmin(RefusalShownOnAdd, SchedulingAdmin):
    list_display = ["name", "publish_at", "state", "schedule_count", "warning_list"]
    list_filter = ["state"]
    readonly_fields = [
        "name",
        "publish_at",
        "state",
        "published_at",
        "delay",
        "warning_list",
        "created_by",
        "created_at",
    ]
    actions = ["cancel_releases"]

    def has_add_permission(self, request, obj=None) -> bool:
        return _has_role(request, WRITE_ROLES)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ReleaseAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["name", "publish_at"] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        created = services.release_create(
            name=form.cleaned_data["name"],
            publish_at=form.cleaned_data["publish_at"],
            user=request.user,
        )
        obj.pk = created.pk

    @admin.display(description="schedules")
    def schedule_count(self, release: Release) -> int:
        return release.schedules.count()

    @admin.display(description="warnings")
    def warning_list(self, release: Release) -> str:
        return " · ".join(release.warnings) or "—"

    @admin.action(
        description="Cancel the selected releases (give a reason)", permissions=["schedule"]
    )
    def cancel_releases(self, request, queryset):
        reason = request.POST.get("reason", "")
        _each(
            self,
            request,
            queryset,
            lambda release: services.release_cancel(
                release=release, user=request.user, reason=reason
            ),
            "releases cancelled",
        )


@admin.register(Withdrawal)
class WithdrawalAdmin(SchedulingAdmin):
    list_display = ["article", "withdraw_at", "state", "reason", "note"]
    list_filter = ["state"]
    list_select_related = ["article"]
    readonly_fields = [
        "article",
        "withdraw_at",
        "reason",
        "state",
        "created_by",
        "created_at",
        "closed_at",
        "note",
    ]
    actions = ["cancel_withdrawals"]

    @admin.action(description="Cancel the selected withdrawals", permissions=["schedule"])
    def cancel_withdrawals(self, request, queryset):
        reason = request.POST.get("reason", "")
        _each(
            self,
            request,
            queryset,
            lambda withdrawal: services.withdrawal_cancel(
                withdrawal=withdrawal, user=request.user, reason=reason
            ),
            "withdrawals cancelled",
        )


class EmbargoGrantForm(forms.ModelForm):
    class Meta:
        model = EmbargoGrant
        fields = ["api_key", "note"]


@admin.register(EmbargoGrant)
class EmbargoGrantAdmin(RefusalShownOnAdd, admin.ModelAdmin):
    """Publishing admins grant and revoke embargo access, through the services."""

    form = EmbargoGrantForm
    list_display = ["api_key", "granted_by", "granted_at", "note"]
    actions = ["revoke_grants"]

    def _publishing_admin(self, request) -> bool:
        return _has_role(request, {PUBLISHING_ADMINS})

    def has_module_permission(self, request) -> bool:
        return self._publishing_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._publishing_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._publishing_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request) -> bool:
        return self._publishing_admin(request)

    def save_model(self, request, obj, form, change) -> None:
        grant = services.embargo_grant(
            api_key=form.cleaned_data["api_key"], user=request.user, note=form.cleaned_data["note"]
        )
        obj.pk = grant.pk

    @admin.action(description="Revoke the selected grants", permissions=["revoke"])
    def revoke_grants(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda grant: services.embargo_revoke(grant=grant, user=request.user),
            "grants revoked",
        )
