"""OpenAPI examples and error responses of the scheduling API."""

from drf_spectacular.utils import OpenApiExample

from articles.apidocs import EXAMPLE_HASH
from ldncontent.apidocs import error_response

EXAMPLE_SCHEDULE = {
    "id": 12,
    "article": "stopping-ldn",
    "version": 4,
    "content_hash": EXAMPLE_HASH,
    "reviewer_name": "Dr Amira Haddad",
    "publish_at": "2027-01-15T09:00:00Z",
    "release": 3,
    "state": "pending",
    "published_at": None,
    "delay_seconds": None,
    "created_by": "dr-haddad",
    "created_at": "2026-12-01T14:02:11.418000Z",
}
SCHEDULE_LIST_EXAMPLE = OpenApiExample(
    "schedules",
    value={"count": 1, "next": None, "previous": None, "results": [EXAMPLE_SCHEDULE]},
    response_only=True,
)
SCHEDULE_DETAIL_EXAMPLE = OpenApiExample(
    "schedule",
    value={
        **EXAMPLE_SCHEDULE,
        "changes": [
            {
                "actor": "dr-haddad",
                "at": "2026-12-01T14:02:11.418000Z",
                "from_state": "",
                "to_state": "pending",
                "note": "Scheduled",
            },
            {
                "actor": "publisher",
                "at": "2026-12-02T10:00:00.000000Z",
                "from_state": "pending",
                "to_state": "pending",
                "note": "Added to release NICE guideline 2027",
            },
        ],
    },
    response_only=True,
)
SCHEDULE_CANCELLED_EXAMPLE = OpenApiExample(
    "cancelled",
    value={**EXAMPLE_SCHEDULE, "release": None, "state": "cancelled", "changes": []},
    response_only=True,
)
REASON_EXAMPLE = OpenApiExample(
    "reason", value={"reason": "The campaign moved to March."}, request_only=True
)
EXAMPLE_RELEASE = {
    "id": 3,
    "name": "NICE guideline 2027",
    "publish_at": "2027-01-15T09:00:00Z",
    "state": "open",
    "published_at": None,
    "delay_seconds": None,
    "warnings": [
        "starting-ldn version 2 left the release: superseded (Superseded by the approval of "
        "version 3)"
    ],
    "schedules": [EXAMPLE_SCHEDULE],
    "created_by": "publisher",
    "created_at": "2026-11-30T08:00:00.000000Z",
}
RELEASE_EXAMPLE = OpenApiExample("release", value=EXAMPLE_RELEASE, response_only=True)
RELEASE_LIST_EXAMPLE = OpenApiExample(
    "releases",
    value={"count": 1, "next": None, "previous": None, "results": [EXAMPLE_RELEASE]},
    response_only=True,
)
RELEASE_INPUT_EXAMPLE = OpenApiExample(
    "release",
    value={"name": "NICE guideline 2027", "publish_at": "2027-01-15T09:00:00Z"},
    request_only=True,
)
RELEASE_SCHEDULE_EXAMPLE = OpenApiExample("schedule", value={"schedule": 12}, request_only=True)
EXAMPLE_WITHDRAWAL = {
    "id": 5,
    "article": "stopping-ldn",
    "withdraw_at": "2027-03-31T23:59:00Z",
    "reason": "The campaign ends; the guidance it cites is withdrawn.",
    "state": "pending",
    "created_by": "publisher",
    "created_at": "2026-12-01T09:00:00.000000Z",
    "closed_at": None,
    "note": "",
}
WITHDRAWAL_EXAMPLE = OpenApiExample("withdrawal", value=EXAMPLE_WITHDRAWAL, response_only=True)
WITHDRAWAL_LIST_EXAMPLE = OpenApiExample(
    "withdrawals",
    value={"count": 1, "next": None, "previous": None, "results": [EXAMPLE_WITHDRAWAL]},
    response_only=True,
)
WITHDRAWAL_INPUT_EXAMPLE = OpenApiExample(
    "withdrawal",
    value={
        "withdraw_at": "2027-03-31T23:59:00Z",
        "reason": "The campaign ends; the guidance it cites is withdrawn.",
    },
    request_only=True,
)
WITHDRAWAL_CANCEL_EXAMPLE = OpenApiExample(
    "reason", value={"reason": "The campaign is extended."}, request_only=True
)
UPCOMING_EXAMPLE = OpenApiExample(
    "upcoming",
    value=[
        {
            "slug": "stopping-ldn",
            "version": 4,
            "content_hash": EXAMPLE_HASH,
            "publish_at": "2027-01-15T09:00:00Z",
        }
    ],
    response_only=True,
)

NOT_PENDING = error_response(
    "The schedule or withdrawal was carried out or cancelled already.",
    "not_pending",
    "This schedule is published.",
)
RELEASE_CONFLICT = error_response(
    "The release is not open (published, cancelled or failed), or the schedule is in another "
    "release, not in this one, or not pending; or the release goes out before the time the "
    "schedule's version was approved for (`earlier_than_approved`).",
    "release_not_open",
    "This release is not open: it was published, cancelled or failed.",
)
ARTICLE_NOT_LIVE = error_response(
    "The article has no live version to withdraw.",
    "article_not_live",
    "This article has no live version to withdraw: nothing would be retracted.",
)
INVALID_API_KEY = error_response(
    "No valid consuming-site key was sent.",
    "authentication_failed",
    "Send a valid consuming-site key as `Authorization: Api-Key <key>`.",
)
NO_EMBARGO_ACCESS = error_response(
    "The key has no embargo access: it reads content only once it is published.",
    "no_embargo_access",
    "This key may not read scheduled content before its time: ask the publisher for "
    "embargo access.",
)
NOTHING_UPCOMING = error_response(
    "Nothing is scheduled for this slug.",
    "not_found",
    "Nothing is scheduled for the article 'stopping-ldn'.",
)
