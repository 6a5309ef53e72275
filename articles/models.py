"""The working copy of articles: an Article and its ordered Sections, with every edit recorded."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
SLUG_MESSAGE = (
    "Use lowercase letters, digits and single hyphens, starting and ending with a letter or "
    "digit (for example `stopping-ldn`)."
)
slug_validator = RegexValidator(SLUG_PATTERN, SLUG_MESSAGE, code="invalid_slug")


class Audience(models.TextChoices):
    """Who an article is written for (schema.org `medicalAudience`)."""

    PATIENT = "patient", "Patients"
    CAREGIVER = "caregiver", "Caregivers"
    CLINICIAN = "clinician", "Clinicians"


class Article(models.Model):
    """An article's working copy: what editors change; never served as it is."""

    slug = models.SlugField(
        max_length=120,
        unique=True,
        validators=[slug_validator],
        help_text="URL name of the article, unique, e.g. `stopping-ldn`.",
    )
    title = models.CharField(max_length=200, help_text="Title as readers see it.")
    summary = models.TextField(
        max_length=1000, blank=True, help_text="One or two sentences for listings and search."
    )
    topics = models.JSONField(
        default=list, blank=True, help_text='Topic slugs, e.g. `["ldn", "chronic-pain"]`.'
    )
    audience = models.CharField(
        max_length=20,
        choices=Audience.choices,
        default=Audience.PATIENT,
        help_text="Who the article is written for.",
    )
    # NULL, not "", marks "no CMS id", so the conditional unique constraint can ignore it.
    external_id = models.CharField(  # noqa: DJ001
        max_length=200,
        null=True,
        blank=True,
        help_text="The CMS's own id for this article, unique when set.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="authored_articles",
        help_text="The editor who created the article.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(external_id__isnull=False),
                name="article_external_id_unique",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="article_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    """One ordered part of an article, addressed by an anchor that stays the same across edits."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    anchor = models.SlugField(
        max_length=80,
        validators=[slug_validator],
        help_text="Stable id of the section within its article, e.g. `tapering-off`.",
    )
    heading = models.CharField(max_length=200, help_text="The section heading, never empty.")
    body = models.TextField(blank=True, help_text="The section text in CommonMark Markdown.")
    position = models.PositiveIntegerField(help_text="0-based place of the section in its article.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "anchor"], name="section_anchor_unique"),
            models.UniqueConstraint(fields=["article", "position"], name="section_position_unique"),
            models.CheckConstraint(condition=~Q(heading=""), name="section_heading_not_empty"),
            models.CheckConstraint(condition=~Q(anchor=""), name="section_anchor_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.article.slug}#{self.anchor}"


class ImmutableRecord(Exception):
    """Raised on any attempt to change or delete a frozen record."""


class FrozenQuerySet(models.QuerySet):
    """A queryset that refuses bulk changes: frozen records are only ever inserted."""

    def update(self, **kwargs):
        raise ImmutableRecord(f"{self.model.__name__} rows are never updated.")

    def delete(self):
        raise ImmutableRecord(f"{self.model.__name__} rows are never deleted.")


class FrozenModel(models.Model):
    """A model whose rows are written once and then never changed or deleted."""

    objects = FrozenQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord(f"{type(self).__name__} {self.pk} is frozen.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(f"{type(self).__name__} {self.pk} is frozen.")


class Version(FrozenModel):
    """An immutable, numbered snapshot of an article, submitted for clinical review."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… within the article.")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    topics = models.JSONField(default=list)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    sections = models.JSONField(help_text="Ordered list of {anchor, heading, body}.")
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the canonical JSON of the snapshot."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_versions"
    )
    submitted_at = models.DateTimeField()
    note = models.TextField(blank=True, help_text="What changed, in the submitter's words.")

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.article.slug} v{self.number}"


class ReviewKind(models.TextChoices):
    """How much of the article a clinician's approval covers."""

    FULL = "full", "Full clinical review"
    CHANGE = "change", "Change review"


class PublicationStatus(models.TextChoices):
    LIVE = "live", "Live"
    RETRACTED = "retracted", "Retracted"


class Publication(models.Model):
    """The served read model: one row per article holding the approved payload, as bytes.

    Delivery reads only this table. It is written only by `services.publish` (on approval)
    and `services.publication_retract`.
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
    topics = models.JSONField(default=list)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    reviewer_name = models.CharField(max_length=200)
    reviewer_credentials = models.CharField(max_length=200, blank=True)
    review_kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    approved_at = models.DateTimeField()
    last_reviewed = models.DateField()
    next_review_due = models.DateField()
    published_at = models.DateTimeField()
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_reason = models.TextField(blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retracted_publications",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="live", retracted_at__isnull=True)
                | Q(status="retracted", retracted_at__isnull=False),
                name="publication_retraction_consistent",
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__gte=models.F("last_reviewed")),
                name="publication_review_due_after_last_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version.number} ({self.status})"
