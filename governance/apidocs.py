"""OpenAPI examples and error responses of the governance API."""

from drf_spectacular.utils import OpenApiExample

from articles.apidocs import EXAMPLE_HASH
from ldncontent.apidocs import error_response

FEEDBACK_INPUT_EXAMPLE = OpenApiExample(
    "report",
    value={
        "content_hash": EXAMPLE_HASH,
        "section_anchor": "how-to-stop",
        "category": "error",
        "text": "The dose in step 2 says 45 mg; the leaflet says 4.5 mg.",
    },
    request_only=True,
)
FEEDBACK_RECEIPT_EXAMPLE = OpenApiExample(
    "received",
    value={"id": 41, "received_at": "2026-12-01T09:30:00.000000Z", "version": 3},
    response_only=True,
)
EXAMPLE_FEEDBACK = {
    "id": 41,
    "article": "stopping-ldn",
    "version": 3,
    "content_hash": EXAMPLE_HASH,
    "section_anchor": "how-to-stop",
    "category": "error",
    "text": "The dose in step 2 says 45 mg; the leaflet says 4.5 mg.",
    "site": "Patient Forum UK",
    "received_at": "2026-12-01T09:30:00.000000Z",
    "status": "addressed",
    "addressed_in_version": 4,
    "resolution_note": "Dose corrected to 4.5 mg in version 4.",
}
FEEDBACK_LIST_EXAMPLE = OpenApiExample(
    "reports",
    value={"count": 1, "next": None, "previous": None, "results": [EXAMPLE_FEEDBACK]},
    response_only=True,
)
FEEDBACK_DETAIL_EXAMPLE = OpenApiExample(
    "report",
    value={
        **EXAMPLE_FEEDBACK,
        "transitions": [
            {
                "actor": "editor",
                "at": "2026-12-01T10:00:00.000000Z",
                "from_status": "new",
                "to_status": "triaged",
                "addressed_in_version": None,
                "note": "Checked against the leaflet: the reader is right.",
            },
            {
                "actor": "editor",
                "at": "2026-12-02T16:00:00.000000Z",
                "from_status": "triaged",
                "to_status": "addressed",
                "addressed_in_version": 4,
                "note": "Dose corrected to 4.5 mg in version 4.",
            },
        ],
    },
    response_only=True,
)
TRIAGE_INPUT_EXAMPLE = OpenApiExample(
    "addressed",
    value={
        "status": "addressed",
        "addressed_in_version": 4,
        "note": "Dose corrected to 4.5 mg in version 4.",
    },
    request_only=True,
)
REVIEW_FEEDBACK_EXAMPLE = OpenApiExample(
    "open errors",
    value={
        "review": 12,
        "article": "stopping-ldn",
        "open_errors": [{**EXAMPLE_FEEDBACK, "status": "triaged", "addressed_in_version": None}],
        "acknowledged": [],
    },
    response_only=True,
)
DOSSIER_EXAMPLE = OpenApiExample(
    "dossier",
    value={
        "dossier_format": 1,
        "article": {"id": 7, "slug": "stopping-ldn"},
        "version": 3,
        "content": {
            "snapshot": {
                "title": "Stopping low-dose naltrexone",
                "summary": "How to stop safely.",
                "topics": ["ldn"],
                "audience": "patient",
                "sections": [
                    {"anchor": "how-to-stop", "heading": "How to stop", "body": "Step 1 ..."}
                ],
            },
            "content_hash": EXAMPLE_HASH,
            "recomputed_hash": EXAMPLE_HASH,
            "hash_verified": True,
        },
        "previous_approved_version": 2,
        "diff": {"against": 2, "changed": True, "fields": [], "sections": []},
        "authors": [
            {
                "user": "editor",
                "edits": 4,
                "first_edit_at": "2026-11-18T10:00:00.000000Z",
                "last_edit_at": "2026-11-20T14:00:00.000000Z",
            }
        ],
        "submission": {"by": "editor", "at": "2026-11-20T14:05:00.000000Z", "note": "Doses."},
        "review": {
            "id": 12,
            "state": "approved",
            "kind": "full",
            "decided_by": "clinician",
            "decided_at": "2026-11-21T09:00:00.000000Z",
            "decision_note": "",
            "last_reviewed": "2026-11-21",
            "next_review_due": "2027-11-21",
        },
        "sign_offs": [
            {
                "role": "clinical",
                "role_name": "Clinical reviewer",
                "signer": "clinician",
                "name": "Dr Amina Okafor",
                "credentials": "MD, FRCP",
                "profession": "General practitioner",
                "registering_body": "GMC",
                "registration_number": "7654321",
                "meaning": "I have checked this content is clinically accurate and safe.",
                "checklist": [],
                "kind": "full",
                "note": "",
                "content_hash": EXAMPLE_HASH,
                "signed_at": "2026-11-21T09:00:00.000000Z",
            }
        ],
        "comments": [],
        "evidence_checks": [],
        "review_transitions": [
            {
                "at": "2026-11-20T14:05:00.000000Z",
                "actor": "editor",
                "from_state": "",
                "to_state": "submitted",
                "note": "Doses.",
            }
        ],
        "publication": {
            "published_at": "2026-11-21T09:00:00.000000Z",
            "flagged_overdue_at": None,
            "retracted_at": None,
            "events": [],
            "history": [],
        },
        "feedback": {
            "total": 1,
            "by_category": {"error": 1, "unclear": 0, "outdated": 0, "other": 0},
            "by_status": {"new": 0, "triaged": 0, "addressed": 1, "declined": 0},
        },
    },
    response_only=True,
)
DOSSIER_SAMPLE_EXAMPLE = OpenApiExample(
    "sample",
    value={
        "export": 5,
        "at": "2026-12-06T10:00:00.000000Z",
        "parameters": {
            "from": "2026-01-01",
            "to": "2026-12-31",
            "sample": 1,
            "seed": "assessor-2026",
            "population": 14,
        },
        "versions": [
            {
                "slug": "stopping-ldn",
                "number": 3,
                "content_hash": EXAMPLE_HASH,
                "dossier": "/api/v1/articles/stopping-ldn/versions/3/dossier/",
            }
        ],
    },
    response_only=True,
)

NOT_PUBLISHED = error_response(
    "No version with this content_hash was ever published under this slug (also for a slug "
    "that does not exist, or a version never approved: the answer is the same).",
    "version_not_published",
    "No version with this content_hash was ever published under this slug: send the "
    "content_hash of the article exactly as the delivery API served it to you.",
)
INVALID_API_KEY = error_response(
    "No valid consuming-site key was sent.",
    "authentication_failed",
    "Send a valid consuming-site key as `Authorization: Api-Key <key>`.",
)
THROTTLED = error_response(
    "This key sent more reports than FEEDBACK_RATE allows: retry after Retry-After seconds.",
    "throttled",
    "Request was throttled. Expected available in 120 seconds.",
)
INVALID_TRIAGE = error_response(
    "The report cannot move from its status to the one asked for.",
    "invalid_triage",
    "This report is declined: it can move to triaged, not addressed.",
)
EXPORT_FORBIDDEN = error_response(
    "Only publishing admins and clinical reviewers may export dossiers.",
    "not_allowed",
    "Only publishing-admins or clinical-reviewers may export dossiers.",
)
