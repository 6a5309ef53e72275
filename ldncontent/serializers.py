"""Serializer building blocks shared by every API: strict fields, unknown-field refusal, errors."""

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer field that refuses strings, floats and booleans."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean field that refuses strings and numbers (`"yes"`, `1`) instead of guessing."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class RejectUnknownFieldsMixin:
    """Refuse input keys that are not writable fields: a typo or a read-only field is reported."""

    def to_internal_value(self, data: Any) -> Any:
        unknown_errors = {}
        if isinstance(data, dict):
            writable = sorted(name for name, field in self.fields.items() if not field.read_only)
            message = "Unknown or read-only field: remove it. Writable fields: " + ", ".join(
                writable
            )
            unknown_errors = {name: [message + "."] for name in sorted(set(data) - set(writable))}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown_errors and isinstance(error.detail, dict):
                error.detail.update(unknown_errors)
            raise
        if unknown_errors:
            raise serializers.ValidationError(unknown_errors)
        return value


class StrictSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """An input serializer that refuses unknown fields."""

    # The fewest fields a request must send (0: any number), for the schema's minProperties;
    # a serializer that needs some checks it in `validate`.
    min_fields = 0
    # Fields of which a request must send at least one (the schema's anyOf), when some other
    # field (such as a change reason) may not be sent alone.
    required_any: tuple[str, ...] = ()

    def validate(self, attrs):
        if self.required_any and not set(attrs) & set(self.required_any):
            raise serializers.ValidationError(
                f"Send at least one of {', '.join(self.required_any)}."
            )
        return super().validate(attrs)


class StrictSerializerScheme(OpenApiSerializerExtension):
    """In the schema, a StrictSerializer's body allows no properties beyond its fields."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
            if self.target.min_fields:
                schema["minProperties"] = self.target.min_fields
            if self.target.required_any:
                schema["anyOf"] = [{"required": [name]} for name in self.target.required_any]
        return schema


# A character that is not whitespace to Python's str.strip(), which DRF trims with: spelled
# out, because the `\s` of a schema's (ECMA) pattern is another set (it has no U+001C-U+001F).
NOT_SPACE_PATTERN = (
    r"[^\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


class StrictCharFieldScheme(OpenApiSerializerFieldExtension):
    """In the schema, a trimmed string that may not be blank needs a character that is not space.

    A field with a pattern of its own (e.g. a slug's, which has no spaces) keeps that one.
    """

    target_class = StrictCharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        has_pattern = any(isinstance(v, RegexValidator) for v in field.validators)
        if field.trim_whitespace and not field.allow_blank and not has_pattern:
            schema["pattern"] = NOT_SPACE_PATTERN
        return schema


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(help_text="Machine-readable error code, e.g. `stale_etag`.")
    detail = serializers.CharField(help_text="What went wrong and what to do about it.")


class ValidationErrorSerializer(ErrorSerializer):
    """The body of a 400 response for invalid fields."""

    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Messages per field; those of list items are nested by index, e.g. "
        '`{"sections": {"2": {"anchor": ["..."]}}}`. '
        "Absent when the body is not JSON at all, or the rule is not about one field.",
    )
