"""Shared reads of clinical review: the queue, earlier approvals, and an article's review status."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from articles import selectors as article_selectors
from articles.diffing import SectionDiff, diff_snapshots
from articles.models import (
    ARTICLE_CONTENT_FIELDS,
    Article,
    Publication,
    PublicationStatus,
    ReviewKind,
    Version,
    topics_include,
)
from articles.rendering import Attribution, publication_render, publication_values
from articles.snapshots import (
    content_hash,
    section_text_hash,
    version_snapshot,
    working_copy_snapshot,
)
from reviews.models import ClinicianProfile, Comment, Review, ReviewState
from reviews.policy import latest_review_due


def review_queue(
    *,
    user,
    state: str | None = None,
    topic: str | None = None,
    overdue: bool | None = None,
    assigned_to_me: bool = False,
) -> QuerySet[Review]:
    """Reviews oldest first (the queue), by default only those awaiting a decision."""
    reviews = Review.objects.select_related(
        "version", "article", "reviewer", "assigned_to", "version__submitted_by"
    ).order_by("created_at", "id")
    reviews = reviews.filter(state=state or ReviewState.SUBMITTED)
    if topic:
        reviews = reviews.filter(topics_include(topic, field="version__topics"))
    if overdue is not None:
        overdue_articles = Publication.objects.overdue(today=timezone.localdate()).values(
            "article_id"
        )
        condition = Q(article_id__in=overdue_articles)
        reviews = reviews.filter(condition) if overdue else reviews.exclude(condition)
    if assigned_to_me:
        reviews = reviews.filter(assigned_to=user)
    return reviews


def review_get(*, review_id: int) -> Review:
    """The review with this id, or 404."""
    review = (
        Review.objects.select_related(
            "version", "article", "reviewer", "assigned_to", "version__submitted_by"
        )
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise Http404(f"There is no review {review_id}.")
    return review


def comment_get(*, review: Review, comment_id: int) -> Comment:
    """The review's comment with this id, or 404."""
    comment = Comment.objects.filter(review=review, pk=comment_id).first()
    if comment is None:
        raise Http404(f"Review {review.pk} has no comment {comment_id}.")
    return comment


@dataclass(frozen=True)
class EarlierApproval:
    """The first approval since which a section's text has stayed the same."""

    anchor: str
    version: int
    reviewer_name: str
    approved_at: datetime


def earlier_approvals(*, version: Version) -> dict[str, EarlierApproval]:
    """For each section of `version` whose text was approved before, who approved it first.

    Walking back through approved versions, a section counts as covered as long as every
    approval in the run had exactly the same heading and body.
    """
    approved = list(
        Review.objects.filter(
            article_id=version.article_id,
            state=ReviewState.APPROVED,
            version__number__lt=version.number,
        )
        .select_related("version", "reviewer")
        .order_by("-version__number")
    )
    names = dict(
        ClinicianProfile.objects.filter(
            user_id__in={review.reviewer_id for review in approved}
        ).values_list("user_id", "published_name")
    )
    result: dict[str, EarlierApproval] = {}
    for section in version.sections:
        text = section_text_hash(section)
        for review in approved:
            match = next(
                (item for item in review.version.sections if item["anchor"] == section["anchor"]),
                None,
            )
            if match is None or section_text_hash(match) != text:
                break
            result[section["anchor"]] = EarlierApproval(
                anchor=section["anchor"],
                version=review.version.number,
                reviewer_name=names.get(review.reviewer_id, review.reviewer.get_username()),
                approved_at=review.decided_at,
            )
    return result


@dataclass(frozen=True)
class SectionReviewStatus:
    anchor: str
    status: str  # "same_as_live" | "changed_since_approval" | "moved" | "new" | "removed"


@dataclass(frozen=True)
class FieldReviewStatus:
    field: str
    status: str  # "same_as_live" | "changed_since_approval" | "new"


@dataclass(frozen=True)
class ArticleReviewStatus:
    """The medical-review status of an article's working copy, derived, never stored."""

    status: str
    live_version: int | None
    latest_version: int | None
    open_review_id: int | None
    next_review_due: date | None
    fields: list[FieldReviewStatus]
    sections: list[SectionReviewStatus]


_SECTION_STATUS = {"added": "new", "removed": "removed", "changed": "changed_since_approval"}


def _section_status(item: SectionDiff) -> str:
    """A section's review status from its diff against the live version."""
    if item.status in _SECTION_STATUS:
        return _SECTION_STATUS[item.status]
    return "moved" if item.moved else "same_as_live"


def article_review_status(*, article: Article) -> ArticleReviewStatus:
    """Derive the working copy's review status from its versions, reviews and publication."""
    sections = article_selectors.section_list(article=article)
    working_copy = working_copy_snapshot(article=article, sections=sections)
    working_hash = content_hash(working_copy)
    publication = Publication.objects.filter(article=article).select_related("version").first()
    latest_review = (
        Review.objects.filter(article=article).select_related("version").order_by("-id").first()
    )
    live = publication if publication and publication.status == PublicationStatus.LIVE else None

    if publication and publication.status == PublicationStatus.RETRACTED:
        status = "retracted"
    elif latest_review and latest_review.state == ReviewState.SUBMITTED:
        status = "in_review"
    elif latest_review and latest_review.state == ReviewState.CHANGES_REQUESTED:
        status = "changes_requested"
    elif live and live.content_hash == working_hash:
        status = "live"
    elif live:
        status = "live_with_unreviewed_changes"
    else:
        status = "draft"

    if live:
        diff = diff_snapshots(version_snapshot(live.version), working_copy, words=False)
        field_statuses = [
            FieldReviewStatus(
                item.field,
                "same_as_live" if item.status == "unchanged" else "changed_since_approval",
            )
            for item in diff.fields
        ]
        section_statuses = [
            SectionReviewStatus(item.anchor, _section_status(item)) for item in diff.sections
        ]
    else:
        field_statuses = [FieldReviewStatus(name, "new") for name in ARTICLE_CONTENT_FIELDS]
        section_statuses = [SectionReviewStatus(section.anchor, "new") for section in sections]

    return ArticleReviewStatus(
        status=status,
        live_version=live.version.number if live else None,
        latest_version=latest_review.version.number if latest_review else None,
        open_review_id=(
            latest_review.pk
            if latest_review and latest_review.state == ReviewState.SUBMITTED
            else None
        ),
        next_review_due=live.next_review_due if live else None,
        fields=field_statuses,
        sections=section_statuses,
    )


@dataclass(frozen=True)
class ReviewCounts:
    """What the admin index shows a clinician first."""

    pending: int
    changes_requested: int
    overdue: int


def review_counts() -> ReviewCounts:
    """Counts of pending reviews, reviews sent back, and live articles overdue for review.

    "Sent back" counts articles whose latest review asks for changes (an article resubmitted
    since has a newer, pending review instead).
    """
    latest_review_ids = Review.objects.values("article_id").annotate(latest=Max("id"))
    return ReviewCounts(
        pending=Review.objects.filter(state=ReviewState.SUBMITTED).count(),
        changes_requested=Review.objects.filter(
            id__in=latest_review_ids.values("latest"), state=ReviewState.CHANGES_REQUESTED
        ).count(),
        overdue=Publication.objects.overdue(today=timezone.localdate()).count(),
    )


def review_due_board() -> QuerySet[Publication]:
    """Live publications by next review date, soonest first."""
    return Publication.objects.live().order_by("next_review_due", "slug")


def version_preview(*, version: Version, user) -> Publication:
    """The unsaved Publication delivery would serve if `user` approved `version` now in full.

    Its payload and list entry are the bytes consuming sites would get. The reviewer fields are
    the user's clinician profile, or a placeholder for non-clinicians.
    """
    profile = ClinicianProfile.objects.filter(user=user, active=True).first()
    now = timezone.now()
    preview = Publication(
        **publication_values(
            version=version,
            slug=version.article.slug,
            attribution=Attribution(
                reviewer_name=profile.published_name if profile else "(approving clinician)",
                reviewer_credentials=profile.credentials if profile else "",
                review_kind=ReviewKind.FULL,
                approved_at=now,
                last_reviewed=now.date(),
                next_review_due=latest_review_due(now.date()),
            ),
            now=now,
        ),
    )
    publication_render(publication=preview, now=now)
    return preview
