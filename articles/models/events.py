"""The event table (outbox): an ordered, append-only record of what happened to articles."""

from django.db import models

from articles.models.versions import FrozenModel
from articles.models.working_copy import Article


class EventType(models.TextChoices):
    # What consuming sites see (changes feed and their webhooks):
    PUBLISHED = "article.published", "Published"
    RETRACTED = "article.retracted", "Retracted"
    REVIEW_OVERDUE = "article.review_overdue", "Review overdue"
    # The publisher's own workflow, for the CMS's webhooks only:
    VERSION_SUBMITTED = "version.submitted", "Version submitted"
    CHANGES_REQUESTED = "review.changes_requested", "Changes requested"
    APPROVED = "review.approved", "Approved"
    REJECTED = "review.rejected", "Rejected"
    SIGNED_OFF = "review.signed_off", "Signed off"
    SCHEDULED = "version.scheduled", "Publication scheduled"
    SCHEDULE_CANCELLED = "version.schedule_cancelled", "Scheduled publication cancelled"
    REFERENCE_FLAGGED = "reference.flagged", "Reference flagged"
    FEEDBACK_RECEIVED = "feedback.received", "Reader feedback received"


PUBLIC_EVENT_TYPES = (EventType.PUBLISHED, EventType.RETRACTED, EventType.REVIEW_OVERDUE)


class EventSequence(models.Model):
    """A single counter row: locking it orders event commits, so a feed reader never skips one."""

    last_position = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"events up to {self.last_position}"


class Event(FrozenModel):
    """Something that happened to an article, written in the transaction that caused it."""

    position = models.PositiveBigIntegerField(
        unique=True, help_text="Commit order: readers page through events by position."
    )
    type = models.CharField(max_length=40, choices=EventType.choices)
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="events")
    slug = models.SlugField(max_length=120)
    version = models.PositiveIntegerField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"#{self.position} {self.type} {self.slug}"
