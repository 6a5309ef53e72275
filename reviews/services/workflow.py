"""Review transitions: submit, sign off (approve), request changes, reject, withdraw, comment.

Each is one transaction that locks the review row, checks the state and the actor's
authority, changes it, and appends to the audit trail. The sign-off that completes the
version's policy approves the review and publishes through `articles.services.publish` with
plain data, in its own transaction.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles import services as article_services
from articles.models import Article, EventType, ReviewKind
from articles.rendering import Attribution
from ldncontent.exceptions import InvalidContent
from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, SIGN_OFF_REVIEWERS, require_role
from reviews import hooks
from reviews.exceptions import (
    AlreadySigned,
    ChangeReviewNeedsFullReview,
    CommentRequired,
    ContentHashMismatch,
    InvalidTransition,
    NotRequested,
    NotTheSubmitter,
    SignerNoLongerHoldsRole,
)
from reviews.models import (
    CLINICAL_ROLE,
    Comment,
    Review,
    ReviewState,
    ReviewTransition,
    SignOff,
    SignOffRole,
)
from reviews.notices import (
    notify_approved,
    notify_changes_requested,
    notify_rejected,
    notify_signed,
)
from reviews.policy import latest_review_due
from reviews.selectors import (
    last_approved_review,
    outstanding_requests,
    retracted_since_submission,
    served_sign_off,
)
from reviews.services.evidence import evidence_checks_record, evidence_validated
from reviews.services.signoffs import (
    ensure_can_decide,
    ensure_can_sign,
    sign_off_requests_open,
    signer_for,
)
from scheduling import services as scheduling_services


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
    requests = sign_off_requests_open(review=review, user=user)
    _record(review=review, actor=user, from_state="", note=note)
    article_services.event_emit(
        type=EventType.VERSION_SUBMITTED,
        article=article,
        version=version,
        data={
            "review_id": review.pk,
            "submitted_by": user.get_username(),
            "note": note,
            "sign_offs_required": [request.role.code for request in requests if request.required],
        },
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
        previous = last_approved_review(
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


def _checklist_confirmed(*, role: SignOffRole, confirmed: Sequence[str]) -> list[str]:
    unknown = [item for item in confirmed if item not in role.checklist]
    missing = [item for item in role.checklist if item not in confirmed]
    errors = []
    if unknown:
        errors.append(f"Not on the {role.name.lower()} checklist: " + "; ".join(unknown) + ".")
    if missing:
        errors.append("Confirm every statement of the checklist: missing " + "; ".join(missing))
    if errors:
        raise InvalidContent(errors={"checklist": errors})
    return list(role.checklist)


@transaction.atomic
def signoff_record(
    *,
    review: Review,
    signer,
    role_code: str,
    content_hash: str,
    kind: str = "",
    next_review_due: date | None = None,
    checklist: Sequence[str] = (),
    note: str = "",
    publish_at: datetime | None = None,
    release: int | None = None,
    evidence: Sequence[dict[str, Any]] = (),
) -> SignOff:
    """Sign one role of the version under review, bound to the content hash the signer saw.

    The clinical sign-off also says what kind of review it is (full or change) and when the
    next one is due, and may ask for publication at a later time (`publish_at`) or with a
    release; it carries the evidence checks of the references the review covers
    (`services.evidence`). When this signature completes what the review needs, the review is
    approved and the version published (or scheduled), in this transaction.
    """
    review = _lock_open_review(review)
    request = review.sign_off_requests.select_related("role").filter(role__code=role_code).first()
    if request is None:
        needed = ", ".join(
            review.sign_off_requests.order_by("role__code").values_list("role__code", flat=True)
        )
        raise NotRequested(
            f"Version {review.version.number} does not need a {role_code!r} sign-off: it "
            f"needs {needed}."
        )
    role = request.role
    person = ensure_can_sign(review=review, user=signer, role=role)
    if review.sign_offs.filter(role=role).exists():
        raise AlreadySigned(f"The {role.name.lower()} sign-off of this version is recorded.")
    if content_hash != review.version.content_hash:
        raise ContentHashMismatch(
            "The content hash you signed is not the one of this version: reload the review "
            "and check the content again before signing."
        )
    confirmed = _checklist_confirmed(role=role, confirmed=checklist)
    now = timezone.now()
    last_reviewed = due = None
    if role.code == CLINICAL_ROLE:
        if kind not in ReviewKind.values:
            raise InvalidContent(
                errors={"kind": ["Say whether this is a full or a change review."]}
            )
        last_reviewed, due = _approval_dates(
            review=review, kind=kind, next_review_due=next_review_due, today=now.date()
        )
        checks = evidence_validated(review=review, kind=kind, evidence=evidence)
    elif evidence:
        raise InvalidContent(
            errors={"evidence": ["Only the clinical sign-off checks the evidence: leave it out."]}
        )
    elif kind or next_review_due is not None:
        raise InvalidContent(
            errors={
                "kind": [
                    "Only the clinical sign-off says the kind of review and its dates: leave "
                    "kind and next_review_due out."
                ]
            }
        )
    if publish_at is not None or release is not None:
        if role.code != CLINICAL_ROLE:
            raise InvalidContent(
                errors={
                    "publish_at": [
                        "Only the clinical sign-off says when to publish: leave publish_at "
                        "and release out."
                    ]
                }
            )
        scheduling_services.publish_request_record(
            version=review.version, publish_at=publish_at, release_id=release, requested_by=signer
        )
    sign_off = SignOff.objects.create(
        review=review,
        version=review.version,
        content_hash=content_hash,
        role=role,
        role_name=role.name,
        signer=signer,
        signer_name=person.name,
        signer_credentials=person.credentials,
        signer_profession=person.profession,
        registering_body=person.registering_body,
        registration_number=person.registration_number,
        meaning=role.meaning,
        checklist=confirmed,
        kind=kind if role.code == CLINICAL_ROLE else "",
        last_reviewed=last_reviewed,
        next_review_due=due,
        note=note,
        signed_at=now,
    )
    if role.code == CLINICAL_ROLE:
        evidence_checks_record(sign_off=sign_off, checks=checks, now=now)
    outstanding = _outstanding_roles(review=review)
    article_services.event_emit(
        type=EventType.SIGNED_OFF,
        article=review.article,
        version=review.version,
        data={
            "review_id": review.pk,
            **served_sign_off(sign_off),
            "outstanding": outstanding,
        },
    )
    if outstanding:
        notify_signed(sign_off=sign_off, outstanding=outstanding)
    else:  # the submitter hears of this last signature in the approval's notice
        _review_complete(review=review, actor=signer, now=now)
    return sign_off


def _outstanding_roles(*, review: Review) -> list[str]:
    """The codes of the roles still to sign before the review is complete.

    The clinical sign-off decides whether this is a change review, which roles that do not
    re-sign changes may skip; until it is in, every required role is outstanding.
    """
    requests = review.sign_off_requests.select_related("role").order_by("role__code")
    retracted = (
        Review.objects.filter(pk=review.pk)
        .annotate(retracted=retracted_since_submission())
        .values_list("retracted", flat=True)
        .get()
    )
    return [
        request.role.code
        for request in outstanding_requests(
            requests=requests,
            sign_offs=review.sign_offs.all(),
            retracted_since_submission=retracted,
        )
    ]


def _review_complete(*, review: Review, actor, now) -> None:
    """Approve the review and publish its version with every sign-off: all are bound to the
    version's hash (each was checked when signed; checked here again, as it is what is served)."""
    sign_offs = list(review.sign_offs.select_related("role", "signer").order_by("signed_at", "id"))
    if any(sign_off.content_hash != review.version.content_hash for sign_off in sign_offs):
        raise ContentHashMismatch("A sign-off of this review names other content.")
    # Revoking a role locks its holder's account first: with every signer's account locked
    # (in id order) no revocation can land between this check and the publication.
    list(
        get_user_model()
        ._default_manager.select_for_update()
        .filter(pk__in={sign_off.signer_id for sign_off in sign_offs})
        .order_by("pk")
    )
    lapsed = [
        f"{sign_off.signer_name} ({sign_off.role_name.lower()})"
        for sign_off in sign_offs
        if signer_for(user=sign_off.signer, role=sign_off.role) is None
    ]
    if lapsed:
        raise SignerNoLongerHoldsRole(
            "These sign-offs no longer count, as the signers have since lost the role: "
            + ", ".join(lapsed)
            + ". The version cannot be published on them: request changes and submit it again."
        )
    clinical = next(sign_off for sign_off in sign_offs if sign_off.role.code == CLINICAL_ROLE)
    review.state = ReviewState.APPROVED
    review.reviewer = clinical.signer
    review.decided_at = now
    review.decision_note = clinical.note
    review.kind = clinical.kind
    review.last_reviewed = clinical.last_reviewed
    review.next_review_due = clinical.next_review_due
    review.save()
    _record(review=review, actor=actor, from_state=ReviewState.SUBMITTED, note=clinical.note)
    article_services.event_emit(
        type=EventType.APPROVED,
        article=review.article,
        version=review.version,
        data={
            "review_id": review.pk,
            "reviewer_name": clinical.signer_name,
            "kind": clinical.kind,
            "sign_offs": [served_sign_off(sign_off) for sign_off in sign_offs],
        },
    )
    schedule = scheduling_services.approval_publish(
        version=review.version,
        attribution=Attribution(
            reviewer_name=clinical.signer_name,
            reviewer_credentials=clinical.signer_credentials,
            review_kind=clinical.kind,
            approved_at=now,
            last_reviewed=clinical.last_reviewed,
            next_review_due=clinical.next_review_due,
            sign_offs=tuple(served_sign_off(sign_off) for sign_off in sign_offs),
        ),
        actor=clinical.signer,
        now=now,
    )
    notify_approved(
        review=review,
        sign_offs=sign_offs,
        publish_at=schedule.publish_at if schedule is not None else None,
    )
    hooks.review_approved(review=review, actor=actor)


@transaction.atomic
def review_approve(
    *,
    review: Review,
    reviewer,
    content_hash: str,
    kind: str,
    next_review_due: date | None = None,
    note: str = "",
    checklist: Sequence[str] = (),
    publish_at: datetime | None = None,
    release: int | None = None,
    evidence: Sequence[dict[str, Any]] = (),
) -> Review:
    """The clinical sign-off: approve exactly the content the clinician saw, with a check of
    each reference it covers (`evidence`). The version is published when the last required
    role signs (this one, if no other must), or scheduled for `publish_at` or with `release`."""
    signoff_record(
        review=review,
        signer=reviewer,
        role_code=CLINICAL_ROLE,
        content_hash=content_hash,
        kind=kind,
        next_review_due=next_review_due,
        checklist=checklist,
        note=note,
        publish_at=publish_at,
        release=release,
        evidence=evidence,
    )
    review.refresh_from_db()
    return review


_DECISION_EVENTS = {
    ReviewState.CHANGES_REQUESTED: EventType.CHANGES_REQUESTED,
    ReviewState.REJECTED: EventType.REJECTED,
}
_DECISION_NOTICES = {
    ReviewState.CHANGES_REQUESTED: notify_changes_requested,
    ReviewState.REJECTED: notify_rejected,
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
    _DECISION_NOTICES[state](review=review)
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
    require_role(
        author, EDITORS, CLINICAL_REVIEWERS, SIGN_OFF_REVIEWERS, action="comment on reviews"
    )
    review = _lock_article_then_review(review)
    _validate_comment(review=review, section_anchor=section_anchor, body=body)
    return Comment.objects.create(
        review=review, section_anchor=section_anchor, body=body.strip(), author=author
    )


@transaction.atomic
def comment_resolve(*, comment: Comment, user, resolved: bool = True) -> Comment:
    """Mark a comment resolved (or open again)."""
    require_role(
        user, EDITORS, CLINICAL_REVIEWERS, SIGN_OFF_REVIEWERS, action="resolve review comments"
    )
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    comment.resolved = resolved
    comment._history_user = user
    comment.save(update_fields=["resolved"])
    return comment
