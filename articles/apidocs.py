"""OpenAPI examples of the authoring API, and its change-reason header and refusals (delivery's
examples are in articles.delivery.apidocs)."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from articles.models import CHANGE_REASON_MAX_LENGTH
from ldncontent.apidocs import (
    CONDITIONAL_VALIDATION_ERROR,
    CONDITIONAL_WRITE_ERRORS,
    MALFORMED_IF_MATCH_DESCRIPTION,
    MALFORMED_IF_MATCH_EXAMPLE,
    VALIDATION_ERROR,
    WRITE_ERRORS,
)
from ldncontent.serializers import ValidationErrorSerializer

EXAMPLE_ETAG = '"3f1c0e5b0a6d4b8f9a2e7c1d5b3a9f0e6c2d8b4a1f7e3c9d5b0a6e2f8c4d1b7a"'

EXAMPLE_SECTION = {
    "anchor": "tapering-off",
    "heading": "Tapering off",
    "body": "Your prescriber may suggest lowering the dose in small steps over a few weeks.",
    "position": 2,
}

EXAMPLE_ARTICLE = {
    "slug": "stopping-ldn",
    "title": "Stopping low-dose naltrexone safely",
    "summary": "Why people stop LDN, what may happen, and how to plan it with a prescriber.",
    "topics": ["ldn", "medication-changes"],
    "audience": "patient",
    "external_id": "cms-4711",
    "author": "editor",
    "created_at": "2026-11-02T09:15:00Z",
    "updated_at": "2026-11-20T14:03:11Z",
    "etag": EXAMPLE_ETAG,
    "sections": [
        {
            "anchor": "introduction",
            "heading": "Introduction",
            "body": "Many people who take LDN ask what happens if they stop.",
            "position": 0,
        },
        {
            "anchor": "reasons-to-stop",
            "heading": "Reasons to stop",
            "body": "- Side effects such as vivid dreams\n- No benefit after a fair trial",
            "position": 1,
        },
        EXAMPLE_SECTION,
    ],
}

ARTICLE_EXAMPLE = OpenApiExample("article", value=EXAMPLE_ARTICLE, response_only=True)
ARTICLE_LIST_EXAMPLE = OpenApiExample(
    "articles",
    value={
        "count": 1,
        "next": None,
        "previous": None,
        "results": [{k: v for k, v in EXAMPLE_ARTICLE.items() if k not in {"etag", "sections"}}],
    },
    response_only=True,
)
ARTICLE_CREATE_EXAMPLE = OpenApiExample(
    "new article",
    value={
        "slug": "stopping-ldn",
        "title": "Stopping low-dose naltrexone safely",
        "summary": "Why people stop LDN, what may happen, and how to plan it with a prescriber.",
        "topics": ["ldn"],
        "audience": "patient",
        "sections": [
            {
                "anchor": "introduction",
                "heading": "Introduction",
                "body": "Many people who take LDN ask what happens if they stop.",
            }
        ],
    },
    request_only=True,
)
ARTICLE_REPLACE_EXAMPLE = OpenApiExample(
    "whole document",
    value={k: v for k, v in ARTICLE_CREATE_EXAMPLE.value.items() if k != "slug"}
    | {"external_id": "cms-4711"},
    request_only=True,
)
ARTICLE_UPDATE_EXAMPLE = OpenApiExample(
    "new title", value={"title": "Stopping LDN: a patient's guide"}, request_only=True
)
SECTION_EXAMPLE = OpenApiExample("section", value=EXAMPLE_SECTION, response_only=True)
SECTION_LIST_EXAMPLE = OpenApiExample(
    "sections", value=EXAMPLE_ARTICLE["sections"], response_only=True
)
SECTION_CREATE_EXAMPLE = OpenApiExample(
    "new section",
    value={
        "anchor": "after-stopping",
        "heading": "After stopping",
        "body": "Symptoms that LDN eased may come back over some weeks.",
        "position": 3,
    },
    request_only=True,
)
SECTION_UPDATE_EXAMPLE = OpenApiExample(
    "new body",
    value={
        "body": "Lower the dose in steps of 0.5 to 1 mg, as your prescriber advises.",
        "reason": "Steps agreed with the pharmacist",
    },
    request_only=True,
)
ARTICLE_REVERT_EXAMPLE = OpenApiExample(
    "revert to version 3",
    value={"version": 3, "reason": "Back to the wording the clinician approved"},
    request_only=True,
)
SECTION_ORDER_REQUEST_EXAMPLE = OpenApiExample(
    "new order",
    value={"anchors": ["introduction", "tapering-off", "reasons-to-stop"]},
    request_only=True,
)
SECTION_ORDER_EXAMPLE = OpenApiExample(
    "order",
    value={"anchors": ["introduction", "reasons-to-stop", "tapering-off"]},
    response_only=True,
)
HISTORY_EXAMPLE = OpenApiExample(
    "history",
    value={
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "history_id": 42,
                "object_type": "section",
                "anchor": "tapering-off",
                "action": "changed",
                "changed_at": "2026-11-20T14:03:11Z",
                "changed_by": "editor",
                "reason": "Steps agreed with the pharmacist",
                "changes": [
                    {
                        "field": "body",
                        "old": "Lower the dose slowly.",
                        "new": EXAMPLE_SECTION["body"],
                    }
                ],
            },
            {
                "history_id": 7,
                "object_type": "article",
                "anchor": None,
                "action": "created",
                "changed_at": "2026-11-02T09:15:00Z",
                "changed_by": "editor",
                "reason": "Created",
                "changes": [{"field": "title", "old": None, "new": EXAMPLE_ARTICLE["title"]}],
            },
        ],
    },
    response_only=True,
)

# Why a write was made: the X-Change-Reason header, or the `reason` field of the body.
CHANGE_REASON_HEADER = "X-Change-Reason"
CHANGE_REASON = OpenApiParameter(
    name=CHANGE_REASON_HEADER,
    type={
        "type": "string",
        "minLength": 1,
        "maxLength": CHANGE_REASON_MAX_LENGTH,
        "pattern": r"^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$",
    },
    location=OpenApiParameter.HEADER,
    required=False,
    description="Why you make this change, kept in the article's history (the history's "
    f"`reason`): printable ASCII, at most {CHANGE_REASON_MAX_LENGTH} characters (other text "
    "goes in the body's `reason` field). Send it here or in the body, not both: 400 "
    "`change_reason_twice`. Left out, the history records the operation, e.g. `Edited "
    "tapering-off`.",
    examples=[OpenApiExample("reason", value="Dose corrected after the pharmacist's review")],
)
_CHANGE_REASON_REFUSALS = (
    "Or the change reason breaks its rules (one line of text, at most "
    f"{CHANGE_REASON_MAX_LENGTH} characters, printable ASCII in the header), or was sent both "
    "in X-Change-Reason and in `reason` (`change_reason_twice`)."
)
_INVALID_CHANGE_REASON_EXAMPLE = OpenApiExample(
    "invalid_change_reason",
    value={
        "code": "invalid",
        "detail": "The request has invalid fields: X-Change-Reason: Say why in one line of "
        "text: no control characters (line breaks, tabs, escapes), and not only spaces.",
        "errors": {
            "X-Change-Reason": [
                "Say why in one line of text: no control characters (line breaks, tabs, "
                "escapes), and not only spaces."
            ]
        },
    },
)
_CHANGE_REASON_TWICE_EXAMPLE = OpenApiExample(
    "change_reason_twice",
    value={
        "code": "change_reason_twice",
        "detail": "The change reason was sent twice: send it in the X-Change-Reason header or "
        "in the `reason` field, not both.",
    },
)


def _with_change_reason_refusals(response: OpenApiResponse) -> OpenApiResponse:
    return OpenApiResponse(
        response=ValidationErrorSerializer,
        description=f"{response.description} {_CHANGE_REASON_REFUSALS}",
        examples=[
            *response.examples,
            _INVALID_CHANGE_REASON_EXAMPLE,
            _CHANGE_REASON_TWICE_EXAMPLE,
        ],
    )


# The error responses of writes to the working copy: without If-Match (creating), with it,
# and a DELETE, whose only input is its headers.
CREATE_ERRORS = {**WRITE_ERRORS, 400: _with_change_reason_refusals(VALIDATION_ERROR)}
CONDITIONAL_ERRORS = {
    **CONDITIONAL_WRITE_ERRORS,
    400: _with_change_reason_refusals(CONDITIONAL_VALIDATION_ERROR),
}
DELETE_ERRORS = {
    **{code: response for code, response in WRITE_ERRORS.items() if code not in {400, 413}},
    400: OpenApiResponse(
        response=ValidationErrorSerializer,
        description=f"{MALFORMED_IF_MATCH_DESCRIPTION} Or X-Change-Reason breaks its rules "
        f"(printable ASCII, at most {CHANGE_REASON_MAX_LENGTH} characters).",
        examples=[MALFORMED_IF_MATCH_EXAMPLE, _INVALID_CHANGE_REASON_EXAMPLE],
    ),
}

EXAMPLE_HASH = "9b2f6c1e4d8a7b3c5e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"
EXAMPLE_VERSION = {
    "number": 2,
    "content_hash": EXAMPLE_HASH,
    "title": EXAMPLE_ARTICLE["title"],
    "summary": EXAMPLE_ARTICLE["summary"],
    "topics": EXAMPLE_ARTICLE["topics"],
    "audience": "patient",
    "submitted_by": "editor",
    "submitted_at": "2026-11-20T14:05:00Z",
    "note": "Clearer tapering advice.",
}
VERSION_LIST_EXAMPLE = OpenApiExample("versions", value=[EXAMPLE_VERSION], response_only=True)
VERSION_EXAMPLE = OpenApiExample(
    "version",
    value=EXAMPLE_VERSION
    | {
        "sections": [
            {key: value for key, value in section.items() if key != "position"}
            for section in EXAMPLE_ARTICLE["sections"]
        ]
    },
    response_only=True,
)
VERSION_DIFF_EXAMPLE = OpenApiExample(
    "diff against live",
    value={
        "version": 2,
        "against": 1,
        "changed": True,
        "fields": [
            {
                "field": "title",
                "status": "unchanged",
                "old": "Stopping LDN",
                "new": "Stopping LDN",
                "diff": [],
            },
            {
                "field": "summary",
                "status": "changed",
                "old": "How to stop safely.",
                "new": "How to stop safely, step by step.",
                "diff": [
                    {"op": "equal", "text": "How to stop "},
                    {"op": "delete", "text": "safely."},
                    {"op": "insert", "text": "safely, step by step."},
                ],
            },
            {"field": "topics", "status": "unchanged", "old": ["ldn"], "new": ["ldn"], "diff": []},
            {
                "field": "audience",
                "status": "unchanged",
                "old": "patient",
                "new": "patient",
                "diff": [],
            },
        ],
        "sections": [
            {
                "anchor": "tapering-off",
                "status": "changed",
                "moved": False,
                "old_position": 2,
                "new_position": 2,
                "old_heading": "Tapering off",
                "new_heading": "Tapering off",
                "old_body": "Lower the dose slowly.",
                "new_body": "Lower the dose in small steps.",
                "heading_diff": [],
                "body_diff": [
                    {"op": "equal", "text": "Lower the dose "},
                    {"op": "delete", "text": "slowly."},
                    {"op": "insert", "text": "in small steps."},
                ],
            }
        ],
    },
    response_only=True,
)
RETRACT_REQUEST_EXAMPLE = OpenApiExample(
    "reason",
    value={"reason": "New guidance on tapering is being reviewed."},
    request_only=True,
)
RETRACTED_EXAMPLE = OpenApiExample(
    "retracted",
    value={
        "slug": "stopping-ldn",
        "version": 2,
        "status": "retracted",
        "content_hash": EXAMPLE_HASH,
        "reviewer_name": "Dr Amina Okafor",
        "reviewer_credentials": "MBBS, MRCGP",
        "review_kind": "full",
        "approved_at": "2026-11-21T09:00:00Z",
        "last_reviewed": "2026-11-21",
        "next_review_due": "2027-11-21",
        "published_at": "2026-11-21T09:00:00Z",
        "retracted_at": "2026-11-25T16:30:00Z",
        "retraction_reason": "New guidance on tapering is being reviewed.",
        "retracted_by": "publisher",
    },
    response_only=True,
)
