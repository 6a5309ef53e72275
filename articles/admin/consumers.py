"""Admin of consuming sites and their API keys, written through the services (publishing
admins only): a key's plain value is shown once, and a key is revoked, never edited or deleted."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from articles import services
from articles.admin.base import ReadOnlyAdminMixin, ServiceRefusalsAsMessagesMixin
from articles.models import ConsumerApiKey, ConsumerSite
from ldncontent.exceptions import DomainError


class ConsumerApiKeyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The site's keys, read-only: keys are issued and revoked on the key admin's pages."""

    model = ConsumerApiKey
    extra = 0
    fields = ["name", "prefix", "created", "expiry_date", "revoked"]
    readonly_fields = fields
    show_change_link = True


@admin.register(ConsumerSite)
class ConsumerSiteAdmin(ServiceRefusalsAsMessagesMixin, admin.ModelAdmin):
    """Sites are registered and changed through the services (publishing admins only)."""

    list_display = ["name", "contact_email", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "contact_email"]
    fields = services.SITE_FIELDS
    inlines = [ConsumerApiKeyInline]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.SITE_FIELDS}
        if change:
            services.consumer_site_update(user=request.user, site=obj, changes=values)
            return
        created = services.consumer_site_create(user=request.user, **values)
        obj.pk = created.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Keys refer to their site; deactivate the site instead.
        return False


class ConsumerApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ConsumerApiKey
        fields = ["site", "name", "expiry_date"]


@admin.register(ConsumerApiKey)
class ConsumerApiKeyAdmin(ServiceRefusalsAsMessagesMixin, APIKeyModelAdmin):
    """Keys are issued (the plain key shown once) and revoked through the services; an issued
    key is never edited, and a revoked one is never restored."""

    list_display = [*APIKeyModelAdmin.list_display, "site"]
    list_filter = [*APIKeyModelAdmin.list_filter, "revoked", "site"]
    list_select_related = ["site"]
    form = ConsumerApiKeyAddForm
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ConsumerApiKeyAddForm.Meta.fields
        return ["site", "name", "prefix", "created", "expiry_date", "revoked"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        # The change list needs it for the revoke action; a key's own page stays read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoke instead: a deleted key would leave no trace of who had access.
        return False

    def save_model(self, request, obj, form, change):
        key, plain = services.consumer_key_issue(
            site=form.cleaned_data["site"],
            name=form.cleaned_data["name"],
            expires_at=form.cleaned_data["expiry_date"],
            issued_by=request.user,
        )
        obj.pk = key.pk
        obj._state.adding = False
        messages.warning(
            request,
            f"The API key for “{key.name}” is {plain} — give it to {key.site} now: it is not "
            "shown again.",
        )

    @admin.action(
        description="Revoke the selected keys (this cannot be undone)", permissions=["change"]
    )
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked=False))
        try:
            with transaction.atomic():
                for key in keys:
                    services.consumer_key_revoke(key=key, revoked_by=request.user)
        except DomainError as error:
            messages.error(request, error.describe())
            return
        messages.success(request, f"{len(keys)} key(s) revoked.")


# The library's own key model is unused: consuming sites' keys are ConsumerApiKey.
admin.site.unregister(APIKey)
