"""The working copy of articles: an Article and its ordered Sections, with every edit recorded."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from articles.models.slugs import slug_validator

# Why a change was made, as stored in history_change_reason (simple-history's 100 characters):
# one line of text with something visible in it, without control characters (Unicode Cc).
CHANGE_REASON_MAX_LENGTH = 100
_NOT_CONTROL = r"[^\x00-\x1f\x7f-\x9f]"
_VISIBLE = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
CHANGE_REASON_PATTERN = rf"^{_NOT_CONTROL}*{_VISIBLE}{_NOT_CONTROL}*\Z"
CHANGE_REASON_MESSAGE = (
    "Say why in one line of text: no control characters (line breaks, tabs, escapes), and not "
    "only spaces."
)
change_reason_validator = RegexValidator(
    CHANGE_REASON_PATTERN, CHANGE_REASON_MESSAGE, code="invalid_reason"
)


# The article's own fields that a Version freezes and a clinician approves (with the sections).
ARTICLE_CONTENT_FIELDS = ("title", "summary", "topics", "audience")
# The article's own fields an editor writes after creating it: its content and the CMS's id.
ARTICLE_EDITABLE_FIELDS = (*ARTICLE_CONTENT_FIELDS, "external_id")


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
