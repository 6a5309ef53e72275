"""OpenAPI pieces shared by every API: error responses, the If-Match header, examples."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from ldncontent.http import IF_MATCH_PATTERN
from ldncontent.serializers import ErrorSerializer, ValidationErrorSerializer


def error_response(description: str, code: str, detail: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description,
        examples=[OpenApiExample(code, value={"code": code, "detail": detail})],
    )


VALIDATION_ERROR = OpenApiResponse(
    response=ValidationErrorSerializer,
    description="The body is malformed JSON (or nests arrays and objects more than 32 levels "
    "deep) or has invalid, unknown or read-only fields. Nothing was changed.",
    examples=[
        OpenApiExample(
            "invalid",
            value={
                "code": "invalid",
                "detail": "The request has invalid fields: sections.1.heading: This field may "
                "not be blank.",
                "errors": {"sections": {"1": {"heading": ["This field may not be blank."]}}},
            },
        ),
        OpenApiExample(
            "malformed_json",
            value={
                "code": "malformed_json",
                "detail": "The body is not valid JSON: Expecting value: line 1 column 1 (char 0).",
            },
        ),
    ],
)
NOT_AUTHENTICATED = error_response(
    "No valid credentials were sent.",
    "not_authenticated",
    "Authentication required: send `Authorization: Bearer <token>`.",
)
FORBIDDEN = error_response(
    "Your role does not allow this operation.",
    "permission_denied",
    "Only editors may change articles.",
)
NOT_FOUND = error_response(
    "No such article or section.", "not_found", "No article has the slug 'stopping-ldn'."
)
CONFLICT = error_response(
    "The operation conflicts with existing data (a taken slug, anchor or external_id).",
    "anchor_taken",
    "The article already has a section with this anchor: choose another anchor.",
)
PRECONDITION_FAILED = OpenApiResponse(
    response=ErrorSerializer,
    description="If-Match does not name the article's current ETag: someone changed it since "
    'you read it. A weak tag (`W/"…"`) never matches a write (RFC 9110 strong comparison).',
    examples=[
        OpenApiExample(
            "stale_etag",
            value={
                "code": "stale_etag",
                "detail": "The article changed since you read it: GET it again, merge your "
                "change, and retry with the new ETag in If-Match.",
            },
        ),
        OpenApiExample(
            "weak_etag",
            value={
                "code": "stale_etag",
                "detail": "If-Match sent a weak entity tag (W/…), and a weak tag never matches a "
                "write (RFC 9110 strong comparison): send the ETag exactly as your last GET "
                "returned it, without W/.",
            },
        ),
    ],
)
PRECONDITION_REQUIRED = error_response(
    "The If-Match header is missing, blank, or `*` (which is refused).",
    "if_match_required",
    "Send an If-Match header with the ETag from your last GET of this article.",
)
TOO_LARGE = error_response(
    "The request body is over the size limit.",
    "request_too_large",
    "The request body is over 2097152 bytes: send less content per request.",
)
UNSUPPORTED_MEDIA_TYPE = error_response(
    "The body is not `application/json`.",
    "unsupported_media_type",
    'Unsupported media type "text/plain" in request.',
)

# A write under If-Match is also refused with 400 when the header is not `*` or a list of
# entity tags, before anything is read or changed.
MALFORMED_IF_MATCH_DESCRIPTION = (
    'If-Match is malformed: not `*` or a comma-separated list of entity tags such as `"5c1e…"` '
    "(RFC 9110), e.g. an ETag sent without its double quotes. Nothing was changed."
)
MALFORMED_IF_MATCH_EXAMPLE = OpenApiExample(
    "malformed_if_match",
    value={
        "code": "malformed_if_match",
        "detail": "The If-Match header is not a list of entity tags: send the ETag exactly as "
        'your last GET returned it, double quotes included (e.g. If-Match: "5c1e…").',
    },
)
CONDITIONAL_VALIDATION_ERROR = OpenApiResponse(
    response=ValidationErrorSerializer,
    description=f"{VALIDATION_ERROR.description} Or: {MALFORMED_IF_MATCH_DESCRIPTION}",
    examples=[*VALIDATION_ERROR.examples, MALFORMED_IF_MATCH_EXAMPLE],
)

READ_ERRORS = {401: NOT_AUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}
WRITE_ERRORS = {
    400: VALIDATION_ERROR,
    401: NOT_AUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: CONFLICT,
    412: PRECONDITION_FAILED,
    413: TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    428: PRECONDITION_REQUIRED,
}
CONDITIONAL_WRITE_ERRORS = {**WRITE_ERRORS, 400: CONDITIONAL_VALIDATION_ERROR}

IF_MATCH_SCHEMA = {"type": "string", "pattern": IF_MATCH_PATTERN}
IF_MATCH_EXAMPLE = OpenApiExample(
    "etag", value='"3f1c0e5b0a6d4b8f9a2e7c1d5b3a9f0e6c2d8b4a1f7e3c9d5b0a6e2f8c4d1b7a"'
)
IF_MATCH_RULES = (
    "Send it exactly as the ETag header gave it, double quotes included; a list of tags "
    "matches when one of them is current. Missing, blank or `*`: 428. Malformed (e.g. without "
    'the double quotes): 400 `malformed_if_match`. Not current, or weak (`W/"…"`, which never '
    "matches a write): 412."
)

IF_MATCH = OpenApiParameter(
    name="If-Match",
    type=IF_MATCH_SCHEMA,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The article's ETag from your last GET (or from the last write's response). "
    + IF_MATCH_RULES,
    examples=[IF_MATCH_EXAMPLE],
)
IF_MATCH_UNLESS_CREATING = OpenApiParameter(
    name="If-Match",
    type=IF_MATCH_SCHEMA,
    location=OpenApiParameter.HEADER,
    required=False,
    description="To replace an existing article: its ETag from your last GET. Leave it out to "
    "create a new one (with it: 412, as no current version matches). " + IF_MATCH_RULES,
    examples=[IF_MATCH_EXAMPLE],
)
ETAG_HEADER = OpenApiParameter(
    name="ETag",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[200, 201],
    description="The article's current ETag: send it in If-Match on your next write.",
)


def require_bodies_with_min_properties(result: dict, generator, request, public) -> dict:
    """Schema postprocessing: a request body whose schema needs some property is required.

    drf-spectacular requires a body only when it has required fields, but a body with
    `minProperties` (e.g. a PATCH that must change something) may not be left out either.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            for media in (body or {}).get("content", {}).values():
                name = media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                if schemas.get(name, {}).get("minProperties"):
                    body["required"] = True
    return result


_SERVER_ERROR_SCHEMAS = {
    "DatabaseUnavailableError": {
        "type": "object",
        "description": "The database is down or busy.",
        "properties": {
            "code": {"type": "string", "enum": ["database_unavailable"]},
            "detail": {"type": "string", "description": "What happened and when to retry."},
            "retry_after": {"type": "integer", "description": "Seconds to wait, as Retry-After."},
            "request_id": {"type": "string", "description": "Quote it if you report this."},
        },
        "required": ["code", "detail", "retry_after", "request_id"],
    },
    "ServerError": {
        "type": "object",
        "description": "The server failed; the details are in its log, under request_id.",
        "properties": {
            "code": {"type": "string", "enum": ["server_error"]},
            "detail": {"type": "string", "description": "What to do about it."},
            "request_id": {"type": "string", "description": "Quote it if you report this."},
        },
        "required": ["code", "detail", "request_id"],
    },
}
_SERVER_ERROR_RESPONSES = {
    "503": {
        "description": "The database is unavailable or busy: retry after Retry-After seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/DatabaseUnavailableError"},
                "examples": {
                    "database_unavailable": {
                        "value": {
                            "code": "database_unavailable",
                            "detail": "The database is unavailable or busy. Retry in 5 seconds.",
                            "retry_after": 5,
                            "request_id": "9f1c2b7e4d5a48e0b6a3c1d2e3f40516",
                        }
                    }
                },
            }
        },
    },
    "500": {
        "description": "An unexpected failure, logged under request_id (also X-Request-ID).",
        "headers": {"X-Request-ID": {"schema": {"type": "string"}}},
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ServerError"},
                "examples": {
                    "server_error": {
                        "value": {
                            "code": "server_error",
                            "detail": "The server failed to answer this request; it has been "
                            "logged. Quote the request_id if you report it.",
                            "request_id": "9f1c2b7e4d5a48e0b6a3c1d2e3f40516",
                        }
                    }
                },
            }
        },
    },
}


def document_server_errors(result: dict, generator, request, public) -> dict:
    """Schema postprocessing: every operation may answer 503 (database down) or 500.

    ldncontent.error_handler gives both for any path under /api/, so they are documented
    here once rather than on each view.
    """
    result.setdefault("components", {}).setdefault("schemas", {}).update(_SERVER_ERROR_SCHEMAS)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                for status, response in _SERVER_ERROR_RESPONSES.items():
                    operation["responses"].setdefault(status, response)
    return result
