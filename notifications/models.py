"""The email outbox: one row per message, written in the transaction of what it tells about."""

import hashlib
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationKind(models.TextChoices):
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting your sign-off"
    DECISION = "decision", "Decision on a submission"
    OVERDUE_DIGEST = "overdue_digest", "Daily digest of overdue items"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailNotification(models.Model):
    """One plain-text email to one person, queued once per deduplication key.

    The worker leases a due row (status `sending` until `lease_until`), hands it to the mail
    server and marks it sent right after the server accepted it. A worker that dies in between
    leaves the row `sending` with a lease that runs out, and it is sent again: at least once,
    with a Message-ID derived from the key, so a receiving server can drop the copy.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="email_notifications",
        help_text="The person the message is for.",
    )
    recipient_email = models.EmailField(help_text="The address, as it was when queued.")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    dedup_key = models.CharField(
        max_length=200,
        unique=True,
        help_text="What makes this notice unique, e.g. `decision:12:approved`: a notice with "
        "the same key is never queued twice.",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text.")
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(help_text="When the worker may try (again).")
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="While sending: when another worker may take it over."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(
        max_length=100,
        blank=True,
        help_text="A fixed description of the last failure, never the mail server's answer.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="emailnotification_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENDING) | Q(lease_until__isnull=False),
                name="emailnotification_sending_is_leased",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_email}: {self.subject}"

    @property
    def message_id(self) -> str:
        """The Message-ID header: the same on every attempt, derived from the key alone."""
        digest = hashlib.sha256(self.dedup_key.encode()).hexdigest()[:40]
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        return f"<notification.{digest}@{domain}>"
