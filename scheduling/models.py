"""Schedules (an approved version frozen with its attribution and a time), their audit trail,
releases that publish several schedules at once, timed withdrawals and embargo grants."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from articles.models import Article, ConsumerApiKey, FrozenModel, Version


class ScheduleState(models.TextChoices):
    """Where a scheduled publication is: waiting, done, or closed without publishing."""

    PENDING = "pending", "Pending"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"
    SUPERSEDED = "superseded", "Superseded"


class ReleaseState(models.TextChoices):
    """Where a release is; a failed one published nothing (all or none) and says why."""

    OPEN = "open", "Open"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class WithdrawalState(models.TextChoices):
    """Where a timed withdrawal is."""

    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Release(models.Model):
    """Schedules of several articles published together, in one transaction, at one time."""

    name = models.CharField(max_length=200, help_text="What the release is, e.g. a guideline.")
    publish_at = models.DateTimeField(help_text="When every schedule of the release goes out.")
    state = models.CharField(max_length=20, choices=ReleaseState.choices, default=ReleaseState.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    delay = models.DurationField(
        null=True, blank=True, help_text="How late the release went out after publish_at."
    )
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="What staff must know: schedules that left the release (superseded or "
        "cancelled after joining) and why a failed release published nothing.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["publish_at", "id"]
        indexes = [models.Index(fields=["state", "publish_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display().lower()})"


class Schedule(models.Model):
    """An approved version, its hash and its attribution frozen at approval, to publish at a
    set time. Only `state` and what records the outcome change after creation."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="schedules")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="schedules")
    content_hash = models.CharField(
        max_length=64, help_text="The hash of the approved version, frozen at approval."
    )
    attribution = models.JSONField(
        help_text="The approval's attribution as plain data (dates as ISO 8601): exactly "
        "what is published at the due time."
    )
    publish_at = models.DateTimeField(help_text="Not served before this time.")
    release = models.ForeignKey(
        Release,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schedules",
        help_text="When set, the schedule goes out with its release (at the release's time).",
    )
    state = models.CharField(
        max_length=20, choices=ScheduleState.choices, default=ScheduleState.PENDING
    )
    published_at = models.DateTimeField(null=True, blank=True)
    delay = models.DurationField(
        null=True, blank=True, help_text="How late it went out after publish_at."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The approving clinician, who is also the publishing actor.",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["publish_at", "id"]
        indexes = [models.Index(fields=["state", "publish_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(state="pending"),
                name="scheduling_one_pending_schedule_per_article",
            ),
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(state="published"),
                name="scheduling_a_version_is_published_once_by_schedule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article.slug} v{self.version.number} at {self.publish_at:%Y-%m-%d %H:%M}"


class PublishRequest(models.Model):
    """The time (and release) a clinical approval asked for, kept until the version's last
    required sign-off lands; the schedule is made then, with the complete attribution."""

    version = models.OneToOneField(
        Version, on_delete=models.PROTECT, related_name="publish_request"
    )
    publish_at = models.DateTimeField(null=True, blank=True)
    release = models.ForeignKey(
        Release, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"publish version {self.version_id} at {self.publish_at}"


class ScheduleChange(FrozenModel):
    """One move of a schedule (created, published, cancelled, superseded, joined or left a
    release): who, when, from which state to which, and why. Append-only."""

    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the worker made the move.",
    )
    at = models.DateTimeField()
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or 'new'} → {self.to_state}"


class Withdrawal(models.Model):
    """A time after which an article's live version is retracted, with the reason."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="withdrawals")
    withdraw_at = models.DateTimeField()
    reason = models.TextField(help_text="The retraction reason, as consuming sites will see it.")
    state = models.CharField(
        max_length=20, choices=WithdrawalState.choices, default=WithdrawalState.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Why it was cancelled, or what happened.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["withdraw_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(state="pending"),
                name="scheduling_one_pending_withdrawal_per_article",
            ),
        ]

    def __str__(self) -> str:
        return f"withdraw {self.article.slug} at {self.withdraw_at:%Y-%m-%d %H:%M}"


class EmbargoGrant(models.Model):
    """Lets one consuming-site key read what is scheduled, and its content, before its time."""

    api_key = models.OneToOneField(
        ConsumerApiKey, on_delete=models.CASCADE, related_name="embargo_grant"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()
    note = models.TextField(blank=True, help_text="Why the site may read embargoed content.")

    def __str__(self) -> str:
        return f"embargo access for {self.api_key}"
