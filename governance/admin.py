"""Governance in the admin: feedback triage, the export log, printable dossiers, and the
open error reports on the review page.

The reader's text is untrusted: every template shows it through Django's autoescaping, and
nothing here marks it safe. Triage and exports call the same services as the API.
"""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator

from articles.models import Version
from governance import selectors, services
from governance.models import DossierExport, Feedback, FeedbackStatus
from governance.permissions import FEEDBACK_READ_ROLES
from ldncontent.exceptions import DomainError, NotAllowed
from ldncontent.permissions import user_roles
from reviews.admin import ReviewAdmin
from reviews.models import Review, ReviewState

TRIAGE_CHOICES = [
    (FeedbackStatus.TRIAGED, "Triaged"),
    (FeedbackStatus.ADDRESSED, "Addressed in version…"),
    (FeedbackStatus.DECLINED, "Declined"),
]


def _has_role(request: HttpRequest, roles) -> bool:
    return request.user.is_active and (
        request.user.is_superuser or bool(user_roles(request.user) & set(roles))
    )


class GovernanceRecordAdmin(admin.ModelAdmin):
    """Governance records: read by the roles that read feedback, written only by services."""

    view_roles = FEEDBACK_READ_ROLES

    def has_module_permission(self, request) -> bool:
        return _has_role(request, self.view_roles)

    def has_view_permission(self, request, obj=None) -> bool:
        return _has_role(request, self.view_roles)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(GovernanceRecordAdmin):
    list_display = [
        "received_at",
        "article_slug",
        "version_number",
        "category",
        "status",
        "site",
        "excerpt",
    ]
    list_filter = ["status", "category", "site"]
    search_fields = ["article__slug", "text"]
    list_select_related = ["article", "version", "site"]
    fields = [
        "article",
        "version",
        "content_hash",
        "section_anchor",
        "category",
        "text",
        "site",
        "api_key",
        "received_at",
        "status",
        "addressed_in_version",
        "resolution_note",
    ]
    readonly_fields = fields
    change_form_template = "admin/governance/feedback/change_form.html"

    @admin.display(description="Article", ordering="article__slug")
    def article_slug(self, feedback: Feedback) -> str:
        return feedback.article.slug

    @admin.display(description="Version", ordering="version__number")
    def version_number(self, feedback: Feedback) -> int:
        return feedback.version.number

    @admin.display(description="Text")
    def excerpt(self, feedback: Feedback) -> str:
        # A plain string: the changelist escapes it.
        return Truncator(feedback.text).chars(80)

    def get_urls(self):
        return [
            path(
                "<int:feedback_id>/triage/",
                self.admin_site.admin_view(self.triage_view),
                name="governance_feedback_triage",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        feedback = self.get_object(request, unquote(object_id))
        if feedback is None:  # the admin's own answer: back to the list, with a message
            return super().change_view(request, object_id, form_url, extra_context)
        extra = {
            "transitions": feedback.transitions.select_related("actor"),
            "can_triage": _has_role(request, services.TRIAGE_ROLES),
            "triage_choices": TRIAGE_CHOICES,
            "triage_url": reverse("admin:governance_feedback_triage", args=[feedback.pk]),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def triage_view(self, request: HttpRequest, feedback_id: int) -> HttpResponse:
        """The triage form: calls feedback_triage, the service the API uses."""
        feedback = get_object_or_404(Feedback, pk=feedback_id)
        page = reverse("admin:governance_feedback_change", args=[feedback.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        version = request.POST.get("addressed_in_version", "").strip()
        if version and not (version.isascii() and version.isdigit() and len(version) < 10):
            messages.error(request, "Give the version that addresses the report as a number.")
            return HttpResponseRedirect(page)
        try:
            services.feedback_triage(
                feedback=feedback,
                user=request.user,
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
                addressed_in_version=int(version) if version else None,
            )
        except DomainError as error:
            messages.error(request, error.describe())
        else:
            messages.success(request, "Triage recorded.")
        return HttpResponseRedirect(page)


@admin.register(DossierExport)
class DossierExportAdmin(GovernanceRecordAdmin):
    """The export log; also serves a version's dossier as a printable page or a JSON file."""

    view_roles = services.EXPORT_ROLES
    list_display = ["at", "kind", "actor", "output_format", "drawn"]
    list_filter = ["kind", "output_format"]
    list_select_related = ["actor"]
    fields = ["kind", "actor", "at", "output_format", "parameters", "versions"]
    readonly_fields = fields

    @admin.display(description="Versions")
    def drawn(self, export: DossierExport) -> str:
        return ", ".join(f"{ref['slug']} v{ref['number']}" for ref in export.versions)

    def get_urls(self):
        return [
            path(
                "version/<slug:slug>/<int:number>/",
                self.admin_site.admin_view(self.dossier_page_view),
                name="governance_dossier_page",
            ),
            path(
                "version/<slug:slug>/<int:number>/download/",
                self.admin_site.admin_view(self.dossier_download_view),
                name="governance_dossier_download",
            ),
            *super().get_urls(),
        ]

    def _dossier(self, request: HttpRequest, slug: str, number: int, output_format: str):
        version = get_object_or_404(Version, article__slug=slug, number=number)
        try:
            return services.dossier_export(
                user=request.user, version=version, output_format=output_format
            )
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.detail) from refusal

    def dossier_page_view(self, request: HttpRequest, slug: str, number: int) -> HttpResponse:
        """The dossier as a printable page (the browser prints it, or saves it as PDF)."""
        dossier = self._dossier(request, slug, number, "html")
        return TemplateResponse(
            request,
            "admin/governance/dossier.html",
            {
                "dossier": dossier,
                "slug": slug,
                "download_url": reverse("admin:governance_dossier_download", args=[slug, number]),
            },
        )

    def dossier_download_view(self, request: HttpRequest, slug: str, number: int) -> HttpResponse:
        """The dossier as a JSON file: what the API answers, indented and with sorted keys for
        reading (the same for the same record)."""
        dossier = self._dossier(request, slug, number, "json")
        response = HttpResponse(
            json.dumps(dossier, indent=2, ensure_ascii=False, sort_keys=True),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="dossier-{slug}-v{number}.json"'
        return response


admin.site.unregister(Review)


@admin.register(Review)
class ReviewWithFeedbackAdmin(ReviewAdmin):
    """The review page, with the article's open reader error reports and, once the version
    is approved, a link to its dossier."""

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        context = getattr(response, "context_data", None) or {}
        review = context.get("review")
        if review is None:
            return response
        # Reader text is for those who triage or read feedback (as GET reviews/{id}/feedback/),
        # not for every sign-off reviewer who may open the review.
        if _has_role(request, FEEDBACK_READ_ROLES):
            reports = selectors.review_feedback(review=review)
        else:
            reports = {"open_errors": [], "acknowledged": []}
        response.template_name = "admin/governance/review_page.html"
        context.update(
            {
                "open_errors": reports["open_errors"],
                "acknowledged": reports["acknowledged"],
                "dossier_url": reverse(
                    "admin:governance_dossier_page",
                    args=[review.article.slug, review.version.number],
                )
                if review.state == ReviewState.APPROVED
                and _has_role(request, services.EXPORT_ROLES)
                else "",
            }
        )
        return response
