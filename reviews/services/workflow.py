"""Review transitions: submit, approve, request changes, reject, withdraw, comment.

Each is one transaction that locks the review row, checks the state and the actor's
authority, changes it, and appends to the audit trail. Approval publishes through
`articles.services.publish` with plain data.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles import services as article_services
from articles.models import Article, EventType, ReviewKind, Section
from articles.rendering import Attribution
from ldncontent.exceptions import InvalidContent
from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, require_role, user_roles
from reviews.exceptions import (
    ChangeReviewNeedsFullReview,
    CommentRequired,
    ContentHashMismatch,
    InvalidTransition,
    NotAClinician,
    NotTheSubmitter,
    SeparationOfDuties,
)
from reviews.models import ClinicianProfile, Comment, Review, ReviewState, ReviewTransition
from reviews.policy import latest_review_due


def _record(*, review: Review, actor, from_state: str, note: str = "") -> None:
    ReviewTransition.objects.create(
        review=review,
        actor=actor,
        at=timezone.now(),
        from_state=from_state,
        to_state=review.state,
        note=note,
    )


def _lock_article_then_review(review: Review) -> Review:
    """Lock the article, then the review: every workflow write locks in this order (article,
    review, event sequence), as submission does, so concurrent ones cannot deadlock."""
    Article.objects.select_for_update().filter(pk=review.article_id).first()
    return Review.objects.select_for_update().select_related("version", "article").get(pk=review.pk)


def _lock_open_review(review: Review) -> Review:
    review = _lock_article_then_review(review)
    if review.state != ReviewState.SUBMITTED:
        raise InvalidTransition(
            f"This review is {review.get_state_display().lower()}: only a review awaiting a "
            "decision can be decided or withdrawn."
        )
    return review


def _last_approved_review(*, article_id: int, before_number: int) -> Review | None:
    return (
        Review.objects.filter(
            article_id=article_id,
            state=ReviewState.APPROVED,
            version__number__lt=before_number,
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )


def ensure_can_decide(*, review: Review, user) -> ClinicianProfile:
    """The user's clinician profile, if they may decide this review; otherwise a domain error."""
    profile = ClinicianProfile.objects.filter(user=user, active=True).first()
    if profile is None or CLINICAL_REVIEWERS not in user_roles(user):
        raise NotAClinician()
    version = review.version
    if version.submitted_by_id == user.pk:
        raise SeparationOfDuties("You submitted this version: another clinician must decide on it.")
    previous = _last_approved_review(article_id=review.article_id, before_number=version.number)
    edits = Section.history.filter(article_id=review.article_id, history_user=user)
    article_edits = Article.history.filter(id=review.article_id, history_user=user)
    if previous is not None:
        edits = edits.filter(history_date__gt=previous.version.submitted_at)
        article_edits = article_edits.filter(history_date__gt=previous.version.submitted_at)
    edits = edits.filter(history_date__lte=version.submitted_at)
    article_edits = article_edits.filter(history_date__lte=version.submitted_at)
    if edits.exists() or article_edits.exists():
        raise SeparationOfDuties(
            "You edited this article since its last approved version: another clinician must "
            "review your changes."
        )
    return profile


@transaction.atomic
def review_submit(*, article: Article, user, note: str = "", if_match: str | None = None) -> Review:
    """Freeze the working copy as a new version and open its review; a pending one is superseded."""
    version = article_services.version_submit(
        article=article, user=user, note=note, if_match=if_match
    )
    pending = Review.objects.select_for_update().filter(
        article=article, state=ReviewState.SUBMITTED
    )
    for older in pending:
        older.state = ReviewState.SUPERSEDED
        older.save(update_fields=["state"])
        _record(
            review=older,
            actor=user,
            from_state=ReviewState.SUBMITTED,
            note=f"Superseded by version {version.number}",
        )
    review = Review.objects.create(version=version, article=article)
    _record(review=review, actor=user, from_state="", note=note)
    article_services.event_emit(
        type=EventType.VERSION_SUBMITTED,
        article=article,
        version=version,
        data={"review_id": review.pk, "submitted_by": user.get_username(), "note": note},
    )
    return review


def _approval_dates(
    *, review: Review, kind: str, next_review_due: date | None, today: date
) -> tuple[date, date]:
    if kind == ReviewKind.CHANGE:
        if next_review_due is not None:
            raise InvalidContent(
                errors={
                    "next_review_due": [
                        "A change review keeps the dates of the last full review: leave "
                        "next_review_due out, or do a full review."
                    ]
                }
            )
        previous = _last_approved_review(
            article_id=review.article_id, before_number=review.version.number
        )
        if previous is None:
            raise ChangeReviewNeedsFullReview()
        return previous.last_reviewed, previous.next_review_due
    latest_due = latest_review_due(today)
    if next_review_due is None:
        return today, latest_due
    if not today < next_review_due <= latest_due:
        raise InvalidContent(
            errors={
                "next_review_due": [
                    f"Choose a date after today and no later than {latest_due.isoformat()} "
                    f"({settings.REVIEW_INTERVAL_MONTHS} months from today)."
                ]
            }
        )
    return today, next_review_due


@transaction.atomic
def review_approve(
    *,
    review: Review,
    reviewer,
    content_hash: str,
    kind: str,
    next_review_due: date | None = None,
    note: str = "",
) -> Review:
    """Approve exactly the content the reviewer saw, and publish it."""
    review = _lock_open_review(review)
    profile = ensure_can_decide(review=review, user=reviewer)
    if content_hash != review.version.content_hash:
        raise ContentHashMismatch(
            "The content hash you approved is not the one of this version: reload the review "
            "and check the content again before approving."
        )
    now = timezone.now()
    last_reviewed, due = _approval_dates(
        review=review, kind=kind, next_review_due=next_review_due, today=now.date()
    )
    review.state = ReviewState.APPROVED
    review.reviewer = reviewer
    review.decided_at = now
    review.decision_note = note
    review.kind = kind
    review.last_reviewed = last_reviewed
    review.next_review_due = due
    review.save()
    _record(review=review, actor=reviewer, from_state=ReviewState.SUBMITTED, note=note)
    article_services.event_emit(
        type=EventType.APPROVED,
        article=review.article,
        version=review.version,
        data={"review_id": review.pk, "reviewer_name": profile.published_name, "kind": kind},
    )
    article_services.publish(
        version=review.version,
        attribution=Attribution(
            reviewer_name=profile.published_name,
            reviewer_credentials=profile.credentials,
            review_kind=kind,
            approved_at=now,
            last_reviewed=last_reviewed,
            next_review_due=due,
        ),
        actor=reviewer,
    )
    return review


_DECISION_EVENTS = {
    ReviewState.CHANGES_REQUESTED: EventType.CHANGES_REQUESTED,
    ReviewState.REJECTED: EventType.REJECTED,
}


def _decide(*, review: Review, reviewer, state: str, note: str) -> Review:
    review.state = state
    review.reviewer = reviewer
    review.decided_at = timezone.now()
    review.decision_note = note
    review.save()
    _record(review=review, actor=reviewer, from_state=ReviewState.SUBMITTED, note=note)
    article_services.event_emit(
        type=_DECISION_EVENTS[state],
        article=review.article,
        version=review.version,
        data={
            "review_id": review.pk,
            "reviewer": reviewer.get_username(),
            "note": note,
            "comments": [
                {"section_anchor": comment.section_anchor, "body": comment.body}
                for comment in review.comments.all()
            ],
        },
    )
    return review


def _validate_comment(*, review: Review, section_anchor: str, body: str, prefix: str = "") -> None:
    errors = {}
    if not body.strip():
        errors[f"{prefix}body"] = ["A comment needs some text."]
    anchors = {item["anchor"] for item in review.version.sections}
    if section_anchor and section_anchor not in anchors:
        errors[f"{prefix}section_anchor"] = [
            f"Version {review.version.number} has no section {section_anchor!r}: use one of "
            + ", ".join(sorted(anchors))
            + "."
        ]
    if errors:
        raise InvalidContent(errors=errors)


@transaction.atomic
def review_request_changes(
    *, review: Review, reviewer, note: str = "", comments: Sequence[dict[str, Any]] = ()
) -> Review:
    """Send the version back to the editors; at least one comment must say what to change."""
    review = _lock_open_review(review)
    ensure_can_decide(review=review, user=reviewer)
    for index, comment in enumerate(comments):
        _validate_comment(
            review=review,
            section_anchor=comment.get("section_anchor", ""),
            body=comment["body"],
            prefix=f"comments[{index}].",
        )
    for comment in comments:
        Comment.objects.create(
            review=review,
            section_anchor=comment.get("section_anchor", ""),
            body=comment["body"].strip(),
            author=reviewer,
        )
    if not review.comments.exists():
        raise CommentRequired()
    return _decide(review=review, reviewer=reviewer, state=ReviewState.CHANGES_REQUESTED, note=note)


@transaction.atomic
def review_reject(*, review: Review, reviewer, note: str) -> Review:
    """Refuse the version outright; the note says why."""
    review = _lock_open_review(review)
    ensure_can_decide(review=review, user=reviewer)
    if not note.strip():
        raise InvalidContent(errors={"note": ["Say why the version is rejected."]})
    return _decide(review=review, reviewer=reviewer, state=ReviewState.REJECTED, note=note)


@transaction.atomic
def review_withdraw(*, review: Review, user, note: str = "") -> Review:
    """The submitter takes the version back before anyone decided on it."""
    require_role(user, EDITORS, action="withdraw submissions")
    review = _lock_open_review(review)
    if review.version.submitted_by_id != user.pk:
        raise NotTheSubmitter()
    review.state = ReviewState.WITHDRAWN
    review.save(update_fields=["state"])
    _record(review=review, actor=user, from_state=ReviewState.SUBMITTED, note=note)
    return review


@transaction.atomic
def comment_add(*, review: Review, author, body: str, section_anchor: str = "") -> Comment:
    """Add a comment to a review, optionally on one section of the reviewed version."""
    require_role(author, EDITORS, CLINICAL_REVIEWERS, action="comment on reviews")
    review = _lock_article_then_review(review)
    _validate_comment(review=review, section_anchor=section_anchor, body=body)
    return Comment.objects.create(
        review=review, section_anchor=section_anchor, body=body.strip(), author=author
    )


@transaction.atomic
def comment_resolve(*, comment: Comment, user, resolved: bool = True) -> Comment:
    """Mark a comment resolved (or open again)."""
    require_role(user, EDITORS, CLINICAL_REVIEWERS, action="resolve review comments")
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    comment.resolved = resolved
    comment._history_user = user
    comment.save(update_fields=["resolved"])
    return comment
