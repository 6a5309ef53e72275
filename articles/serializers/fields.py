"""Field builders shared by the working-copy serializers: topics, anchors, headings, bodies and
the change reason, each with the rule and help text the services and the schema agree on."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import (
    CHANGE_REASON_MAX_LENGTH,
    SLUG_PATTERN,
    Section,
    change_reason_validator,
    slug_validator,
)
from articles.services.validation import TOPIC_MAX_LENGTH, TOPICS_MAX
from ldncontent.serializers import StrictCharField

# The slug rule in the schema's (ECMA) dialect, where `\Z` is written `$`.
SCHEMA_SLUG_PATTERN = SLUG_PATTERN.replace("\\Z", "$")
ANCHOR_MAX_LENGTH = Section._meta.get_field("anchor").max_length
HEADING_MAX_LENGTH = Section._meta.get_field("heading").max_length


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


def anchor_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=ANCHOR_MAX_LENGTH,
        validators=[slug_validator],
        help_text="Stable id of the section within its article: lowercase letters, digits and "
        "hyphens, e.g. `tapering-off`.",
        **kwargs,
    )


def heading_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=HEADING_MAX_LENGTH,
        trim_whitespace=True,
        help_text="The section heading; not blank.",
        **kwargs,
    )


def body_field(**kwargs) -> StrictCharField:
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
