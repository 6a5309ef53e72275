"""OpenAPI examples of the reviewer API."""

from drf_spectacular.utils import OpenApiExample

from articles.apidocs import EXAMPLE_ARTICLE, EXAMPLE_HASH, VERSION_DIFF_EXAMPLE
from articles.delivery.apidocs import PUBLISHED_ARTICLE_EXAMPLE

EXAMPLE_REVIEW = {
    "id": 12,
    "article": "stopping-ldn",
    "version": 2,
    "title": EXAMPLE_ARTICLE["title"],
    "content_hash": EXAMPLE_HASH,
    "state": "submitted",
    "submitted_by": "editor",
    "submitted_at": "2026-11-20T14:05:00Z",
    "sign_off_requests": [
        {
            "role": "clinical",
            "role_name": "Clinical reviewer",
            "required": True,
            "needed_for_change": True,
            "policies": ["Clinical sign-off"],
            "assignee": "clinician",
            "due_on": "2026-11-27",
            "signed": False,
        }
    ],
    "reviewer": None,
    "decided_at": None,
    "decision_note": "",
    "kind": "",
    "last_reviewed": None,
    "next_review_due": None,
}
REVIEW_EXAMPLE = OpenApiExample("review", value=EXAMPLE_REVIEW, response_only=True)
REVIEW_LIST_EXAMPLE = OpenApiExample(
    "queue",
    value={"count": 1, "next": None, "previous": None, "results": [EXAMPLE_REVIEW]},
    response_only=True,
)
APPROVED_EXAMPLE = OpenApiExample(
    "approved",
    value=EXAMPLE_REVIEW
    | {
        "state": "approved",
        "reviewer": "clinician",
        "decided_at": "2026-11-21T09:00:00Z",
        "kind": "full",
        "last_reviewed": "2026-11-21",
        "next_review_due": "2027-11-21",
    },
    response_only=True,
)
EXAMPLE_COMMENT = {
    "id": 3,
    "section_anchor": "tapering-off",
    "body": "Say that tapering is agreed with the prescriber, not done alone.",
    "author": "clinician",
    "resolved": False,
    "created_at": "2026-11-21T08:50:00Z",
}
REVIEW_DETAIL_EXAMPLE = OpenApiExample(
    "review with diff",
    value=EXAMPLE_REVIEW
    | {
        "summary": EXAMPLE_ARTICLE["summary"],
        "topics": EXAMPLE_ARTICLE["topics"],
        "audience": EXAMPLE_ARTICLE["audience"],
        "sections": [
            {key: value for key, value in section.items() if key != "position"}
            for section in EXAMPLE_ARTICLE["sections"]
        ],
        "diff_against_live": {
            "against": 1,
            "changed": True,
            "fields": VERSION_DIFF_EXAMPLE.value["fields"],
            "sections": VERSION_DIFF_EXAMPLE.value["sections"],
        },
        "earlier_approvals": [
            {
                "anchor": "introduction",
                "version": 1,
                "reviewer_name": "Dr Amina Okafor",
                "approved_at": "2026-10-02T10:00:00Z",
            }
        ],
        "comments": [EXAMPLE_COMMENT],
        "sign_offs": [],
        "transitions": [
            {
                "at": "2026-11-20T14:05:00Z",
                "actor": "editor",
                "from_state": "",
                "to_state": "submitted",
                "note": "Clearer tapering advice.",
            }
        ],
    },
    response_only=True,
)
SUBMIT_EXAMPLE = OpenApiExample(
    "submit", value={"note": "Clearer tapering advice."}, request_only=True
)
APPROVE_EXAMPLE = OpenApiExample(
    "full review",
    value={"content_hash": EXAMPLE_HASH, "kind": "full", "next_review_due": "2027-05-21"},
    request_only=True,
)
CHANGE_REVIEW_EXAMPLE = OpenApiExample(
    "change review",
    value={"content_hash": EXAMPLE_HASH, "kind": "change", "note": "Typo fixes only."},
    request_only=True,
)
REQUEST_CHANGES_EXAMPLE = OpenApiExample(
    "request changes",
    value={
        "note": "Nearly there.",
        "comments": [{"section_anchor": "tapering-off", "body": EXAMPLE_COMMENT["body"]}],
    },
    request_only=True,
)
REJECT_EXAMPLE = OpenApiExample(
    "reject",
    value={"note": "The dosing advice contradicts current guidance."},
    request_only=True,
)
WITHDRAW_EXAMPLE = OpenApiExample(
    "withdraw", value={"note": "Submitted too early."}, request_only=True
)
COMMENT_REQUEST_EXAMPLE = OpenApiExample(
    "comment",
    value={"section_anchor": "tapering-off", "body": EXAMPLE_COMMENT["body"]},
    request_only=True,
)
COMMENT_EXAMPLE = OpenApiExample("comment", value=EXAMPLE_COMMENT, response_only=True)
COMMENT_LIST_EXAMPLE = OpenApiExample("comments", value=[EXAMPLE_COMMENT], response_only=True)
RESOLVE_EXAMPLE = OpenApiExample("resolve", value={"resolved": True}, request_only=True)
REVIEW_STATUS_EXAMPLE = OpenApiExample(
    "live with unreviewed changes",
    value={
        "status": "live_with_unreviewed_changes",
        "live_version": 1,
        "latest_version": 1,
        "open_review_id": None,
        "next_review_due": "2027-10-02",
        "fields": [
            {"field": "title", "status": "same_as_live"},
            {"field": "summary", "status": "changed_since_approval"},
            {"field": "topics", "status": "same_as_live"},
            {"field": "audience", "status": "same_as_live"},
        ],
        "sections": [
            {"anchor": "introduction", "status": "same_as_live"},
            {"anchor": "tapering-off", "status": "changed_since_approval"},
            {"anchor": "after-stopping", "status": "new"},
            {"anchor": "dosage", "status": "removed"},
        ],
    },
    response_only=True,
)
# A preview is exactly what delivery would serve: the same document.
PREVIEW_EXAMPLE = OpenApiExample(
    "preview", value=PUBLISHED_ARTICLE_EXAMPLE.value, response_only=True
)
