"""What the articles and reviews admins share: read-only admins, service refusals shown as
messages, and history pages where only whoever may change a record posts a revert."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from ldncontent.exceptions import DomainError


def disable_fields(form, *names: str) -> None:
    """Show these fields of a change form unchangeable. The form of staff who may only view
    the record has no fields at all (the admin shows the values read-only instead)."""
    for name in names:
        if name in form.fields:
            form.fields[name].disabled = True


class ReadOnlyAdminMixin:
    """Frozen or service-written records: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only model admin."""


class ServiceRefusalsAsMessagesMixin:
    """A save the services refuse (a DomainError) is shown as a message on the form instead
    of an error page, and nothing is saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            messages.error(request, error.describe())
            return HttpResponseRedirect(request.get_full_path())


class GuardedHistoryAdmin(SimpleHistoryAdmin):
    """History pages: whoever may view the record reads them, but only whoever may change it
    posts a revert (simple-history lets a viewer post one), and a service refusal is a message."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except DomainError as error:
            messages.error(request, error.describe())
            return HttpResponseRedirect(request.get_full_path())


class ServiceBackedAdmin(ServiceRefusalsAsMessagesMixin, GuardedHistoryAdmin):
    """Saves go through the services (with the ETag read when the form opened)."""

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            messages.error(request, error.detail)
            return HttpResponseRedirect(request.get_full_path())
