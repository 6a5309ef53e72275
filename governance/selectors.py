"""Governance reads: published versions by hash, feedback for triage and review, dossiers."""

from collections import Counter
from dataclasses import asdict
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from articles import selectors as article_selectors
from articles.models import (
    Article,
    Event,
    EventType,
    Publication,
    Section,
    Version,
)
from articles.rendering import iso_8601
from articles.snapshots import content_hash, version_snapshot
from governance.exceptions import VersionNotPublished
from governance.models import (
    OPEN_STATUSES,
    Feedback,
    FeedbackCategory,
    FeedbackStatus,
)
from reviews.models import Comment, EvidenceCheck, Review, ReviewState, SignOff

DOSSIER_FORMAT = 1


def published_version(*, slug: str, content_hash: str) -> Version:
    """The version published under `slug` with this hash, else VersionNotPublished.

    Published means a PUBLISHED event or a Publication history row says so: a version that
    exists but was never approved gets the same refusal as a hash that never existed.
    """
    event = (
        Event.objects.filter(type=EventType.PUBLISHED, slug=slug, content_hash=content_hash)
        .order_by("position")
        .values("article_id", "version")
        .first()
    )
    version = None
    if event is not None:
        version = Version.objects.filter(
            article_id=event["article_id"], number=event["version"]
        ).first()
    if version is None:
        row = (
            Publication.history.filter(slug=slug, content_hash=content_hash)
            .order_by("history_id")
            .values("version_id")
            .first()
        )
        if row is not None:
            version = Version.objects.filter(pk=row["version_id"]).first()
    if version is None or version.content_hash != content_hash:
        raise VersionNotPublished()
    return version


def feedback_list(
    *, status: str | None = None, slug: str | None = None, category: str | None = None
) -> QuerySet[Feedback]:
    """Reports newest first, optionally of one status, article (by slug) or category."""
    rows = Feedback.objects.select_related("article", "version", "addressed_in_version", "site")
    if status:
        rows = rows.filter(status=status)
    if slug:
        rows = rows.filter(article__slug=slug)
    if category:
        rows = rows.filter(category=category)
    return rows.order_by("-received_at", "-id")


def feedback_get(*, feedback_id: int) -> Feedback:
    """One report with its triage trail, or 404."""
    feedback = (
        Feedback.objects.select_related("article", "version", "addressed_in_version", "site")
        .prefetch_related("transitions__actor")
        .filter(pk=feedback_id)
        .first()
    )
    if feedback is None:
        raise Http404(f"No reader feedback has the id {feedback_id}.")
    return feedback


def open_error_feedback(*, article: Article) -> QuerySet[Feedback]:
    """The article's error reports still new or triaged: what its next review must see."""
    return (
        Feedback.objects.filter(
            article=article, category=FeedbackCategory.ERROR, status__in=OPEN_STATUSES
        )
        .select_related("article", "version", "site")
        .order_by("received_at", "id")
    )


def review_feedback(*, review: Review) -> dict[str, Any]:
    """For a review: the article's open error reports, and those this review acknowledged."""
    acknowledged = list(
        Feedback.objects.filter(acknowledgements__review=review)
        .select_related("article", "version", "site")
        .order_by("received_at", "id")
    )
    return {
        "open_errors": list(open_error_feedback(article=review.article)),
        "acknowledged": acknowledged,
    }


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def _previous_approved(version: Version) -> Version | None:
    review = (
        Review.objects.filter(
            article_id=version.article_id,
            state=ReviewState.APPROVED,
            version__number__lt=version.number,
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )
    return review.version if review else None


def _authors(version: Version, previous: Version | None) -> list[dict[str, Any]]:
    """Who saved the working copy between the previous approved version and this one."""
    window = {"history_date__lte": version.submitted_at}
    if previous is not None:
        window["history_date__gt"] = previous.submitted_at
    records = [
        *Article.history.filter(id=version.article_id, **window).select_related("history_user"),
        *Section.history.filter(article_id=version.article_id, **window).select_related(
            "history_user"
        ),
    ]
    by_user: dict[str | None, dict[str, Any]] = {}
    for record in sorted(records, key=lambda record: (record.history_date, record.history_id)):
        name = _username(record.history_user)
        entry = by_user.setdefault(
            name,
            {"user": name, "edits": 0, "first_edit_at": iso_8601(record.history_date)},
        )
        entry["edits"] += 1
        entry["last_edit_at"] = iso_8601(record.history_date)
    return list(by_user.values())


def _sign_offs(version: Version) -> list[dict[str, Any]]:
    """Every signature of the version, as frozen when signed (names, registration, meaning)."""
    return [
        {
            "role": sign_off.role.code,
            "role_name": sign_off.role_name,
            "signer": _username(sign_off.signer),
            "name": sign_off.signer_name,
            "credentials": sign_off.signer_credentials,
            "profession": sign_off.signer_profession,
            "registering_body": sign_off.registering_body,
            "registration_number": sign_off.registration_number,
            "meaning": sign_off.meaning,
            "checklist": sign_off.checklist,
            "kind": sign_off.kind,
            "note": sign_off.note,
            "content_hash": sign_off.content_hash,
            "signed_at": iso_8601(sign_off.signed_at),
        }
        for sign_off in SignOff.objects.filter(version=version)
        .select_related("role", "signer")
        .order_by("signed_at", "id")
    ]


def _comments(review: Review | None) -> list[dict[str, Any]]:
    """The review's comments, each with every change of its resolved flag (who, when)."""
    if review is None:
        return []
    comments = list(review.comments.select_related("author").order_by("created_at", "id"))
    records = Comment.history.filter(id__in=[c.pk for c in comments]).select_related("history_user")
    resolution: dict[int, list[dict[str, Any]]] = {comment.pk: [] for comment in comments}
    last: dict[int, bool] = {}
    for record in sorted(records, key=lambda record: (record.history_date, record.history_id)):
        if record.id in last and last[record.id] != record.resolved:
            resolution[record.id].append(
                {
                    "resolved": record.resolved,
                    "by": _username(record.history_user),
                    "at": iso_8601(record.history_date),
                }
            )
        last[record.id] = record.resolved
    return [
        {
            "id": comment.pk,
            "author": _username(comment.author),
            "section_anchor": comment.section_anchor,
            "body": comment.body,
            "created_at": iso_8601(comment.created_at),
            "resolved": comment.resolved,
            "resolution": resolution[comment.pk],
        }
        for comment in comments
    ]


def _evidence_checks(version: Version) -> list[dict[str, Any]]:
    """The sources frozen with the version, each with the clinician's checks at review
    (verdict, note, who, when) and the flags raised on it (dead link, withdrawn, superseded)
    while this version was the article's newest: from its submission to the next approval.
    Every flag is an event; the working copy's latest link check is not part of the record
    (it is overwritten by each check, and may be of a link changed since)."""
    if not version.references:
        return []
    keys = [item["key"] for item in version.references]
    reviewed: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    for check in (
        EvidenceCheck.objects.filter(version=version)
        .select_related("checked_by")
        .order_by("checked_at", "id")
    ):
        reviewed.setdefault(check.reference_key, []).append(
            {
                "verdict": check.verdict,
                "note": check.note,
                "checked_by": _username(check.checked_by),
                "checked_at": iso_8601(check.checked_at),
            }
        )
    next_approval = (
        Review.objects.filter(
            article_id=version.article_id,
            state=ReviewState.APPROVED,
            version__number__gt=version.number,
        )
        .order_by("decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    flags = Event.objects.filter(
        article_id=version.article_id,
        type=EventType.REFERENCE_FLAGGED,
        occurred_at__gte=version.submitted_at,
    )
    if next_approval is not None:
        flags = flags.filter(occurred_at__lt=next_approval)
    flags_by_key: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    for event in flags.order_by("position"):
        key = event.data.get("key")
        if key in flags_by_key:
            flags_by_key[key].append(
                {
                    "at": iso_8601(event.occurred_at),
                    "reason": event.data.get("reason", ""),
                    "status": event.data.get("status", ""),
                    "check_result": event.data.get("check_result", ""),
                }
            )

    return [
        {
            "key": item["key"],
            "title": item.get("title", ""),
            "url": item.get("url", ""),
            "status_when_frozen": item.get("status", ""),
            "clinician_checks": reviewed[item["key"]],
            "flags": flags_by_key[item["key"]],
        }
        for item in version.references
    ]


def _review(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "id": review.pk,
        "state": review.state,
        "kind": review.kind,
        "decided_by": _username(review.reviewer),
        "decided_at": iso_8601(review.decided_at),
        "decision_note": review.decision_note,
        "last_reviewed": iso_8601(review.last_reviewed),
        "next_review_due": iso_8601(review.next_review_due),
    }


def _transitions(review: Review | None) -> list[dict[str, Any]]:
    if review is None:
        return []
    return [
        {
            "at": iso_8601(row.at),
            "actor": _username(row.actor),
            "from_state": row.from_state,
            "to_state": row.to_state,
            "note": row.note,
        }
        for row in review.transitions.select_related("actor").order_by("at", "id")
    ]


def _publication(version: Version) -> dict[str, Any]:
    """When the version was published, flagged overdue and retracted: events and history."""
    events = [
        {
            "position": event.position,
            "type": event.type,
            "occurred_at": iso_8601(event.occurred_at),
            "data": event.data,
        }
        for event in Event.objects.filter(article_id=version.article_id, version=version.number)
        .exclude(type=EventType.FEEDBACK_RECEIVED)
        .order_by("position")
    ]

    def first(event_type: str) -> str | None:
        return next((e["occurred_at"] for e in events if e["type"] == event_type), None)

    history = [
        {
            "at": iso_8601(record.history_date),
            "by": _username(record.history_user),
            "change": record.history_change_reason,
            "status": record.status,
            "review_overdue": record.review_overdue,
            "next_review_due": iso_8601(record.next_review_due),
        }
        for record in Publication.history.filter(version_id=version.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ]
    return {
        "published_at": first(EventType.PUBLISHED),
        "flagged_overdue_at": first(EventType.REVIEW_OVERDUE),
        "retracted_at": first(EventType.RETRACTED),
        "events": events,
        "history": history,
    }


def _feedback_counts(version: Version) -> dict[str, Any]:
    rows = (
        Feedback.objects.filter(version=version)
        .values("category", "status")
        .annotate(count=Count("id"))
        .order_by()
    )
    by_category: Counter = Counter()
    by_status: Counter = Counter()
    for row in rows:
        by_category[row["category"]] += row["count"]
        by_status[row["status"]] += row["count"]
    return {
        "total": by_category.total(),
        "by_category": {value: by_category[value] for value in FeedbackCategory.values},
        "by_status": {value: by_status[value] for value in FeedbackStatus.values},
    }


def _without(values: dict[str, Any], *names: str) -> dict[str, Any]:
    # Word-level diffs are bounded in time (articles.diffing), so they could differ between
    # two exports; the old and new texts are kept, and are all an assessor needs.
    return {key: value for key, value in values.items() if key not in names}


def dossier_build(*, version: Version) -> dict[str, Any]:
    """One version's production record: the same version gives the same dossier.

    Nothing in it depends on who asks or when (the export log records that), so two exports
    of an unchanged record are byte for byte the same JSON.
    """
    version = Version.objects.select_related("article", "submitted_by").get(pk=version.pk)
    review = Review.objects.filter(version=version).select_related("reviewer", "article").first()
    previous = _previous_approved(version)
    snapshot = version_snapshot(version)
    recomputed = content_hash(snapshot)
    diff = article_selectors.version_diff(version=version, against=previous)
    return {
        "dossier_format": DOSSIER_FORMAT,
        "article": {"id": version.article_id, "slug": version.article.slug},
        "version": version.number,
        "content": {
            "snapshot": snapshot,
            "content_hash": version.content_hash,
            "recomputed_hash": recomputed,
            "hash_verified": recomputed == version.content_hash,
        },
        "previous_approved_version": previous.number if previous else None,
        "diff": {
            "against": previous.number if previous else None,
            "changed": diff.changed,
            "fields": [_without(asdict(item), "diff") for item in diff.fields],
            "sections": [
                _without(asdict(item), "heading_diff", "body_diff") for item in diff.sections
            ],
        },
        "authors": _authors(version, previous),
        "submission": {
            "by": _username(version.submitted_by),
            "at": iso_8601(version.submitted_at),
            "note": version.note,
        },
        "review": _review(review),
        "sign_offs": _sign_offs(version),
        "comments": _comments(review),
        "evidence_checks": _evidence_checks(version),
        "review_transitions": _transitions(review),
        "publication": _publication(version),
        "feedback": _feedback_counts(version),
    }


def approved_versions(*, date_from: date, date_to: date) -> list[Version]:
    """Versions whose review was approved between the two dates (inclusive), in a fixed order."""
    return list(
        Version.objects.filter(
            review__state=ReviewState.APPROVED,
            review__decided_at__date__gte=date_from,
            review__decided_at__date__lte=date_to,
        )
        .select_related("article")
        .order_by("article__slug", "number", "id")
    )
