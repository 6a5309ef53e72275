"""Input and output shapes of the authoring API; rules live in services, not here."""

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import (
    CHANGE_REASON_MAX_LENGTH,
    SLUG_PATTERN,
    Article,
    Audience,
    ConsumerSite,
    DeliveryAttempt,
    EventType,
    Publication,
    Section,
    Version,
    WebhookDelivery,
    WebhookEndpoint,
    change_reason_validator,
    slug_validator,
)
from articles.services.working_copy import TOPIC_MAX_LENGTH, TOPICS_MAX, TOPICS_RULE
from articles.webhook_transport import URL_MAX_LENGTH, webhook_url_pattern, webhook_url_rules
from ldncontent.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)

# The slug rule in the schema's (ECMA) dialect, where `\Z` is written `$`.
SCHEMA_SLUG_PATTERN = SLUG_PATTERN.replace("\\Z", "$")


@extend_schema_field(
    {
        "type": "array",
        "maxItems": TOPICS_MAX,
        "items": {"type": "string", "pattern": SCHEMA_SLUG_PATTERN, "maxLength": TOPIC_MAX_LENGTH},
    }
)
class TopicsField(serializers.ListField):
    """Topic slugs: the service checks the rule (TOPICS_RULE) for every path; the schema states
    it, so clients generated from the schema send only topics the service accepts."""

    child = StrictCharField()


def _anchor_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=80,
        validators=[slug_validator],
        help_text="Stable id of the section within its article: lowercase letters, digits and "
        "hyphens, e.g. `tapering-off`.",
        **kwargs,
    )


def _heading_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=200, trim_whitespace=True, help_text="The section heading; not blank.", **kwargs
    )


def _body_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=settings.SECTION_BODY_MAX_CHARS,
        help_text="The section text in CommonMark Markdown, at most "
        f"{settings.SECTION_BODY_MAX_CHARS} characters.",
        **kwargs,
    )


def change_reason_field() -> StrictCharField:
    """Why a write is made: the body's `reason` field, and the rules of X-Change-Reason."""
    return StrictCharField(
        required=False,
        trim_whitespace=False,
        max_length=CHANGE_REASON_MAX_LENGTH,
        validators=[change_reason_validator],
        help_text="Why you make this change, kept in the article's history (the history's "
        f"`reason`): one line, at most {CHANGE_REASON_MAX_LENGTH} characters. Or send it in the "
        "X-Change-Reason header, not both (400 `change_reason_twice`). Left out, the history "
        "records the operation, e.g. `Edited tapering-off`.",
    )


class ArticleSectionInputSerializer(StrictSerializer):
    """One section of a whole document sent with POST or PUT."""

    anchor = _anchor_field()
    heading = _heading_field()
    body = _body_field(required=False, default="")


class ArticleFieldsInputSerializer(StrictSerializer):
    """The article's own writable fields."""

    title = StrictCharField(max_length=200, help_text="Title as readers see it; not blank.")
    summary = StrictCharField(
        max_length=1000,
        allow_blank=True,
        required=False,
        help_text="One or two sentences for listings and search.",
    )
    topics = TopicsField(required=False, help_text=TOPICS_RULE)
    audience = serializers.ChoiceField(
        choices=Audience.choices, required=False, help_text="Who the article is written for."
    )
    external_id = StrictCharField(
        max_length=200,
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text="The CMS's own id for this article; unique; null or empty to clear.",
    )
    reason = change_reason_field()


class ArticleCreateInputSerializer(ArticleFieldsInputSerializer):
    """POST /api/v1/articles/: a new article, optionally with its sections."""

    slug = StrictCharField(
        max_length=120,
        validators=[slug_validator],
        help_text="URL name of the article, unique, e.g. `stopping-ldn`; cannot change later.",
    )
    sections = ArticleSectionInputSerializer(
        many=True, required=False, help_text="The sections, in order."
    )


class ArticleReplaceInputSerializer(ArticleFieldsInputSerializer):
    """PUT /api/v1/articles/{slug}/: the whole document; omitted optional fields are reset."""

    sections = ArticleSectionInputSerializer(
        many=True,
        help_text="Every section, in order, matched by anchor: listed anchors are updated or "
        "created, anchors not listed are deleted.",
    )


class ArticleUpdateInputSerializer(ArticleFieldsInputSerializer):
    """PATCH /api/v1/articles/{slug}/: some of the article's own fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class SectionCreateInputSerializer(StrictSerializer):
    """POST /api/v1/articles/{slug}/sections/."""

    anchor = _anchor_field()
    heading = _heading_field()
    body = _body_field(required=False, default="")
    position = StrictIntegerField(
        min_value=0,
        required=False,
        help_text="0-based place for the new section; later sections move down. Default: last.",
    )
    reason = change_reason_field()


class SectionUpdateInputSerializer(StrictSerializer):
    """PATCH /api/v1/articles/{slug}/sections/{anchor}/: heading, body and/or position."""

    min_fields = 1
    required_any = ("heading", "body", "position")

    heading = _heading_field(required=False)
    body = _body_field(required=False)
    position = StrictIntegerField(
        min_value=0, required=False, help_text="Move the section to this 0-based place."
    )
    reason = change_reason_field()


class SectionOrderInputSerializer(StrictSerializer):
    """PUT /api/v1/articles/{slug}/section-order/."""

    anchors = serializers.ListField(
        child=StrictCharField(max_length=80),
        max_length=settings.ARTICLE_MAX_SECTIONS,
        help_text="Every anchor of the article exactly once, in the new order.",
    )
    reason = change_reason_field()


class ArticleRevertInputSerializer(StrictSerializer):
    """POST /api/v1/articles/{slug}/revert/: the version whose content the working copy gets."""

    version = StrictIntegerField(
        min_value=1,
        max_value=2_147_483_647,
        help_text="The number of the article's version to revert to (see its versions list).",
    )
    reason = change_reason_field()


class SectionOutputSerializer(serializers.ModelSerializer):
    """A section of the working copy."""

    class Meta:
        model = Section
        fields = ["anchor", "heading", "body", "position"]
        read_only_fields = fields


class SectionOrderOutputSerializer(serializers.Serializer):
    """The article's anchors in order."""

    anchors = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Anchors in order."
    )


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

    class Meta(ArticleSummaryOutputSerializer.Meta):
        fields = [*ArticleSummaryOutputSerializer.Meta.fields, "etag", "sections"]
        read_only_fields = fields

    def get_etag(self, article) -> str:
        return self.context["etag"]

    @extend_schema_field(SectionOutputSerializer(many=True))
    def get_sections(self, article) -> list:
        return SectionOutputSerializer(self.context["sections"], many=True).data


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


class VersionOutputSerializer(VersionSummaryOutputSerializer):
    """A frozen version with its sections in order."""

    sections = VersionSectionOutputSerializer(many=True, read_only=True)

    class Meta(VersionSummaryOutputSerializer.Meta):
        fields = [*VersionSummaryOutputSerializer.Meta.fields, "sections"]
        read_only_fields = fields


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


class SnapshotDiffOutputSerializer(serializers.Serializer):
    """Every difference between two versions: content fields first, then sections."""

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


def _webhook_url_field(**kwargs) -> StrictCharField:
    """The endpoint URL, with the pattern and rules the services check (no `format: uri`,
    which allows schemes and hosts the server refuses)."""
    return StrictCharField(
        max_length=URL_MAX_LENGTH,
        validators=[
            RegexValidator(
                webhook_url_pattern(),
                message="Give a URL the server accepts: " + webhook_url_rules(),
            )
        ],
        help_text="Where events are POSTed. " + webhook_url_rules(),
        **kwargs,
    )


class WebhookEndpointOutputSerializer(serializers.ModelSerializer):
    """A webhook endpoint (the secret is shown only when created or rotated)."""

    url = serializers.CharField(read_only=True, help_text="Where events are POSTed.")
    site = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The consuming site; null for the CMS."
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "site", "event_types", "active", "created_at"]
        read_only_fields = fields


class WebhookEndpointSecretOutputSerializer(WebhookEndpointOutputSerializer):
    """A webhook endpoint with its signing secret: shown once, keep it safe."""

    class Meta(WebhookEndpointOutputSerializer.Meta):
        fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointChangedOutputSerializer(WebhookEndpointOutputSerializer):
    """A changed webhook endpoint, with its new secret only when `rotate_secret` was true."""

    # Documents PATCH's answer only: the view renders one of the two serializers above.
    secret = serializers.CharField(
        required=False, help_text="The new signing secret, only when rotated: shown once."
    )

    class Meta(WebhookEndpointOutputSerializer.Meta):
        fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]
        read_only_fields = WebhookEndpointOutputSerializer.Meta.fields


class WebhookEndpointCreateInputSerializer(StrictSerializer):
    """A new webhook endpoint."""

    name = StrictCharField(max_length=200, help_text="What this endpoint is.")
    url = _webhook_url_field()
    site = serializers.PrimaryKeyRelatedField(
        queryset=ConsumerSite.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A consuming site's id (it receives public events only); null for the CMS.",
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        required=False,
        default=list,
        max_length=20,
        help_text="Event types to send; empty for all the endpoint may receive.",
    )


class WebhookEndpointUpdateInputSerializer(StrictSerializer):
    """Changes to a webhook endpoint."""

    name = StrictCharField(max_length=200, required=False)
    url = _webhook_url_field(required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False, max_length=20
    )
    active = StrictBooleanField(
        required=False,
        help_text="False stops all deliveries at once: those pending, retries included, are "
        "cancelled and stay cancelled when it is switched on again (replay the ones still "
        "wanted).",
    )
    rotate_secret = StrictBooleanField(
        required=False, default=False, help_text="True issues a new secret (shown once)."
    )


class DeliveryAttemptOutputSerializer(serializers.ModelSerializer):
    """One HTTP attempt of a delivery."""

    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "status_code", "duration_ms", "error", "outcome"]
        read_only_fields = fields


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    """One event's delivery to one endpoint, with its attempt log."""

    event_id = serializers.CharField(
        source="event.position",
        read_only=True,
        help_text="The event's position (webhook-id evt_<n>).",
    )
    event_type = serializers.CharField(source="event.type", read_only=True)
    slug = serializers.CharField(source="event.slug", read_only=True)
    attempt_log = DeliveryAttemptOutputSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "slug",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "attempt_log",
        ]
        read_only_fields = fields
