"""Governance records: reader feedback with its triage trail, and the log of dossier exports."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from articles.models import Article, ConsumerApiKey, ConsumerSite, FrozenModel, Version

SECTION_ANCHOR_MAX_LENGTH = 80


# The longest triage note the API and the admin take.
TRIAGE_NOTE_MAX_CHARS = 2000


class FeedbackCategory(models.TextChoices):
    """What a reader says is wrong with the text they read."""

    ERROR = "error", "Error"
    UNCLEAR = "unclear", "Unclear"
    OUTDATED = "outdated", "Outdated"
    OTHER = "other", "Other"


class FeedbackStatus(models.TextChoices):
    """Where a report is in triage."""

    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    ADDRESSED = "addressed", "Addressed"
    DECLINED = "declined", "Declined"


OPEN_STATUSES = (FeedbackStatus.NEW, FeedbackStatus.TRIAGED)


class Feedback(models.Model):
    """A reader's report on the exact published version they saw, sent by a consuming site.

    `text` is untrusted: it is stored as sent and escaped wherever it is shown. Status,
    addressed_in_version and the resolution note change only through `feedback_triage`.
    """

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="feedback")
    version = models.ForeignKey(
        Version,
        on_delete=models.PROTECT,
        related_name="feedback",
        help_text="The published version the reader saw (found from its content hash).",
    )
    content_hash = models.CharField(max_length=64, help_text="The content hash the reader saw.")
    section_anchor = models.CharField(
        max_length=SECTION_ANCHOR_MAX_LENGTH,
        blank=True,
        help_text="The section the report is about, when the reader named one.",
    )
    category = models.CharField(max_length=20, choices=FeedbackCategory.choices)
    text = models.TextField(help_text="What the reader wrote: untrusted, shown escaped.")
    site = models.ForeignKey(ConsumerSite, on_delete=models.PROTECT, related_name="feedback")
    api_key = models.ForeignKey(
        ConsumerApiKey,
        on_delete=models.PROTECT,
        related_name="feedback",
        help_text="The consuming site's key that sent the report.",
    )
    received_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    addressed_in_version = models.ForeignKey(
        Version,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addressed_feedback",
        help_text="The later version that fixes what the reader reported.",
    )
    resolution_note = models.TextField(blank=True, help_text="The last triage note.")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "feedback"
        indexes = [models.Index(fields=["article", "status", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=FeedbackCategory.values),
                name="feedback_category_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=FeedbackStatus.values), name="feedback_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status=FeedbackStatus.ADDRESSED, addressed_in_version__isnull=False)
                | (~Q(status=FeedbackStatus.ADDRESSED) & Q(addressed_in_version__isnull=True)),
                name="feedback_addressed_names_a_version",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="feedback_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Feedback {self.pk} on {self.version} ({self.category}, {self.status})"


class FeedbackTransition(FrozenModel):
    """One row of the append-only triage trail: who moved a report from which status to which."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_transitions"
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=20, choices=FeedbackStatus.choices)
    to_status = models.CharField(max_length=20, choices=FeedbackStatus.choices)
    addressed_in_version = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} by {self.actor} at {self.at}"


class FeedbackAcknowledgement(FrozenModel):
    """A full review of the article saw this open error report before it was approved."""

    feedback = models.ForeignKey(
        Feedback, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    review = models.ForeignKey(
        "reviews.Review", on_delete=models.PROTECT, related_name="feedback_acknowledgements"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="feedback_acknowledgements",
        help_text="The clinician whose full approval acknowledged it.",
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["feedback", "review"], name="feedback_acknowledged_once_per_review"
            )
        ]

    def __str__(self) -> str:
        return f"Feedback {self.feedback_id} acknowledged in review {self.review_id}"


class DossierExportKind(models.TextChoices):
    SINGLE = "single", "One version's dossier"
    SAMPLE = "sample", "A random sample of versions"


class DossierExport(FrozenModel):
    """One row of the append-only export log: who took which dossiers, when, and how drawn."""

    kind = models.CharField(max_length=10, choices=DossierExportKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dossier_exports"
    )
    at = models.DateTimeField()
    output_format = models.CharField(max_length=10, help_text="json or html.")
    parameters = models.JSONField(
        default=dict, blank=True, help_text="The request's parameters (window, size, seed)."
    )
    versions = models.JSONField(
        default=list,
        blank=True,
        help_text="The versions exported or drawn: {slug, number, content_hash}.",
    )

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor} at {self.at}"
