"""Input and output shapes of the references API (an article's sources, cited as `[^key]`);
rules live in services, not here."""

from rest_framework import serializers

from articles.models import Reference, ReferenceKind, ReferenceStatus, slug_validator
from articles.serializers.fields import change_reason_field
from ldncontent.serializers import StrictCharField, StrictSerializer


def _max_length(name: str) -> int:
    return Reference._meta.get_field(name).max_length


def _text(name: str, help_text: str, **kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=_max_length(name), allow_blank=True, help_text=help_text, **kwargs
    )


class ReferenceFieldsInputSerializer(StrictSerializer):
    """A reference's writable fields (all but its key)."""

    kind = serializers.ChoiceField(
        choices=ReferenceKind.choices,
        help_text="journal_article, guideline, systematic_review, website or book.",
    )
    title = StrictCharField(max_length=_max_length("title"), help_text="The source's title.")
    authors_or_publisher = _text(
        "authors_or_publisher", "Authors (e.g. `Smith J, Lee K`) or the publisher.", required=False
    )
    doi = _text("doi", "DOI without the resolver, e.g. `10.1136/bmj.n1234`.", required=False)
    pmid = _text("pmid", "PubMed id: 1 to 9 digits.", required=False)
    guideline_id = _text(
        "guideline_id", "NICE or other guideline id, e.g. `NG193`.", required=False
    )
    url = _text("url", "Web address (http or https).", required=False)
    published_on = serializers.DateField(
        required=False, allow_null=True, help_text="Publication date (YYYY-MM-DD)."
    )
    accessed_on = serializers.DateField(
        required=False, allow_null=True, help_text="When the source was last read (YYYY-MM-DD)."
    )
    status = serializers.ChoiceField(
        choices=ReferenceStatus.choices,
        required=False,
        help_text="current (default), withdrawn or superseded: marking a cited source withdrawn "
        "or superseded flags every article citing it.",
    )


class ReferenceCreateInputSerializer(ReferenceFieldsInputSerializer):
    """POST /api/v1/articles/{slug}/references/."""

    key = StrictCharField(
        max_length=_max_length("key"),
        validators=[slug_validator],
        help_text="The citation id, unique in the article: sections cite it as `[^key]`, e.g. "
        "`nice-ng193`. It never changes.",
    )
    reason = change_reason_field()


class ArticleReferenceInputSerializer(ReferenceFieldsInputSerializer):
    """One reference of a whole document sent with POST or PUT of an article."""

    key = StrictCharField(
        max_length=_max_length("key"),
        validators=[slug_validator],
        help_text="The citation id, unique in the article: sections cite it as `[^key]`.",
    )


class ReferenceUpdateInputSerializer(ReferenceFieldsInputSerializer):
    """PATCH /api/v1/articles/{slug}/references/{key}/: some of the reference's fields."""

    min_fields = 1
    required_any = (
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

    reason = change_reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ReferenceOutputSerializer(serializers.ModelSerializer):
    """A reference of the working copy, with what the last link check found."""

    # Empty when the source has no web address, so not a `uri` in the schema.
    url = serializers.CharField(read_only=True, help_text="Web address, or empty.")

    flagged = serializers.BooleanField(
        read_only=True,
        help_text="True when the source no longer stands: its link is dead, or it is withdrawn "
        "or superseded.",
    )

    class Meta:
        model = Reference
        fields = [
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
            "last_checked_at",
            "check_result",
            "check_detail",
            "dead_since",
            "flagged",
        ]
        read_only_fields = fields
