"""Output shapes of the versions API (versions, their diffs, the publication's status) and the
retraction's input; rules live in services, not here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.citations import unused_references
from articles.models import Publication, Version
from ldncontent.serializers import StrictCharField, StrictSerializer


class VersionSummaryOutputSerializer(serializers.ModelSerializer):
    """A frozen version, without its sections."""

    submitted_by = serializers.CharField(
        source="submitted_by.get_username", read_only=True, help_text="Who submitted it."
    )

    class Meta:
        model = Version
        fields = [
            "number",
            "content_hash",
            "title",
            "summary",
            "topics",
            "audience",
            "submitted_by",
            "submitted_at",
            "note",
        ]
        read_only_fields = fields


class VersionSectionOutputSerializer(serializers.Serializer):
    """A section as frozen in a version."""

    anchor = serializers.CharField(read_only=True, help_text="The section's anchor.")
    heading = serializers.CharField(read_only=True, help_text="The heading.")
    body = serializers.CharField(read_only=True, help_text="The Markdown body.")


class FrozenReferenceOutputSerializer(serializers.Serializer):
    """A reference as frozen in a version."""

    key = serializers.CharField(read_only=True, help_text="The citation key (`[^key]`).")
    kind = serializers.CharField(read_only=True, help_text="What kind of source it is.")
    title = serializers.CharField(read_only=True, help_text="The source's title.")
    authors_or_publisher = serializers.CharField(read_only=True, help_text="Authors or publisher.")
    doi = serializers.CharField(read_only=True, help_text="DOI, or empty.")
    pmid = serializers.CharField(read_only=True, help_text="PubMed id, or empty.")
    guideline_id = serializers.CharField(read_only=True, help_text="Guideline id, or empty.")
    url = serializers.CharField(read_only=True, help_text="Web address, or empty.")
    published_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="Publication date."
    )
    accessed_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="When it was last read."
    )
    status = serializers.CharField(
        read_only=True, help_text="current, withdrawn or superseded when frozen."
    )


class VersionOutputSerializer(VersionSummaryOutputSerializer):
    """A frozen version with its sections in order and its references."""

    sections = VersionSectionOutputSerializer(many=True, read_only=True)
    references = FrozenReferenceOutputSerializer(
        many=True,
        read_only=True,
        help_text="Every reference of the working copy when submitted, cited or not, by key.",
    )
    unused_references = serializers.SerializerMethodField(
        help_text="Keys of frozen references no section cites: never served."
    )

    class Meta(VersionSummaryOutputSerializer.Meta):
        fields = [
            *VersionSummaryOutputSerializer.Meta.fields,
            "sections",
            "references",
            "unused_references",
        ]
        read_only_fields = fields

    def get_unused_references(self, version) -> list[str]:
        return unused_references(
            (item["body"] for item in version.sections),
            (item["key"] for item in version.references),
        )


class WordChangeOutputSerializer(serializers.Serializer):
    """A run of words that is unchanged, inserted or deleted."""

    op = serializers.ChoiceField(
        choices=["equal", "insert", "delete"], read_only=True, help_text="What happened."
    )
    text = serializers.CharField(read_only=True, help_text="The words, with their spacing.")


class SectionDiffOutputSerializer(serializers.Serializer):
    """How one section differs between two versions."""

    anchor = serializers.CharField(read_only=True, help_text="The section's anchor.")
    status = serializers.ChoiceField(
        choices=["added", "removed", "changed", "unchanged"],
        read_only=True,
        help_text="added, removed, changed (heading or body) or unchanged.",
    )
    moved = serializers.BooleanField(
        read_only=True, help_text="True when the section changed place relative to the others."
    )
    old_position = serializers.IntegerField(read_only=True, allow_null=True)
    new_position = serializers.IntegerField(read_only=True, allow_null=True)
    old_heading = serializers.CharField(read_only=True, allow_null=True)
    new_heading = serializers.CharField(read_only=True, allow_null=True)
    old_body = serializers.CharField(read_only=True, allow_null=True)
    new_body = serializers.CharField(read_only=True, allow_null=True)
    heading_diff = WordChangeOutputSerializer(
        many=True, read_only=True, help_text="Word-level diff of the heading (changed only)."
    )
    body_diff = WordChangeOutputSerializer(
        many=True, read_only=True, help_text="Word-level diff of the body (changed only)."
    )


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "nullable": True,
    }
)
class FieldValueField(serializers.JSONField):
    """A content field's value: text, or a list of topic slugs; null when there was none."""


class FieldDiffOutputSerializer(serializers.Serializer):
    """How one content field of the article differs between two versions."""

    field = serializers.CharField(
        read_only=True, help_text="The field: title, summary, topics or audience."
    )
    status = serializers.ChoiceField(
        choices=["added", "changed", "unchanged"],
        read_only=True,
        help_text="added (nothing to compare with), changed or unchanged.",
    )
    old = FieldValueField(read_only=True, help_text="The value before; null when added.")
    new = FieldValueField(read_only=True, help_text="The value in this version.")
    diff = WordChangeOutputSerializer(
        many=True,
        read_only=True,
        help_text="Word-level diff of the values (lists as comma-separated text); changed only.",
    )


class ReferenceDiffOutputSerializer(serializers.Serializer):
    """How one reference differs between two versions (matched by key)."""

    key = serializers.CharField(read_only=True, help_text="The reference's key.")
    status = serializers.ChoiceField(
        choices=["added", "removed", "changed", "unchanged"],
        read_only=True,
        help_text="added, removed, changed (any field) or unchanged.",
    )
    old = FrozenReferenceOutputSerializer(
        read_only=True, allow_null=True, help_text="The reference before; null when added."
    )
    new = FrozenReferenceOutputSerializer(
        read_only=True, allow_null=True, help_text="The reference now; null when removed."
    )
    changed_fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The fields that changed (changed only).",
    )


class SnapshotDiffOutputSerializer(serializers.Serializer):
    """Every difference between two versions: content fields, sections, then references."""

    changed = serializers.BooleanField(
        read_only=True,
        help_text="True when any field or section differs or moved: anything a consuming "
        "site would be served differently.",
    )
    fields = FieldDiffOutputSerializer(
        many=True,
        read_only=True,
        help_text="Every content field that reaches served bytes (title, summary, topics, "
        "audience), changed or not.",
    )
    sections = SectionDiffOutputSerializer(
        many=True,
        read_only=True,
        help_text="Every section, in the new order, then removed ones.",
    )
    references = ReferenceDiffOutputSerializer(
        many=True,
        read_only=True,
        help_text="Every reference by key, then removed ones; empty when neither version "
        "has references.",
    )


class VersionDiffOutputSerializer(SnapshotDiffOutputSerializer):
    """Every difference between two versions of an article, with which versions they are."""

    version = serializers.IntegerField(read_only=True, help_text="The version shown.")
    against = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The version compared with; null when nothing is live (all added).",
    )


class RetractInputSerializer(StrictSerializer):
    """Why the live version is withdrawn."""

    reason = StrictCharField(
        max_length=2000, help_text="Why the article is withdrawn; shown to consuming sites."
    )


class PublicationStatusOutputSerializer(serializers.ModelSerializer):
    """The state of an article's publication."""

    version = serializers.IntegerField(source="version.number", read_only=True)
    retracted_by = serializers.CharField(
        source="retracted_by.get_username", read_only=True, allow_null=True
    )

    class Meta:
        model = Publication
        fields = [
            "slug",
            "version",
            "status",
            "content_hash",
            "reviewer_name",
            "reviewer_credentials",
            "review_kind",
            "approved_at",
            "last_reviewed",
            "next_review_due",
            "published_at",
            "retracted_at",
            "retraction_reason",
            "retracted_by",
        ]
        read_only_fields = fields
