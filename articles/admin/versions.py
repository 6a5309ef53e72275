"""Admin of frozen versions (read-only, with a revert for editors), publications and events."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from articles import selectors, services
from articles.admin.base import GuardedHistoryAdmin, ReadOnlyAdmin
from articles.models import Event, Publication, Version
from ldncontent.exceptions import DomainError
from ldncontent.permissions import EDITORS, user_roles


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
