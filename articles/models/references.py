"""References of an article's working copy: the sources its sections cite with `[^key]`."""

from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from articles.models.slugs import slug_validator
from articles.models.working_copy import Article

DOI_PATTERN = r"^10\.\d{4,9}/\S+\Z"
PMID_PATTERN = r"^[1-9]\d{0,8}\Z"
doi_validator = RegexValidator(
    DOI_PATTERN, "A DOI looks like `10.1000/xyz123` (no `https://doi.org/`).", code="invalid_doi"
)
pmid_validator = RegexValidator(
    PMID_PATTERN, "A PubMed id is a number of 1 to 9 digits, e.g. `31234567`.", code="invalid_pmid"
)
url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address that starts with http:// or https://."
)


class ReferenceKind(models.TextChoices):
    """What kind of source a reference is."""

    JOURNAL_ARTICLE = "journal_article", "Journal article"
    GUIDELINE = "guideline", "Guideline"
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    WEBSITE = "website", "Website"
    BOOK = "book", "Book"


class ReferenceStatus(models.TextChoices):
    """Whether the source still stands, as its publisher says."""

    CURRENT = "current", "Current"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUPERSEDED = "superseded", "Superseded"


class ReferenceCheckResult(models.TextChoices):
    """What the last link check found."""

    UNCHECKED = "", "Not checked yet"
    OK = "ok", "Resolves"
    DEAD = "dead", "Does not resolve"


# The fields a Version freezes (the check fields are not content: they change on their own).
REFERENCE_CONTENT_FIELDS = (
    "key",
    "kind",
    "title",
    "authors_or_publisher",
    "doi",
    "pmid",
    "guideline_id",
    "url",
    "published_on",
    "accessed_on",
    "status",
)
REFERENCE_IDENTIFIER_FIELDS = ("doi", "pmid", "guideline_id", "url")


class Reference(models.Model):
    """A source the working copy of an article may cite; frozen into each Version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="references")
    key = models.SlugField(
        max_length=80,
        validators=[slug_validator],
        help_text="The citation marker's id, unique in the article: `[^nice-ng193]` cites "
        "`nice-ng193`.",
    )
    kind = models.CharField(
        max_length=20, choices=ReferenceKind.choices, help_text="What kind of source it is."
    )
    title = models.CharField(max_length=500, help_text="The source's title.")
    authors_or_publisher = models.CharField(
        max_length=500, blank=True, help_text="Authors (e.g. `Smith J, Lee K`) or the publisher."
    )
    doi = models.CharField(
        max_length=200, blank=True, validators=[doi_validator], help_text="DOI, e.g. `10.1000/x`."
    )
    pmid = models.CharField(
        max_length=9, blank=True, validators=[pmid_validator], help_text="PubMed id."
    )
    guideline_id = models.CharField(
        max_length=100, blank=True, help_text="NICE or other guideline id, e.g. `NG193`."
    )
    # A CharField: a URLField would add its own validator (any scheme), and a second message.
    url = models.CharField(
        max_length=2000, blank=True, validators=[url_validator], help_text="Web address."
    )
    published_on = models.DateField(null=True, blank=True, help_text="Publication date.")
    accessed_on = models.DateField(null=True, blank=True, help_text="When it was last read.")
    status = models.CharField(
        max_length=20,
        choices=ReferenceStatus.choices,
        default=ReferenceStatus.CURRENT,
        help_text="current, or withdrawn or superseded by its publisher.",
    )
    last_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the link check last ran."
    )
    check_result = models.CharField(
        max_length=10,
        choices=ReferenceCheckResult.choices,
        default=ReferenceCheckResult.UNCHECKED,
        blank=True,
        help_text="What the last link check found.",
    )
    check_detail = models.CharField(
        max_length=300, blank=True, help_text="The last check's answer, e.g. `HTTP 404`."
    )
    dead_since = models.DateTimeField(
        null=True, blank=True, help_text="Since when the link has not resolved."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["article", "key"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="reference_key_unique"),
            models.CheckConstraint(condition=~Q(key=""), name="reference_key_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="reference_title_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.article.slug}[^{self.key}]"

    @property
    def flagged(self) -> bool:
        """True when the source no longer stands: a dead link, or withdrawn or superseded."""
        return (
            self.check_result == ReferenceCheckResult.DEAD or self.status != ReferenceStatus.CURRENT
        )
