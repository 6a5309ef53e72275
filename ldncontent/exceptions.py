"""Domain error kinds: each business rule that refuses an operation raises one of these."""

from typing import Any

from django.conf import settings
from rest_framework import exceptions, status


class DomainError(Exception):
    """A business rule refused an operation; subclasses name the rule with a stable `code`."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    default_detail = "The request was refused."

    def __init__(self, detail: str | None = None, *, errors: dict[str, Any] | None = None):
        self.detail = detail or self.default_detail
        self.errors = errors
        super().__init__(self.detail)

    def describe(self) -> str:
        """The detail with every field error, as one sentence for a person (e.g. in the admin)."""
        if not self.errors:
            return self.detail
        fields = " ".join(f"{field}: {' '.join(texts)}" for field, texts in self.errors.items())
        return f"{self.detail} {fields}"


class InvalidContent(DomainError):
    """The content breaks a rule (limits, anchors, headings); `errors` says which field."""

    code = "invalid"
    default_detail = "The content is not valid: see `errors` for what to fix."


class NotAllowed(DomainError):
    """The user's role does not allow this operation."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "not_allowed"
    default_detail = "Your role does not allow this operation."


class Conflict(DomainError):
    """The operation conflicts with the current state of the resource."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_detail = "The operation conflicts with the current state."


class PreconditionRequired(DomainError):
    """A conditional header is required and was not sent."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    code = "if_match_required"
    default_detail = "Send an If-Match header with the ETag from your last GET of this article."


class PreconditionFailed(DomainError):
    """The conditional header no longer matches the current state."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    code = "stale_etag"
    default_detail = (
        "The article changed since you read it: GET it again, merge your change, and retry "
        "with the new ETag in If-Match."
    )


class MalformedIfMatch(DomainError):
    """The If-Match header is not `*` or a list of entity tags (RFC 9110)."""

    code = "malformed_if_match"
    default_detail = (
        "The If-Match header is not a list of entity tags: send the ETag exactly as your last "
        'GET returned it, double quotes included (e.g. If-Match: "5c1e…").'
    )


def too_large_detail() -> str:
    """What a client sending too large a body is told."""
    return (
        f"The request body is over {settings.API_MAX_REQUEST_BYTES} bytes: send less content "
        "per request."
    )


class RequestTooLarge(exceptions.APIException):
    """The request body is larger than API_MAX_REQUEST_BYTES."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."
