"""Admin of articles: the working copy (edited through the services, with its history),
frozen versions and publications (read-only), and consuming sites with their keys."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from articles import selectors, services
from articles.models import (
    ARTICLE_EDITABLE_FIELDS,
    Article,
    ConsumerApiKey,
    ConsumerSite,
    DeliveryAttempt,
    Event,
    Publication,
    Section,
    Version,
    WebhookDelivery,
    WebhookEndpoint,
)
from ldncontent.exceptions import DomainError
from ldncontent.permissions import EDITORS, user_roles


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


def _shows_history(instance) -> bool:
    """True when a form shows a record rebuilt from the history (simple-history's revert page)."""
    return hasattr(instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME)


class ArticleAdminForm(forms.ModelForm):
    etag = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = ["slug", *ARTICLE_EDITABLE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["slug"].disabled = True
            # The ETag and the values shown come from one read, so a save is never accepted
            # over a change the editor was not shown. A history revert shows an old version
            # on purpose, against the stored article's ETag.
            working_copy = selectors.working_copy_get(slug=self.instance.slug)
            self.initial["etag"] = working_copy.etag
            if not _shows_history(self.instance):
                for name in ArticleAdminForm.Meta.fields:
                    self.initial[name] = getattr(working_copy.article, name)


class SectionInline(admin.TabularInline):
    """The article's sections, in order; they are edited on their own pages."""

    model = Section
    extra = 0
    ordering = ["position"]
    fields = ["position", "anchor", "heading"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ServiceBackedAdmin):
    form = ArticleAdminForm
    list_display = ["title", "slug", "audience", "author", "updated_at"]
    list_filter = ["audience"]
    search_fields = ["title", "slug", "external_id"]
    readonly_fields = ["author", "created_at", "updated_at"]
    inlines = [SectionInline]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ArticleAdminForm.Meta.fields}
        slug = fields.pop("slug")
        if change:
            services.article_update(
                article=obj,
                user=request.user,
                if_match=form.cleaned_data["etag"],
                fields=fields,
                reason="Edited in the admin",
            )
            return
        created = services.article_create(
            author=request.user, slug=slug, fields=fields, reason="Created in the admin"
        )
        obj.pk = created.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Versions and publications refer to articles; an article is never deleted.
        return False


class SectionAdminForm(forms.ModelForm):
    etag = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Section
        fields = ["article", "anchor", "heading", "body", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        if self.instance.pk:
            self.fields["article"].disabled = True
            self.fields["anchor"].disabled = True
            # As for articles: the section shown and the ETag come from one read.
            working_copy = selectors.working_copy_get(slug=self.instance.article.slug)
            self.initial["etag"] = working_copy.etag
            shown = next((s for s in working_copy.sections if s.pk == self.instance.pk), None)
            if shown is not None and not _shows_history(self.instance):
                for name in ("heading", "body", "position"):
                    self.initial[name] = getattr(shown, name)


@admin.register(Section)
class SectionAdmin(ServiceBackedAdmin):
    form = SectionAdminForm
    list_display = ["anchor", "heading", "article", "position"]
    search_fields = ["anchor", "heading", "article__slug"]
    list_select_related = ["article"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in ("heading", "body", "position")}
            if changes["position"] is None:
                changes.pop("position")
            services.section_update(
                article=obj.article,
                anchor=obj.anchor,
                user=request.user,
                if_match=data["etag"],
                changes=changes,
            )
            return
        article = data["article"]
        created = services.section_create(
            article=article,
            user=request.user,
            if_match=selectors.article_etag(
                article=article, sections=selectors.section_list(article=article)
            ),
            anchor=data["anchor"],
            heading=data["heading"],
            body=data["body"],
            position=data["position"],
        )
        obj.pk = created.pk
        obj._state.adding = False

    def delete_view(self, request, object_id, extra_context=None):
        section = self.get_object(request, object_id)
        if request.method != "POST" and section is not None:
            # The confirmation form posts back the ETag of the state it showed.
            etag = selectors.working_copy_get(slug=section.article.slug).etag
            extra_context = {**(extra_context or {}), "etag": etag}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.section_delete(
            article=obj.article,
            anchor=obj.anchor,
            user=request.user,
            if_match=request.POST.get("etag", ""),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk deletes would skip the services
        return actions


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    """Frozen versions, read-only; editors may revert the working copy to one (a service)."""

    list_display = ["article", "number", "submitted_by", "submitted_at", "content_hash"]
    list_select_related = ["article", "submitted_by"]
    search_fields = ["article__slug", "title"]
    change_form_template = "admin/articles/version/change_form.html"

    def get_urls(self):
        revert = path(
            "<path:object_id>/revert/",
            self.admin_site.admin_view(self.revert_view),
            name="articles_version_revert",
        )
        return [revert, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and EDITORS in user_roles(request.user):
            # The form carries the working copy's ETag as this page read it: a revert posted
            # from a page older than the last edit is refused, not applied over that edit.
            context["revert_etag"] = selectors.working_copy_get(slug=obj.article.slug).etag
            context["revert_url"] = reverse("admin:articles_version_revert", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def revert_view(self, request, object_id) -> HttpResponse:
        """Revert the working copy of the version's article to the version (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        version = self.get_object(request, unquote(object_id))
        if version is None or not self.has_view_permission(request, version):
            raise PermissionDenied
        try:
            services.article_revert(
                article=version.article,
                version=version,
                user=request.user,
                if_match=request.POST.get("etag", ""),
                reason=request.POST.get("reason", "").strip() or None,
            )
        except DomainError as error:
            messages.error(request, error.describe())
            return HttpResponseRedirect(reverse("admin:articles_version_change", args=[version.pk]))
        messages.success(
            request,
            f"The working copy of “{version.article}” now has the content of version "
            f"{version.number}. Submit it for review to publish it again.",
        )
        return HttpResponseRedirect(
            reverse("admin:articles_article_change", args=[version.article_id])
        )


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin, GuardedHistoryAdmin):
    list_display = ["slug", "version", "status", "reviewer_name", "next_review_due"]
    list_filter = ["status", "review_overdue"]
    list_select_related = ["version", "version__article"]
    exclude = ["payload"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["position", "type", "slug", "version", "occurred_at"]
    list_filter = ["type"]


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


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceRefusalsAsMessagesMixin, admin.ModelAdmin):
    """Endpoints are saved through the services; the signing secret is shown once, when the
    endpoint is created, and never on any page after that."""

    list_display = ["name", "url", "site", "active", "created_at"]
    list_filter = ["active", "site"]
    fields = ["name", "url", "site", "event_types", "active"]

    def get_readonly_fields(self, request, obj=None):
        # The site decides which events may be sent, so it is fixed once created.
        return ["site"] if obj else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.webhook_endpoint_update(
                user=request.user,
                endpoint=obj,
                changes={name: data[name] for name in ("name", "url", "event_types", "active")},
            )
            return
        created = services.webhook_endpoint_create(
            user=request.user,
            name=data["name"],
            url=data["url"],
            site=data.get("site"),
            event_types=data.get("event_types") or [],
        )
        obj.pk = created.pk
        obj._state.adding = False
        messages.warning(
            request,
            f"The signing secret of “{created.name}” is {created.secret} — copy it to the "
            "receiver now: it is not shown again.",
        )


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["attempted_at", "status_code", "duration_ms", "outcome", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "last_status_code", "delivered_at"]
    list_filter = ["status", "endpoint"]
    list_select_related = ["event", "endpoint"]
    inlines = [DeliveryAttemptInline]
    actions = ["replay"]

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request, queryset):
        try:
            for delivery in queryset:
                services.webhook_delivery_replay(delivery=delivery, user=request.user)
        except DomainError as error:
            messages.error(request, error.detail)
            return
        messages.success(request, f"{queryset.count()} delivery(ies) will be sent again.")
