"""Input and output shapes of the articles API (the working copy's article, its revert and its
history); rules live in services, not here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import Article, Audience, slug_validator
from articles.serializers.fields import (
    TopicsField,
    anchor_field,
    body_field,
    change_reason_field,
    heading_field,
)
from articles.serializers.references import (
    ArticleReferenceInputSerializer,
    ReferenceOutputSerializer,
)
from articles.serializers.sections import SectionOutputSerializer
from articles.services.validation import TOPICS_RULE
from ldncontent.serializers import StrictCharField, StrictIntegerField, StrictSerializer


class ArticleSectionInputSerializer(StrictSerializer):
    """One section of a whole document sent with POST or PUT."""

    anchor = anchor_field()
    heading = heading_field()
    body = body_field(required=False, default="")


def _max_length(name: str) -> int:
    return Article._meta.get_field(name).max_length


class ArticleFieldsInputSerializer(StrictSerializer):
    """The article's own writable fields."""

    title = StrictCharField(
        max_length=_max_length("title"), help_text="Title as readers see it; not blank."
    )
    summary = StrictCharField(
        max_length=_max_length("summary"),
        allow_blank=True,
        required=False,
        help_text="One or two sentences for listings and search.",
    )
    topics = TopicsField(required=False, help_text=TOPICS_RULE)
    audience = serializers.ChoiceField(
        choices=Audience.choices, required=False, help_text="Who the article is written for."
    )
    external_id = StrictCharField(
        max_length=_max_length("external_id"),
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text="The CMS's own id for this article; unique; null or empty to clear.",
    )
    reason = change_reason_field()


class ArticleCreateInputSerializer(ArticleFieldsInputSerializer):
    """POST /api/v1/articles/: a new article, optionally with its sections."""

    slug = StrictCharField(
        max_length=_max_length("slug"),
        validators=[slug_validator],
        help_text="URL name of the article, unique, e.g. `stopping-ldn`; cannot change later.",
    )
    sections = ArticleSectionInputSerializer(
        many=True, required=False, help_text="The sections, in order."
    )
    references = ArticleReferenceInputSerializer(
        many=True,
        required=False,
        help_text="The sources the sections cite as `[^key]`; every key cited must be here.",
    )


class ArticleReplaceInputSerializer(ArticleFieldsInputSerializer):
    """PUT /api/v1/articles/{slug}/: the whole document; omitted optional fields are reset."""

    sections = ArticleSectionInputSerializer(
        many=True,
        help_text="Every section, in order, matched by anchor: listed anchors are updated or "
        "created, anchors not listed are deleted.",
    )
    references = ArticleReferenceInputSerializer(
        many=True,
        required=False,
        help_text="Every reference, matched by key: listed keys are updated or created, keys "
        "not listed are deleted. Left out, the references stay as they are (so a CMS that "
        "does not manage references keeps them). Every key a section cites must be here.",
    )


class ArticleUpdateInputSerializer(ArticleFieldsInputSerializer):
    """PATCH /api/v1/articles/{slug}/: some of the article's own fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ArticleRevertInputSerializer(StrictSerializer):
    """POST /api/v1/articles/{slug}/revert/: the version whose content the working copy gets."""

    version = StrictIntegerField(
        min_value=1,
        max_value=2_147_483_647,
        help_text="The number of the article's version to revert to (see its versions list).",
    )
    reason = change_reason_field()


class ArticleSummaryOutputSerializer(serializers.ModelSerializer):
    """An article in the authoring list (without its sections)."""

    author = serializers.CharField(
        source="author.get_username", read_only=True, help_text="Who created the article."
    )
    topics = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Topic slugs."
    )

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "summary",
            "topics",
            "audience",
            "external_id",
            "author",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ArticleOutputSerializer(ArticleSummaryOutputSerializer):
    """An article's working copy with its sections and its current ETag."""

    etag = serializers.SerializerMethodField(
        help_text="The ETag to send in If-Match on your next write (also in the ETag header)."
    )
    sections = serializers.SerializerMethodField(help_text="The sections, in order.")
    references = serializers.SerializerMethodField(
        help_text="The article's sources in key order; sections cite them as `[^key]`."
    )
    unused_references = serializers.SerializerMethodField(
        help_text="Keys of references no section cites: they are frozen with the next version "
        "(the reviewer sees them) but never served to readers."
    )
    flagged_references = serializers.SerializerMethodField(
        help_text="Keys of references that no longer stand: a dead link, or withdrawn or "
        "superseded. Check the evidence and edit the article."
    )

    class Meta(ArticleSummaryOutputSerializer.Meta):
        fields = [
            *ArticleSummaryOutputSerializer.Meta.fields,
            "etag",
            "sections",
            "references",
            "unused_references",
            "flagged_references",
        ]
        read_only_fields = fields

    def get_etag(self, article) -> str:
        return self.context["etag"]

    @extend_schema_field(SectionOutputSerializer(many=True))
    def get_sections(self, article) -> list:
        return SectionOutputSerializer(self.context["sections"], many=True).data

    @extend_schema_field(ReferenceOutputSerializer(many=True))
    def get_references(self, article) -> list:
        return ReferenceOutputSerializer(self.context["references"], many=True).data

    def get_unused_references(self, article) -> list[str]:
        return self.context["unused_references"]

    def get_flagged_references(self, article) -> list[str]:
        return [reference.key for reference in self.context["references"] if reference.flagged]


class FieldChangeOutputSerializer(serializers.Serializer):
    """One field's value before and after a change."""

    field = serializers.CharField(read_only=True, help_text="The field that changed.")
    old = serializers.JSONField(read_only=True, help_text="The value before (null on creation).")
    new = serializers.JSONField(read_only=True, help_text="The value after.")


class HistoryEntryOutputSerializer(serializers.Serializer):
    """One recorded change to an article or to one of its sections."""

    history_id = serializers.IntegerField(read_only=True, help_text="Id of the history record.")
    object_type = serializers.ChoiceField(
        choices=["article", "section"], read_only=True, help_text="What was changed."
    )
    anchor = serializers.CharField(
        read_only=True, allow_null=True, help_text="The section's anchor (null for the article)."
    )
    action = serializers.ChoiceField(
        choices=["created", "changed", "deleted"], read_only=True, help_text="What happened."
    )
    changed_at = serializers.DateTimeField(read_only=True, help_text="When.")
    changed_by = serializers.CharField(
        read_only=True, allow_null=True, help_text="Username of who made the change."
    )
    reason = serializers.CharField(
        read_only=True, allow_null=True, help_text="Why, as recorded by the service."
    )
    changes = FieldChangeOutputSerializer(
        many=True, read_only=True, help_text="Fields with old and new values."
    )
