"""The outbox's writes: queue a notice, lease it for sending, record the outcome, retry it."""

import random
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ldncontent.permissions import PUBLISHING_ADMINS, require_role
from notifications.exceptions import NotRetryable
from notifications.models import EmailNotification, NotificationStatus

SUBJECT_MAX_CHARS = 200
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]+")


def _one_line(text: str) -> str:
    """A subject is one header line: untrusted text (a title) must not break it or add one."""
    line = " ".join(_CONTROL_CHARACTERS.sub(" ", text).split())
    if len(line) > SUBJECT_MAX_CHARS:
        line = line[: SUBJECT_MAX_CHARS - 1] + "…"
    return line


def notification_enqueue(
    *, kind: str, dedup_key: str, recipient, subject: str, body: str
) -> EmailNotification | None:
    """Queue an email to `recipient` in the caller's transaction, once per `dedup_key`.

    Called inside the transaction of what it tells about, so a change rolled back sends
    nothing. A key already queued (by this or a concurrent transaction) queues nothing new and
    returns the row there is; a recipient without an email address gets nothing (None).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notification_enqueue belongs in the transaction of its cause")
    if not recipient.email:
        return None
    notification, _ = EmailNotification.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "kind": kind,
            "recipient": recipient,
            "recipient_email": recipient.email,
            "subject": _one_line(subject),
            "body": body,
            "next_attempt_at": timezone.now(),
        },
    )
    return notification


def _due():
    """Pending rows whose time has come, and rows left `sending` by a worker whose lease ran
    out (it died, or its mail server never answered)."""
    now = timezone.now()
    return EmailNotification.objects.filter(
        status=NotificationStatus.PENDING, next_attempt_at__lte=now
    ) | EmailNotification.objects.filter(status=NotificationStatus.SENDING, lease_until__lt=now)


@transaction.atomic
def notification_claim_next() -> EmailNotification | None:
    """Lease the oldest due notification for one attempt, or None when none is due.

    Rows another worker is claiming are skipped (PostgreSQL's SKIP LOCKED; SQLite has one
    writer at a time). The lease is taken before the mail server is called, so a worker that
    dies mid-send leaves a row that another takes over once the lease has run out.
    """
    notification = (
        _due().select_for_update(skip_locked=True).order_by("next_attempt_at", "id").first()
    )
    if notification is None:
        return None
    now = timezone.now()
    notification.status = NotificationStatus.SENDING
    notification.attempts += 1
    notification.lease_until = now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    notification.save(update_fields=["status", "attempts", "lease_until"])
    return notification


@transaction.atomic
def notification_mark_sent(*, notification: EmailNotification) -> EmailNotification:
    """Record that the mail server accepted the message: it is never sent again."""
    notification = EmailNotification.objects.select_for_update().get(pk=notification.pk)
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.lease_until = None
    notification.last_error = ""
    notification.save(update_fields=["status", "sent_at", "lease_until", "last_error"])
    return notification


def retry_delay(attempt: int) -> float:
    """Seconds before retry number `attempt`: exponential, capped, times a random 0.5 to 1."""
    ceiling = min(
        settings.NOTIFICATION_BACKOFF_MAX_SECONDS,
        settings.NOTIFICATION_BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0),
    )
    return ceiling * random.uniform(0.5, 1.0)


@transaction.atomic
def notification_mark_failed(
    *,
    notification: EmailNotification,
    error: str,
    permanent: bool = False,
    server_at_fault: bool = False,
) -> EmailNotification:
    """Record a failed attempt (`error` is a fixed description): try again later with backoff,
    or give up (`failed`) when the failure is permanent or the attempts are used up.

    When the mail server itself failed (down, refusing us, timing out), the attempt does not
    count: an outage of any length uses up no message's attempts, and each is tried again
    after the first backoff step.
    """
    notification = EmailNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.status == NotificationStatus.SENT:
        return notification  # another worker, past this one's lease, got it through
    notification.last_error = error
    notification.lease_until = None
    if server_at_fault and not permanent:
        notification.attempts = max(notification.attempts - 1, 0)
    if permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        notification.status = NotificationStatus.FAILED
    else:
        notification.status = NotificationStatus.PENDING
        notification.next_attempt_at = timezone.now() + timedelta(
            seconds=retry_delay(max(notification.attempts, 1))
        )
    notification.save(
        update_fields=["status", "attempts", "last_error", "lease_until", "next_attempt_at"]
    )
    return notification


@transaction.atomic
def notification_retry(*, notification: EmailNotification, user) -> EmailNotification:
    """Send a failed notification again from the start (e.g. after the mail server was fixed)."""
    require_role(user, PUBLISHING_ADMINS, action="retry notifications")
    notification = EmailNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.status != NotificationStatus.FAILED:
        raise NotRetryable(
            f"This notification is {notification.get_status_display().lower()}: only a failed "
            "one can be retried."
        )
    notification.status = NotificationStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = timezone.now()
    notification.save(update_fields=["status", "attempts", "next_attempt_at"])
    return notification
