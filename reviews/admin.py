"""The reviewer admin panel: the queue, the review page with its decisions, and the due board.

Every button calls the same service as the API (`reviews.services`), so the rules (who may
decide, separation of duties, the content hash) are written once. Nothing here can edit or
delete a version, a decision or an audit row.
"""

import json
from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from articles import selectors as article_selectors
from articles.admin.base import ReadOnlyAdminMixin
from articles.models import (
    Reference,
    ReferenceCheckResult,
    ReferenceStatus,
    ReviewKind,
    topics_include,
)
from ldncontent.exceptions import DomainError, NotAllowed
from ldncontent.permissions import (
    CLINICAL_REVIEWERS,
    EDITORS,
    PUBLISHING_ADMINS,
    SIGN_OFF_REVIEWERS,
    user_roles,
)
from reviews import (
    admin_roles,  # noqa: F401 - registers the user, group and clinician admins
    admin_signoffs,  # noqa: F401 - registers the sign-off role, policy and holder admins
    selectors,
    services,
)
from reviews.models import (
    CLINICAL_ROLE,
    ClinicianProfile,
    EvidenceVerdict,
    Review,
    ReviewDueBoard,
    ReviewState,
    ReviewTransition,
    SignOff,
    SignOffRequest,
    SignOffRole,
    SignOffRoleHolder,
)
from reviews.policy import latest_review_due

admin.site.index_template = "admin/ldn_index.html"
admin.site.site_header = "ldncontent"
admin.site.site_title = "ldncontent admin"


class TopicFilter(admin.SimpleListFilter):
    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        topics = set()
        for version_topics in Review.objects.values_list("version__topics", flat=True):
            topics.update(version_topics or [])
        return [(topic, topic) for topic in sorted(topics)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(topics_include(self.value(), field="version__topics"))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "article overdue for review"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        if self.value() not in {"yes", "no"}:
            return queryset
        overdue = selectors.review_due_board().overdue(today=timezone.localdate())
        condition = {"article_id__in": overdue.values("article_id")}
        return (
            queryset.filter(**condition) if self.value() == "yes" else queryset.exclude(**condition)
        )


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me")]

    def queryset(self, request, queryset):
        if self.value() != "me":
            return queryset
        return queryset.filter(selectors.awaiting_sign_off_by(request.user))


class SignOffOverdueFilter(admin.SimpleListFilter):
    title = "sign-off overdue"
    parameter_name = "sign_off_overdue"

    def lookups(self, request, model_admin):
        return [("yes", "A required sign-off is past its due date")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(selectors.sign_off_overdue_now())


def _signers_of(role: SignOffRole) -> list[tuple[int, str]]:
    """Who may be asked to sign `role` (the service checks the one chosen again), as
    (user id, label) pairs."""
    if role.code == CLINICAL_ROLE:
        people = ClinicianProfile.objects.filter(
            active=True, user__is_active=True, user__groups__name=CLINICAL_REVIEWERS
        )
    else:
        people = SignOffRoleHolder.objects.filter(
            role=role, active=True, user__is_active=True, user__groups__name=SIGN_OFF_REVIEWERS
        )
    return [
        (person.user_id, f"{person.published_name} ({person.user.get_username()})")
        for person in people.select_related("user").order_by("published_name")
    ]


def _outstanding(review: Review) -> list[SignOffRequest]:
    """The requests still to sign, from the prefetched rows (the rule the workflow applies)."""
    return selectors.outstanding_requests(
        requests=review.sign_off_requests.all(),
        sign_offs=review.sign_offs.all(),
        retracted_since_submission=review.retracted_since_submission,
    )


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "article_title",
        "version_number",
        "state",
        "submitted_by",
        "submitted_at",
        "waiting_days",
        "outstanding_sign_offs",
        "reviewer",
    ]
    list_filter = ["state", TopicFilter, OverdueFilter, AssignedFilter, SignOffOverdueFilter]
    search_fields = ["article__title", "article__slug", "version__title"]
    ordering = ["created_at", "id"]
    list_select_related = ["article", "version", "version__submitted_by", "reviewer"]

    @admin.display(description="Article", ordering="article__title")
    def article_title(self, review: Review) -> str:
        return review.version.title

    @admin.display(description="Version", ordering="version__number")
    def version_number(self, review: Review) -> int:
        return review.version.number

    @admin.display(description="Submitted by")
    def submitted_by(self, review: Review) -> str:
        return review.version.submitted_by.get_username()

    @admin.display(description="Submitted", ordering="version__submitted_at")
    def submitted_at(self, review: Review):
        return review.version.submitted_at

    @admin.display(description="Waiting (days)")
    def waiting_days(self, review: Review) -> int | str:
        if review.state != ReviewState.SUBMITTED:
            return "—"
        return (timezone.now() - review.version.submitted_at).days

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(*selectors.REVIEW_SIGN_OFF_PREFETCH)
            .annotate(retracted_since_submission=selectors.retracted_since_submission())
        )

    @admin.display(description="Still to sign")
    def outstanding_sign_offs(self, review: Review) -> str:
        if review.state != ReviewState.SUBMITTED:
            return "—"
        today = timezone.localdate()
        parts = []
        for request in _outstanding(review):
            late = request.due_on is not None and request.due_on < today
            parts.append(
                format_html(
                    '<span class="ldn-outstanding{}" data-role="{}">{}{}{}</span>',
                    " ldn-overdue" if late else "",
                    request.role.code,
                    request.role.name,
                    f" → {request.assignee.get_username()}" if request.assignee else "",
                    f" (due {request.due_on.isoformat()}{', overdue' if late else ''})"
                    if request.due_on
                    else "",
                )
            )
        return format_html_join(", ", "{}", ((part,) for part in parts)) or "—"

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # The queue opens on what awaits a decision.
        if not any(key.startswith("state") for key in request.GET) and not request.GET.get("q"):
            query = request.GET.copy()
            query["state__exact"] = ReviewState.SUBMITTED
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:review_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="reviews_review_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        review = get_object_or_404(
            Review.objects.select_related("version", "article", "reviewer"), pk=object_id
        )
        if not self.has_view_permission(request, review):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/reviews/review/review_page.html",
            {**self.admin_site.each_context(request), **self._page_context(request, review)},
        )

    def _page_context(self, request: HttpRequest, review: Review) -> dict:
        version = review.version
        publication = article_selectors.live_publication(article=review.article)
        live_version = publication.version if publication else None
        approvals = selectors.earlier_approvals(version=version)
        comments = list(review.comments.select_related("author"))
        snapshot_diff = article_selectors.version_diff(version=version, against=live_version)
        diff = []
        for item in snapshot_diff.sections:
            entry = asdict(item)
            entry["heading_diff"] = item.heading_diff
            entry["body_diff"] = item.body_diff
            entry["approval"] = approvals.get(item.anchor) if item.status == "unchanged" else None
            entry["comments"] = [c for c in comments if c.section_anchor == item.anchor]
            diff.append(entry)
        why_not = ""
        try:
            services.ensure_can_decide(review=review, user=request.user)
        except NotAllowed as refusal:
            why_not = refusal.detail
        sign_offs, signable = self._sign_off_panel(request, review)
        latest_due = latest_review_due(timezone.localdate())
        preview = selectors.version_preview(version=version, user=request.user)
        payload = json.loads(preview.payload)
        references, removed_references = self._evidence_panel(review, snapshot_diff)
        return {
            "title": f"Review of {version.title} v{version.number}",
            "review": review,
            "version": version,
            "live_version": live_version,
            "diff": diff,
            "field_diffs": snapshot_diff.fields,
            "anything_changed": snapshot_diff.changed,
            "general_comments": [c for c in comments if not c.section_anchor],
            "transitions": review.transitions.select_related("actor"),
            "can_decide": not why_not,
            "why_not": why_not,
            "sign_offs": sign_offs,
            "signable": signable,
            "preview_sign_offs": payload["medical_review"].get("sign_offs", []),
            "can_comment": bool(
                user_roles(request.user) & {EDITORS, CLINICAL_REVIEWERS, SIGN_OFF_REVIEWERS}
            ),
            "latest_due": latest_due,
            "time_zone": settings.TIME_ZONE,
            "preview": payload,
            "preview_list_entry": json.dumps(json.loads(preview.list_entry), indent=2),
            "preview_json_ld": json.dumps(payload["json_ld"], indent=2, ensure_ascii=False),
            "decide_url": reverse("admin:reviews_review_decide", args=[review.pk]),
            "references": references,
            "removed_references": removed_references,
            "evidence_to_check": [row for row in references if row["full"] or row["change"]],
            # Only cited references are listed, and a cited one found removed is refused.
            "verdicts": [
                choice for choice in EvidenceVerdict.choices if choice[0] != EvidenceVerdict.REMOVED
            ],
        }

    @staticmethod
    def _evidence_panel(review: Review, snapshot_diff) -> tuple[list[dict], list]:
        """Each reference of the version: what changed against the live version, whether a
        full or a change approval must check it, and its evidence check once given."""
        full = set(services.evidence_required(review=review, kind=ReviewKind.FULL))
        change = set(services.evidence_required(review=review, kind=ReviewKind.CHANGE))
        checks = {check.reference_key: check for check in selectors.evidence_checks(review=review)}
        diffs = {item.key: item for item in snapshot_diff.references}
        rows = [
            {
                "reference": item,
                "full": item["key"] in full,
                "change": item["key"] in change,
                "diff": diffs.get(item["key"]),
                "check": checks.get(item["key"]),
            }
            for item in review.version.references
        ]
        removed = [item for item in snapshot_diff.references if item.status == "removed"]
        return rows, removed

    def _sign_off_panel(self, request: HttpRequest, review: Review) -> tuple[list, list]:
        """Every sign-off request with its signature (if given), and the roles the user may sign
        now (checked by the same rule the service applies when they sign)."""
        review = selectors.review_get(review_id=review.pk)
        signed = {sign_off.role_id: sign_off for sign_off in review.sign_offs.all()}
        outstanding = {request.role_id for request in _outstanding(review)}
        is_open = review.state == ReviewState.SUBMITTED
        may_assign = is_open and bool(
            user_roles(request.user) & {EDITORS, PUBLISHING_ADMINS, CLINICAL_REVIEWERS}
        )
        today = timezone.localdate()
        rows, signable = [], []
        requests = sorted(
            review.sign_off_requests.all(),
            key=lambda item: (item.role.code != CLINICAL_ROLE, not item.required, item.role.code),
        )
        for sign_off_request in requests:
            role = sign_off_request.role
            sign_off = signed.get(role.pk)
            if sign_off is not None:
                state = "signed"
            elif not is_open:
                state = "unsigned"
            elif role.pk in outstanding:
                state = "awaiting"
            else:
                state = "not-needed"
            rows.append(
                {
                    "request": sign_off_request,
                    "role": role,
                    "sign_off": sign_off,
                    "state": state,
                    "overdue": state == "awaiting"
                    and sign_off_request.due_on is not None
                    and sign_off_request.due_on < today,
                    "candidates": _signers_of(role) if may_assign and sign_off is None else None,
                }
            )
            if is_open and sign_off is None:
                try:
                    services.ensure_can_sign(review=review, user=request.user, role=role)
                except NotAllowed:
                    continue
                signable.append(role)
        return rows, signable

    def decide_view(self, request: HttpRequest, review_id: int) -> HttpResponse:
        """The decision buttons: each calls the same service as the API, with the same rules."""
        review = get_object_or_404(Review, pk=review_id)
        page = reverse("admin:reviews_review_change", args=[review.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        action = request.POST.get("action")
        data = request.POST
        try:
            if action in {"approve", "sign"}:
                # `approve` is the clinical sign-off's button; `sign` names its role.
                role_code = CLINICAL_ROLE if action == "approve" else data.get("role", "")
                due = data.get("next_review_due") or None
                # The picker's local time, in the site's time zone (TIME_ZONE).
                later = data.get("publish_at") or None
                publish_at = timezone.make_aware(datetime.fromisoformat(later)) if later else None
                # One verdict (and note) per reference of the version; unchecked ones are left
                # out, and the service says which the approval still needs.
                evidence = [
                    {
                        "reference_key": item["key"],
                        "verdict": data[f"evidence-{item['key']}-verdict"],
                        "note": data.get(f"evidence-{item['key']}-note", ""),
                    }
                    for item in review.version.references
                    if data.get(f"evidence-{item['key']}-verdict")
                ]
                sign_off = services.signoff_record(
                    review=review,
                    signer=request.user,
                    role_code=role_code,
                    content_hash=data.get("content_hash", ""),
                    kind=data.get("kind", "") if role_code == CLINICAL_ROLE else "",
                    next_review_due=date.fromisoformat(due) if due else None,
                    checklist=data.getlist("checklist"),
                    note=data.get("note", ""),
                    evidence=evidence if role_code == CLINICAL_ROLE else (),
                    publish_at=publish_at if role_code == CLINICAL_ROLE else None,
                )
                message = self._signed_message(sign_off)
            elif action == "assign":
                due_on, assignee_id = data.get("due_on"), data.get("assignee")
                assignee = User.objects.get(pk=assignee_id) if assignee_id else None
                assigned = services.sign_off_request_assign(
                    review=review,
                    role_code=data.get("role", ""),
                    assignee=assignee,
                    due_on=date.fromisoformat(due_on) if due_on else None,
                    assigned_by=request.user,
                )
                who = assigned.assignee.get_username() if assigned.assignee else "nobody"
                message = f"The {assigned.role.name.lower()} sign-off is assigned to {who}."
            elif action == "request_changes":
                comments = (
                    [{"section_anchor": data.get("section_anchor", ""), "body": data["body"]}]
                    if data.get("body", "").strip()
                    else []
                )
                services.review_request_changes(
                    review=review, reviewer=request.user, comments=comments
                )
                message = "Changes requested."
            elif action == "reject":
                services.review_reject(
                    review=review, reviewer=request.user, note=data.get("note", "")
                )
                message = "Rejected."
            elif action == "comment":
                services.comment_add(
                    review=review,
                    author=request.user,
                    body=data.get("body", ""),
                    section_anchor=data.get("section_anchor", ""),
                )
                message = "Comment added."
            else:
                messages.error(request, "Unknown action.")
                return HttpResponseRedirect(page)
        except DomainError as error:
            messages.error(request, error.describe())
            return HttpResponseRedirect(page)
        except (ValueError, User.DoesNotExist):
            messages.error(request, "That is not a date or not a person: use the pickers.")
            return HttpResponseRedirect(page)
        messages.success(request, message)
        return HttpResponseRedirect(page)

    @staticmethod
    def _signed_message(sign_off: SignOff) -> str:
        review = selectors.review_get(review_id=sign_off.review_id)
        if review.state == ReviewState.APPROVED:
            return f"Signed as {sign_off.role_name.lower()}. Approved and published."
        still = ", ".join(request.role.name.lower() for request in _outstanding(review))
        return (
            f"Signed as {sign_off.role_name.lower()}. Nothing is published until every "
            f"required sign-off is in: still to sign {still}."
        )


@admin.register(ReviewDueBoard)
class ReviewDueBoardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "version_number",
        "reviewer_name",
        "last_reviewed",
        "due",
        "review_kind",
        "evidence",
    ]
    list_select_related = ["version"]
    search_fields = ["title", "slug", "reviewer_name"]

    def get_queryset(self, request):
        # Whether the article cites a source that no longer stands, in the same query.
        flagged = Reference.objects.filter(
            Q(check_result=ReferenceCheckResult.DEAD) | ~Q(status=ReferenceStatus.CURRENT),
            article_id=OuterRef("article_id"),
        )
        return (
            selectors.review_due_board()
            .select_related("version")
            .annotate(evidence_flagged=Exists(flagged))
        )

    @admin.display(description="Evidence", boolean=False)
    def evidence(self, publication) -> str:
        if publication.evidence_flagged:
            return format_html(
                '<span class="ldn-evidence-flagged" style="background:#ffcdd2;color:#b71c1c;'
                'padding:1px 6px;border-radius:4px">{}</span>',
                "a source is dead, withdrawn or superseded",
            )
        return "—"

    @admin.display(description="Version")
    def version_number(self, publication) -> int:
        return publication.version.number

    @admin.display(description="Next review due", ordering="next_review_due")
    def due(self, publication):
        today = timezone.localdate()
        if publication.next_review_due < today:
            style, label = "background:#ffcdd2;color:#b71c1c", "overdue"
        elif publication.next_review_due <= today + timedelta(days=30):
            style, label = "background:#ffe0b2;color:#e65100", "due within 30 days"
        else:
            return publication.next_review_due.isoformat()
        return format_html(
            '<span class="ldn-due ldn-due-{}" style="{};padding:1px 6px;border-radius:4px">'
            "{} ({})</span>",
            label.split()[0],
            style,
            publication.next_review_due.isoformat(),
            label,
        )


@admin.register(ReviewTransition)
class ReviewTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "review", "actor", "from_state", "to_state", "note"]
    list_filter = ["to_state"]
    list_select_related = ["review", "review__version", "review__version__article", "actor"]
    search_fields = ["review__article__slug", "actor__username", "note"]
