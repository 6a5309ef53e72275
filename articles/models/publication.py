"""The served read model: one Publication row per article, holding the approved payload."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from articles.models.versions import Version
from articles.models.working_copy import Article, Audience


class ReviewKind(models.TextChoices):
    """How much of the article a clinician's approval covers."""

    FULL = "full", "Full clinical review"
    CHANGE = "change", "Change review"


class PublicationStatus(models.TextChoices):
    LIVE = "live", "Live"
    RETRACTED = "retracted", "Retracted"


class ReviewOverduePolicy(models.TextChoices):
    """What delivery does with a live article past its next review date (REVIEW_OVERDUE_POLICY)."""

    FLAG = "flag", "Serve it with review_overdue: true"
    WITHHOLD = "withhold", "Refuse it until it is reviewed again"

    @classmethod
    def withholds(cls, policy: str, *, next_review_due: date, today: date) -> bool:
        """True when `policy` refuses a live publication due for review before `today`; the
        one-row form of `PublicationQuerySet.servable`."""
        return cls(policy) == cls.WITHHOLD and next_review_due < today


class PublicationQuerySet(models.QuerySet):
    """Publications by the rules of serving: live, overdue for review, servable."""

    def live(self) -> "PublicationQuerySet":
        """Publications being served: approved and not retracted."""
        return self.filter(status=PublicationStatus.LIVE)

    def overdue(self, *, today: date) -> "PublicationQuerySet":
        """Live publications whose next review was due before `today`."""
        return self.live().filter(next_review_due__lt=today)

    def servable(self, *, today: date, policy: str) -> "PublicationQuerySet":
        """What delivery may serve on `today`: live ones, and not overdue ones under `withhold`."""
        if ReviewOverduePolicy(policy) == ReviewOverduePolicy.WITHHOLD:
            return self.live().filter(next_review_due__gte=today)
        return self.live()


class Publication(models.Model):
    """The served read model: one row per article holding the approved payload, as bytes.

    Delivery reads only this table. It is written only by `services.publish` (on approval),
    `services.publication_retract` and `services.publications_mark_overdue`, each making its
    served bytes (payload, ETag, list entry) with `rendering.publication_render`.
    """

    article = models.OneToOneField(Article, on_delete=models.PROTECT, related_name="publication")
    slug = models.SlugField(max_length=120, unique=True, help_text="The article's slug.")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="publications")
    status = models.CharField(
        max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.LIVE
    )
    payload = models.BinaryField(help_text="The rendered JSON served to consuming sites.")
    etag = models.CharField(max_length=80, help_text="Strong ETag of the payload.")
    content_hash = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    topics = models.JSONField(default=list)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    reviewer_name = models.CharField(max_length=200)
    reviewer_credentials = models.CharField(max_length=200, blank=True)
    review_kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    approved_at = models.DateTimeField()
    last_reviewed = models.DateField()
    next_review_due = models.DateField()
    sign_offs = models.JSONField(
        default=list,
        blank=True,
        help_text="Every sign-off of the version (role, name, credentials, profession, time); "
        "empty for versions approved before sign-off policies, whose payload names only the "
        "clinician.",
    )
    review_overdue = models.BooleanField(
        default=False, help_text="Set once next_review_due has passed (by check_review_due)."
    )
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField(help_text="When the served payload or status last changed.")
    list_entry = models.BinaryField(
        help_text="This article's entry in the delivery list, rendered JSON served as is."
    )
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_reason = models.TextField(blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retracted_publications",
    )

    # The bytes are reproducible from the version and the fields the history keeps.
    history = HistoricalRecords(excluded_fields=["payload", "list_entry"])

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=PublicationStatus.LIVE, retracted_at__isnull=True)
                | Q(status=PublicationStatus.RETRACTED, retracted_at__isnull=False),
                name="publication_retraction_consistent",
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__gte=models.F("last_reviewed")),
                name="publication_review_due_after_last_review",
            ),
            # A list page is its entries joined: an empty one would make it invalid JSON.
            models.CheckConstraint(
                condition=~Q(list_entry=b""), name="publication_list_entry_rendered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version.number} ({self.status})"
