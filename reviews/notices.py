"""The emails the review workflow sends: what awaits a signer, each decision for the submitter,
and the daily digest of overdue items.

Each function queues one notice in the notification outbox (`notifications`), inside the
transaction of the step it tells about: a step rolled back sends nothing, and a notice's key
(e.g. `decision:12:approved`) keeps it from being queued twice. Bodies are plain text; titles
and comments are copied as text, never as markup.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from django.conf import settings
from django.urls import reverse

from articles.models import Publication
from notifications.models import NotificationKind
from notifications.services import notification_enqueue
from reviews.models import Comment, Review, SignOff, SignOffRequest, SignOffRole


def _absolute(path: str) -> str:
    """The admin page at `path` on this site (ADMIN_BASE_URL; the bare path when unset)."""
    return settings.ADMIN_BASE_URL.rstrip("/") + path


def review_admin_url(review: Review) -> str:
    """Where the review's page is in the admin panel."""
    return _absolute(reverse("admin:reviews_review_change", args=[review.pk]))


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _version_lines(review: Review) -> list[str]:
    version = review.version
    return [
        f"Article: {version.title}",
        f"Version: {version.number}",
    ]


def _role_names(codes: Iterable[str]) -> list[str]:
    names = dict(SignOffRole.objects.filter(code__in=list(codes)).values_list("code", "name"))
    return [names.get(code, code) for code in codes]


def _send(*, kind: str, key: str, recipient, subject: str, lines: Sequence[str]) -> None:
    notification_enqueue(
        kind=kind,
        dedup_key=key,
        recipient=recipient,
        subject=subject,
        body="\n".join(lines).rstrip() + "\n",
    )


def notify_awaiting_sign_off(*, request: SignOffRequest) -> None:
    """Tell the assignee that a version awaits their sign-off for a role."""
    if request.assignee_id is None:
        return
    review = request.review
    version = review.version
    lines = [
        f"Version {version.number} of “{version.title}” awaits your "
        f"{request.role.name.lower()} sign-off.",
        "",
        *_version_lines(review),
        f"Role: {request.role.name}",
    ]
    if request.due_on is not None:
        lines.append(f"Due: {request.due_on.isoformat()}")
    lines += ["", f"Review it here: {review_admin_url(review)}"]
    _send(
        kind=NotificationKind.AWAITING_SIGN_OFF,
        key=f"awaiting:{review.pk}:{request.role.code}:{request.assignee_id}",
        recipient=request.assignee,
        subject=f"Awaiting your {request.role.name.lower()} sign-off: {version.title} "
        f"v{version.number}",
        lines=lines,
    )


def notify_signed(*, sign_off: SignOff, outstanding: Sequence[str]) -> None:
    """Tell the submitter that one role has signed and which ones are still to sign."""
    review = sign_off.review
    version = review.version
    lines = [
        f"{sign_off.signer_name} signed the {sign_off.role_name.lower()} sign-off of version "
        f"{version.number} of “{version.title}”.",
        "",
        *_version_lines(review),
        f"Role: {sign_off.role_name}",
        f"Signed by: {sign_off.signer_name}",
        f"Still to sign: {', '.join(_role_names(outstanding))}",
        "",
        f"The review: {review_admin_url(review)}",
    ]
    _send(
        kind=NotificationKind.DECISION,
        key=f"decision:{review.pk}:signed:{sign_off.role.code}",
        recipient=version.submitted_by,
        subject=f"Signed off ({sign_off.role_name.lower()}): {version.title} v{version.number}",
        lines=lines,
    )


def notify_approved(
    *, review: Review, sign_offs: Sequence[SignOff], publish_at: datetime | None = None
) -> None:
    """Tell the submitter that the version has every sign-off it needs and is published, or
    scheduled to be at `publish_at`."""
    version = review.version
    if publish_at is None:
        outcome, subject = "is now published", "Approved and published"
    else:
        when = publish_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        outcome, subject = f"will be published at {when}", "Approved, publication scheduled"
    lines = [
        f"Version {version.number} of “{version.title}” has every sign-off it needs and {outcome}.",
        "",
        *_version_lines(review),
        "Sign-offs:",
        *(f"- {sign_off.role_name}: {sign_off.signer_name}" for sign_off in sign_offs),
    ]
    if review.next_review_due is not None:
        lines.append(f"Next review due: {review.next_review_due.isoformat()}")
    lines += ["", f"The review: {review_admin_url(review)}"]
    _send(
        kind=NotificationKind.DECISION,
        key=f"decision:{review.pk}:approved",
        recipient=version.submitted_by,
        subject=f"{subject}: {version.title} v{version.number}",
        lines=lines,
    )


def _comment_lines(comments: Iterable[Comment]) -> list[str]:
    lines = []
    for comment in comments:
        where = f"On section {comment.section_anchor}" if comment.section_anchor else "General"
        lines.append(f"- {where} ({_person(comment.author)}):")
        lines += [f"  {line}" for line in comment.body.splitlines()]
    return lines


def notify_changes_requested(*, review: Review) -> None:
    """Tell the submitter that changes were requested, with every comment of the review."""
    version = review.version
    lines = [
        f"{_person(review.reviewer)} requested changes to version {version.number} of "
        f"“{version.title}”.",
        "",
        *_version_lines(review),
    ]
    if review.decision_note:
        lines += ["", "Note:", review.decision_note]
    comments = review.comments.select_related("author").order_by("created_at", "id")
    lines += ["", "Comments:", *_comment_lines(comments)]
    lines += ["", f"The review: {review_admin_url(review)}"]
    _send(
        kind=NotificationKind.DECISION,
        key=f"decision:{review.pk}:changes_requested",
        recipient=version.submitted_by,
        subject=f"Changes requested: {version.title} v{version.number}",
        lines=lines,
    )


def notify_rejected(*, review: Review) -> None:
    """Tell the submitter that the version was rejected, and why."""
    version = review.version
    lines = [
        f"{_person(review.reviewer)} rejected version {version.number} of “{version.title}”.",
        "",
        *_version_lines(review),
        "",
        "Why:",
        review.decision_note,
        "",
        f"The review: {review_admin_url(review)}",
    ]
    _send(
        kind=NotificationKind.DECISION,
        key=f"decision:{review.pk}:rejected",
        recipient=version.submitted_by,
        subject=f"Rejected: {version.title} v{version.number}",
        lines=lines,
    )


def notify_overdue_digest(
    *,
    recipient,
    today: date,
    requests: Sequence[SignOffRequest],
    publications: Sequence[Publication],
) -> None:
    """Send one person the day's digest: their overdue sign-offs, and (to publishing admins)
    the articles overdue for their clinical review. Once per person per day."""
    if not requests and not publications:
        return
    lines = [f"Overdue on {today.isoformat()}:"]
    if requests:
        lines += ["", "Sign-offs assigned to you and past their due date:"]
        for request in requests:
            version = request.review.version
            lines += [
                f"- {version.title}, version {version.number}: {request.role.name}, due "
                f"{request.due_on.isoformat()}",
                f"  {review_admin_url(request.review)}",
            ]
    if publications:
        lines += ["", "Articles past their next review date:"]
        lines += [
            f"- {publication.title} ({publication.slug}): review was due "
            f"{publication.next_review_due.isoformat()}"
            for publication in publications
        ]
        lines += [
            "",
            "The review due board: "
            + _absolute(reverse("admin:reviews_reviewdueboard_changelist")),
        ]
    count = len(requests) + len(publications)
    _send(
        kind=NotificationKind.OVERDUE_DIGEST,
        key=f"digest:{today.isoformat()}:{recipient.pk}",
        recipient=recipient,
        subject=f"Overdue: {count} item{'s' if count != 1 else ''} ({today.isoformat()})",
        lines=lines,
    )
