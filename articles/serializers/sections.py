"""Input and output shapes of the sections API; rules live in services, not here."""

from django.conf import settings
from rest_framework import serializers

from articles.models import Section
from articles.serializers.fields import (
    ANCHOR_MAX_LENGTH,
    anchor_field,
    body_field,
    change_reason_field,
    heading_field,
)
from ldncontent.serializers import StrictCharField, StrictIntegerField, StrictSerializer


class SectionCreateInputSerializer(StrictSerializer):
    """POST /api/v1/articles/{slug}/sections/."""

    anchor = anchor_field()
    heading = heading_field()
    body = body_field(required=False, default="")
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

    heading = heading_field(required=False)
    body = body_field(required=False)
    position = StrictIntegerField(
        min_value=0, required=False, help_text="Move the section to this 0-based place."
    )
    reason = change_reason_field()


class SectionOrderInputSerializer(StrictSerializer):
    """PUT /api/v1/articles/{slug}/section-order/."""

    anchors = serializers.ListField(
        child=StrictCharField(max_length=ANCHOR_MAX_LENGTH),
        max_length=settings.ARTICLE_MAX_SECTIONS,
        help_text="Every anchor of the article exactly once, in the new order.",
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
