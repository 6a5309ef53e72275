"""Serializers of the governance API: feedback in and out, triage, dossiers and samples."""

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.models import (
    SECTION_ANCHOR_MAX_LENGTH,
    TRIAGE_NOTE_MAX_CHARS,
    DossierExport,
    Feedback,
    FeedbackCategory,
    FeedbackStatus,
    FeedbackTransition,
)
from ldncontent.serializers import StrictCharField, StrictIntegerField, StrictSerializer

CONTENT_HASH_PATTERN = r"^[0-9a-f]{64}$"
TRIAGE_TARGETS = [FeedbackStatus.TRIAGED, FeedbackStatus.ADDRESSED, FeedbackStatus.DECLINED]


class FeedbackInputSerializer(StrictSerializer):
    """A reader's report, as a consuming site sends it."""

    content_hash = StrictCharField(
        max_length=64,
        validators=[
            RegexValidator(CONTENT_HASH_PATTERN, "A content hash is 64 lowercase hex characters.")
        ],
        help_text="The content_hash of the article exactly as the delivery API served it.",
    )
    section_anchor = StrictCharField(
        max_length=SECTION_ANCHOR_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The anchor of the section the report is about, if the reader chose one.",
    )
    category = serializers.ChoiceField(
        choices=FeedbackCategory.choices, help_text="error, unclear, outdated or other."
    )
    text = StrictCharField(
        max_length=settings.FEEDBACK_MAX_CHARS,
        trim_whitespace=False,
        help_text="What the reader wrote; stored as sent and shown escaped.",
    )

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Send what the reader wrote.")
        return value


class FeedbackReceiptOutputSerializer(serializers.ModelSerializer):
    """What a consuming site learns about the report it sent: that it was received."""

    id = serializers.IntegerField(read_only=True, help_text="The report's id.")
    received_at = serializers.DateTimeField(read_only=True, help_text="When it was stored.")
    version = serializers.IntegerField(
        source="version.number", read_only=True, help_text="The version the reader saw."
    )

    class Meta:
        model = Feedback
        fields = ["id", "received_at", "version"]


class FeedbackTransitionOutputSerializer(serializers.ModelSerializer):
    """One move of a report in triage."""

    actor = serializers.CharField(
        source="actor.username", read_only=True, help_text="Who moved it."
    )
    at = serializers.DateTimeField(read_only=True, help_text="When.")
    from_status = serializers.CharField(read_only=True, help_text="The status before.")
    to_status = serializers.CharField(read_only=True, help_text="The status after.")
    addressed_in_version = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The fixing version, when addressed."
    )
    note = serializers.CharField(read_only=True, help_text="Why, in the actor's words.")

    class Meta:
        model = FeedbackTransition
        fields = ["actor", "at", "from_status", "to_status", "addressed_in_version", "note"]


class FeedbackOutputSerializer(serializers.ModelSerializer):
    """A reader's report for staff. `text` is the reader's, untrusted: escape it to show it."""

    id = serializers.IntegerField(read_only=True, help_text="The report's id.")
    article = serializers.CharField(
        source="article.slug", read_only=True, help_text="The article's slug."
    )
    version = serializers.IntegerField(
        source="version.number", read_only=True, help_text="The version the reader saw."
    )
    content_hash = serializers.CharField(read_only=True, help_text="Its content hash.")
    section_anchor = serializers.CharField(
        read_only=True, help_text="The section reported on; empty for the whole article."
    )
    category = serializers.ChoiceField(
        choices=FeedbackCategory.choices, read_only=True, help_text="What kind of report."
    )
    text = serializers.CharField(
        read_only=True, help_text="What the reader wrote, as sent (untrusted)."
    )
    site = serializers.CharField(
        source="site.name", read_only=True, help_text="The consuming site that sent it."
    )
    received_at = serializers.DateTimeField(read_only=True, help_text="When it arrived.")
    status = serializers.ChoiceField(
        choices=FeedbackStatus.choices, read_only=True, help_text="Where it is in triage."
    )
    addressed_in_version = serializers.IntegerField(
        source="addressed_in_version.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The version that addresses it, when addressed.",
    )
    resolution_note = serializers.CharField(read_only=True, help_text="The last triage note.")

    class Meta:
        model = Feedback
        fields = [
            "id",
            "article",
            "version",
            "content_hash",
            "section_anchor",
            "category",
            "text",
            "site",
            "received_at",
            "status",
            "addressed_in_version",
            "resolution_note",
        ]


class FeedbackDetailOutputSerializer(FeedbackOutputSerializer):
    """A report with its whole triage trail."""

    transitions = FeedbackTransitionOutputSerializer(
        many=True, read_only=True, help_text="Every move in triage, oldest first."
    )

    class Meta(FeedbackOutputSerializer.Meta):
        fields = [*FeedbackOutputSerializer.Meta.fields, "transitions"]


class FeedbackQuerySerializer(serializers.Serializer):
    """Filters of the feedback list; other query parameters are ignored, as on every list."""

    status = serializers.ChoiceField(
        choices=FeedbackStatus.choices, required=False, help_text="Only reports in this status."
    )
    article = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        help_text="Only reports on the article with this slug.",
    )
    category = serializers.ChoiceField(
        choices=FeedbackCategory.choices, required=False, help_text="Only this category."
    )


class FeedbackTriageInputSerializer(StrictSerializer):
    """A triage decision on a report."""

    status = serializers.ChoiceField(
        choices=[(value, value) for value in TRIAGE_TARGETS],
        help_text="triaged, addressed or declined (a decided report may go back to triaged).",
    )
    note = StrictCharField(max_length=TRIAGE_NOTE_MAX_CHARS, help_text="What was decided, and why.")
    addressed_in_version = StrictIntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        help_text="With `addressed`: the later version of the article that addresses it.",
    )


class ReviewFeedbackOutputSerializer(serializers.Serializer):
    """Reader error reports a review must see, and those it acknowledged."""

    review = serializers.IntegerField(read_only=True, help_text="The review's id.")
    article = serializers.CharField(read_only=True, help_text="The article's slug.")
    open_errors = FeedbackOutputSerializer(
        many=True,
        read_only=True,
        help_text="The article's error reports still new or triaged, oldest first.",
    )
    acknowledged = FeedbackOutputSerializer(
        many=True,
        read_only=True,
        help_text="Reports this review acknowledged on its full approval.",
    )


@extend_schema_field({"type": "object", "additionalProperties": True})
class DossierPartField(serializers.JSONField):
    """A part of a dossier, as JSON."""


@extend_schema_field({"type": "array", "items": {"type": "object", "additionalProperties": True}})
class DossierListField(serializers.JSONField):
    """A list of records of a dossier, as JSON."""


class DossierOutputSerializer(serializers.Serializer):
    """One version's production record; the same record always gives the same JSON."""

    dossier_format = serializers.IntegerField(read_only=True, help_text="This layout's number.")
    article = DossierPartField(read_only=True, help_text="The article's id and slug.")
    version = serializers.IntegerField(read_only=True, help_text="The version's number.")
    content = DossierPartField(
        read_only=True,
        help_text="The frozen text (snapshot), its stored content_hash, the hash recomputed "
        "from the snapshot and whether they agree (hash_verified).",
    )
    previous_approved_version = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The approved version before this one."
    )
    diff = DossierPartField(
        read_only=True,
        help_text="Fields and sections against the previous approved version (old and new).",
    )
    authors = DossierListField(
        read_only=True,
        help_text="Who saved the working copy since the previous approved version: user, "
        "edits, first and last edit.",
    )
    submission = DossierPartField(read_only=True, help_text="Who submitted it, when, why.")
    review = DossierPartField(
        read_only=True, allow_null=True, help_text="The review's state and decision; or null."
    )
    sign_offs = DossierListField(
        read_only=True,
        help_text="Every sign-off, frozen as signed: role, signer, name, credentials, "
        "profession, registering body, registration number, meaning, checklist, kind, note, "
        "the content hash signed and the time.",
    )
    comments = DossierListField(
        read_only=True,
        help_text="The review's comments with every change of their resolution (who, when).",
    )
    evidence_checks = DossierListField(
        read_only=True,
        help_text="Each reference frozen with the version: key, title, url, its status when "
        "frozen, the clinician's checks at review (verdict, note, who, when), the last link "
        "check and the flags raised on it while this version was the newest.",
    )
    review_transitions = DossierListField(
        read_only=True, help_text="The review's audit trail: who moved it, when, why."
    )
    publication = DossierPartField(
        read_only=True,
        help_text="When it was published, flagged overdue and retracted; the events and the "
        "publication's history.",
    )
    feedback = DossierPartField(
        read_only=True,
        help_text="Reader feedback on this version: total, per category, per triage status.",
    )


class DossierSampleQuerySerializer(serializers.Serializer):
    """The window, size and seed of a sample; other query parameters are ignored."""

    date_from = serializers.DateField(help_text="Approved on or after this date.")
    date_to = serializers.DateField(help_text="Approved on or before this date.")
    sample = serializers.IntegerField(
        min_value=1,
        max_value=settings.DOSSIER_SAMPLE_MAX,
        help_text="How many versions to draw (at most DOSSIER_SAMPLE_MAX).",
    )
    seed = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="The same seed draws the same versions; without one (or blank), one is chosen.",
    )

    def get_fields(self):
        # `from` is a Python keyword: the fields are declared under other names, then renamed.
        fields = super().get_fields()
        fields["from"] = fields.pop("date_from")
        fields["to"] = fields.pop("date_to")
        return fields


class DossierVersionRefOutputSerializer(serializers.Serializer):
    """One drawn version."""

    slug = serializers.CharField(read_only=True, help_text="The article's slug.")
    number = serializers.IntegerField(read_only=True, help_text="The version's number.")
    content_hash = serializers.CharField(read_only=True, help_text="Its content hash.")
    dossier = serializers.CharField(read_only=True, help_text="The path of its dossier.")


class DossierSampleOutputSerializer(serializers.ModelSerializer):
    """A recorded draw: its parameters (with the seed) and the versions drawn."""

    export = serializers.IntegerField(
        source="pk", read_only=True, help_text="The export log row of this draw."
    )
    at = serializers.DateTimeField(read_only=True, help_text="When it was drawn.")
    parameters = DossierPartField(
        read_only=True,
        help_text="from, to, sample, seed (send it again to draw the same) and population "
        "(how many versions were approved in the window).",
    )
    versions = serializers.SerializerMethodField(help_text="The versions drawn.")

    class Meta:
        model = DossierExport
        fields = ["export", "at", "parameters", "versions"]

    @extend_schema_field(DossierVersionRefOutputSerializer(many=True))
    def get_versions(self, export: DossierExport) -> list[dict]:
        return [
            {
                **ref,
                "dossier": f"/api/v1/articles/{ref['slug']}/versions/{ref['number']}/dossier/",
            }
            for ref in export.versions
        ]
