"""Serializer building blocks shared by every API: strict fields, unknown-field refusal, errors."""

from typing import Any

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


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(help_text="Machine-readable error code, e.g. `stale_etag`.")
    detail = serializers.CharField(help_text="What went wrong and what to do about it.")


class ValidationErrorSerializer(ErrorSerializer):
    """The body of a 400 response for invalid fields."""

    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Messages per field; nested fields are named like `sections[2].anchor`.",
    )
