"""OpenAPI examples of the reviewer API."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from articles.apidocs import EXAMPLE_ARTICLE, EXAMPLE_HASH, VERSION_DIFF_EXAMPLE
from articles.delivery.apidocs import PUBLISHED_ARTICLE_EXAMPLE
from ldncontent.serializers import ErrorSerializer

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
            "overdue": False,
        }
    ],
    "reviewer": None,
    "decided_at": None,
    "decision_note": "",
    "kind": "",
    "last_reviewed": None,
    "next_review_due": None,
    "publication_requested": None,
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
SCHEDULED_APPROVAL_EXAMPLE = OpenApiExample(
    "approved for a time, awaiting the pharmacist",
    value=EXAMPLE_REVIEW
    | {
        "publication_requested": {
            "publish_at": "2026-12-01T09:00:00Z",
            "release": None,
            "release_name": None,
            "release_publish_at": None,
            "requested_by": "clinician",
            "requested_at": "2026-11-21T09:00:00Z",
        }
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


# --- sign-offs -----------------------------------------------------------------------------------


def refusals(description: str, *examples: tuple[str, str]) -> OpenApiResponse:
    """An error response that several rules may give, one example per code."""
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(code, value={"code": code, "detail": detail})
            for code, detail in examples
        ],
    )


PHARMACIST_CHECKLIST = ["Doses checked against the BNF"]
EXAMPLE_PHARMACIST_REQUEST = {
    "role": "pharmacist",
    "role_name": "Pharmacist",
    "required": True,
    "needed_for_change": False,
    "policies": ["Medicines"],
    "assignee": "sam-patel",
    "due_on": "2026-11-27",
    "signed": False,
    "overdue": False,
}
EXAMPLE_PHARMACIST_SIGN_OFF = {
    "role": "pharmacist",
    "role_name": "Pharmacist",
    "signer": "sam-patel",
    "signer_name": "Sam Patel",
    "signer_credentials": "MPharm",
    "signer_profession": "Pharmacist",
    "registering_body": "GPhC",
    "registration_number": "2070000",
    "meaning": "I confirm the medicines information is accurate.",
    "checklist": PHARMACIST_CHECKLIST,
    "kind": "",
    "last_reviewed": None,
    "next_review_due": None,
    "note": "",
    "content_hash": EXAMPLE_HASH,
    "signed_at": "2026-11-21T10:30:00Z",
}
SIGN_OFF_EXAMPLE = OpenApiExample(
    "pharmacist",
    value={"role": "pharmacist", "content_hash": EXAMPLE_HASH, "checklist": PHARMACIST_CHECKLIST},
    request_only=True,
)
CLINICAL_SIGN_OFF_EXAMPLE = OpenApiExample(
    "clinical, full review",
    value={
        "role": "clinical",
        "content_hash": EXAMPLE_HASH,
        "kind": "full",
        "next_review_due": "2027-05-21",
        "note": "Checked against current guidance.",
    },
    request_only=True,
)
SIGNED_REVIEW_EXAMPLE = OpenApiExample(
    "awaiting the clinical sign-off",
    value=EXAMPLE_REVIEW
    | {
        "sign_off_requests": [
            EXAMPLE_REVIEW["sign_off_requests"][0],
            EXAMPLE_PHARMACIST_REQUEST | {"signed": True},
        ],
        "sign_offs": [EXAMPLE_PHARMACIST_SIGN_OFF],
    },
    response_only=True,
)
ASSIGN_EXAMPLE = OpenApiExample(
    "assign", value={"assignee": "sam-patel", "due_on": "2026-11-27"}, request_only=True
)
UNASSIGN_EXAMPLE = OpenApiExample(
    "unassign", value={"assignee": None, "due_on": None}, request_only=True
)
ASSIGNED_REVIEW_EXAMPLE = OpenApiExample(
    "assigned",
    value=EXAMPLE_REVIEW
    | {
        "sign_off_requests": [EXAMPLE_REVIEW["sign_off_requests"][0], EXAMPLE_PHARMACIST_REQUEST],
        "sign_offs": [],
    },
    response_only=True,
)
EXAMPLE_ROLE = {
    "code": "pharmacist",
    "name": "Pharmacist",
    "meaning": "I confirm the medicines information is accurate.",
    "checklist": PHARMACIST_CHECKLIST,
    "resign_on_change": False,
    "active": True,
}
EXAMPLE_CLINICAL_ROLE = {
    "code": "clinical",
    "name": "Clinical reviewer",
    "meaning": "I have reviewed this version's clinical content and confirm it is accurate, "
    "safe and appropriate for its audience.",
    "checklist": [],
    "resign_on_change": True,
    "active": True,
}
ROLE_EXAMPLE = OpenApiExample("pharmacist", value=EXAMPLE_ROLE, response_only=True)
ROLE_LIST_EXAMPLE = OpenApiExample(
    "roles", value=[EXAMPLE_CLINICAL_ROLE, EXAMPLE_ROLE], response_only=True
)
ROLE_CREATE_EXAMPLE = OpenApiExample(
    "pharmacist",
    value={key: EXAMPLE_ROLE[key] for key in ("code", "name", "meaning", "checklist")}
    | {"resign_on_change": False},
    request_only=True,
)
ROLE_UPDATE_EXAMPLE = OpenApiExample(
    "re-sign changes too", value={"resign_on_change": True}, request_only=True
)
EXAMPLE_POLICY = {
    "id": 2,
    "name": "Medicines",
    "description": "Dosing advice is checked by a pharmacist.",
    "scope": "topic medicines",
    "topic": "medicines",
    "audience": "",
    "article": None,
    "required_roles": ["pharmacist"],
    "optional_roles": ["lay-reader"],
    "active": True,
}
POLICY_EXAMPLE = OpenApiExample("medicines", value=EXAMPLE_POLICY, response_only=True)
POLICY_LIST_EXAMPLE = OpenApiExample(
    "policies",
    value=[
        EXAMPLE_POLICY,
        {
            "id": 1,
            "name": "Clinical sign-off",
            "description": "Every version is signed by a clinician.",
            "scope": "all articles",
            "topic": "",
            "audience": "",
            "article": None,
            "required_roles": ["clinical"],
            "optional_roles": [],
            "active": True,
        },
    ],
    response_only=True,
)
POLICY_CREATE_EXAMPLE = OpenApiExample(
    "medicines",
    value={
        "name": "Medicines",
        "description": EXAMPLE_POLICY["description"],
        "topic": "medicines",
        "required_roles": ["pharmacist"],
        "optional_roles": ["lay-reader"],
    },
    request_only=True,
)
POLICY_UPDATE_EXAMPLE = OpenApiExample(
    "lay reader required",
    value={"required_roles": ["pharmacist", "lay-reader"], "optional_roles": []},
    request_only=True,
)
EXAMPLE_HOLDER = {
    "username": "sam-patel",
    "published_name": "Sam Patel",
    "credentials": "MPharm",
    "profession": "Pharmacist",
    "registering_body": "GPhC",
    "registration_number": "2070000",
    "active": True,
}
HOLDER_EXAMPLE = OpenApiExample("holder", value=EXAMPLE_HOLDER, response_only=True)
HOLDER_LIST_EXAMPLE = OpenApiExample("holders", value=[EXAMPLE_HOLDER], response_only=True)
REVOKED_HOLDER_EXAMPLE = OpenApiExample(
    "revoked", value=EXAMPLE_HOLDER | {"active": False}, response_only=True
)
GRANT_EXAMPLE = OpenApiExample(
    "grant",
    value={key: value for key, value in EXAMPLE_HOLDER.items() if key != "active"}
    | {"note": "Joined the medicines team."},
    request_only=True,
)
REVOKE_EXAMPLE = OpenApiExample(
    "revoke", value={"reason": "Left the medicines team."}, request_only=True
)
REQUIREMENTS_EXAMPLE = OpenApiExample(
    "medicines article",
    value=[
        {
            "role": "clinical",
            "role_name": "Clinical reviewer",
            "required": True,
            "needed_for_change": True,
            "policies": ["Clinical sign-off"],
        },
        {
            "role": "lay-reader",
            "role_name": "Lay reader",
            "required": False,
            "needed_for_change": True,
            "policies": ["Medicines"],
        },
        {
            "role": "pharmacist",
            "role_name": "Pharmacist",
            "required": True,
            "needed_for_change": False,
            "policies": ["Medicines"],
        },
    ],
    response_only=True,
)

MANAGERS_ONLY = refusals(
    "Only publishing admins may manage sign-off roles, policies and holders.",
    ("not_allowed", "Only publishing-admins may create sign-off roles."),
    (
        "permission_denied",
        "Your account has no role here: ask a publishing admin to add you to a group.",
    ),
)
NOT_SIGNABLE = refusals(
    "You may not sign this role of this version.",
    (
        "not_a_signer",
        "Only an active pharmacist (a sign-off reviewer holding the 'pharmacist' role) may sign "
        "for it.",
    ),
    (
        "not_a_clinician",
        "Only an active clinician (a clinical-reviewers member with an active clinician profile) "
        "may approve, reject or request changes.",
    ),
    ("separation_of_duties", "You submitted this version: someone else must decide on it."),
)
SIGN_OFF_CONFLICTS = refusals(
    "The signature does not fit the review as it is now.",
    (
        "content_hash_mismatch",
        "The content hash you signed is not the one of this version: reload the review and check "
        "the content again before signing.",
    ),
    (
        "role_not_requested",
        "Version 2 does not need a 'dietitian' sign-off: it needs clinical, pharmacist.",
    ),
    ("already_signed", "The pharmacist sign-off of this version is recorded."),
    (
        "invalid_transition",
        "This review is approved: only a review awaiting a decision can be decided or withdrawn.",
    ),
    (
        "signer_role_revoked",
        "These sign-offs no longer count, as the signers have since lost the role: Sam Patel "
        "(pharmacist). The version cannot be published on them: request changes and submit it "
        "again.",
    ),
    (
        "full_review_required",
        "This article has no earlier approval: its first approval must be a full clinical review.",
    ),
)
ASSIGN_FORBIDDEN = refusals(
    "Only editors, publishing admins and clinicians assign sign-offs.",
    (
        "not_allowed",
        "Only editors or publishing-admins or clinical-reviewers may assign sign-offs.",
    ),
)
ASSIGN_CONFLICTS = refusals(
    "The review is closed, does not need the role, or the role is signed.",
    (
        "invalid_transition",
        "This review is approved: only the sign-offs of a review awaiting a decision can be "
        "assigned.",
    ),
    (
        "role_not_requested",
        "Version 2 does not need a 'dietitian' sign-off: it needs clinical, pharmacist.",
    ),
    (
        "already_signed",
        "The pharmacist sign-off of this version is recorded: there is nobody left to assign.",
    ),
)
ROLE_TAKEN = (
    "sign_off_role_taken",
    "There is already a sign-off role 'pharmacist': choose another code.",
)
ROLE_CREATE_CONFLICTS = refusals("Another role has this code.", ROLE_TAKEN)
ROLE_CONFLICTS = refusals(
    "The code is taken, the change would make the clinical role optional, or reviews need the "
    "role as it is (a code reviews asked for; a role open reviews require).",
    ROLE_TAKEN,
    (
        "clinical_role_fixed",
        "The clinical role signs every version: its code cannot change, it cannot be deactivated "
        "and it always re-signs changes.",
    ),
    (
        "role_in_use",
        "Open reviews require the pharmacist role (ldn-doses v3): decide them (or request "
        "changes, so they are submitted again under the policies then in force) before "
        "deactivating it.",
    ),
)
POLICY_CONFLICTS = refusals(
    "Another policy has this name.",
    (
        "sign_off_policy_taken",
        "There is already a sign-off policy named 'Medicines': choose another.",
    ),
)
REVOKE_FORBIDDEN = refusals(
    "Only publishing admins (and superusers) revoke sign-off roles, never on their own account.",
    ("not_allowed", "Only publishing-admins may revoke sign-off roles."),
    (
        "own_role",
        "No one may revoke a sign-off role for their own account: ask another publishing admin.",
    ),
)
GRANT_FORBIDDEN = refusals(
    "Only a superuser grants sign-off roles, never on their own account.",
    (
        "not_allowed",
        "Only a superuser grants sign-off roles (publishing admins revoke them): signing "
        "authority is not given by those who create accounts.",
    ),
    (
        "own_role",
        "No one may grant a sign-off role for their own account: ask another superuser.",
    ),
)
GRANT_CONFLICTS = refusals(
    "The account holds the role already, or the role is the clinical one.",
    (
        "already_holds_role",
        "sam-patel already holds the pharmacist role: edit their details instead.",
    ),
    (
        "clinical_role_fixed",
        "The clinical role is not granted or revoked here: a superuser grants the clinician role "
        "on the clinician profiles.",
    ),
)
REVOKE_CONFLICTS = refusals(
    "The account does not hold the role, or the role is the clinical one.",
    (
        "no_sign_off_role",
        "sam-patel does not hold the pharmacist role: there is nothing to revoke.",
    ),
    (
        "clinical_role_fixed",
        "The clinical role is not granted or revoked here: a superuser revokes the clinician role "
        "on the clinician profiles.",
    ),
)
