"""Query parameters of the delivery API: parsed, checked, and documented for the schema."""

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import NamedTuple

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from articles.models.publication import Publication
from articles.models.slugs import SLUG_PATTERN

LIST_MAX_LIMIT = 200
EVENTS_MAX_LIMIT = 500
EVENTS_DEFAULT_LIMIT = 100
# The audiences a publication is served for, as the Publication row stores them.
AUDIENCES = [value for value, _label in Publication._meta.get_field("audience").choices]
SLUG_RE = re.compile(SLUG_PATTERN)
# Cursors and limits are ASCII digits only (`"²".isdigit()` is true but int() refuses it), and
# short enough for a 64-bit database integer.
NUMBER_RE = re.compile(r"[0-9]{1,18}")


class InvalidQuery(Exception):
    """A query parameter is malformed: `errors` says, by parameter, what to send instead."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        summary = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors.items())
        self.detail = f"Invalid query parameters: {summary}"
        super().__init__(self.detail)


class ListQuery(NamedTuple):
    """What a page of the article list is asked for."""

    limit: int
    after_slug: str | None
    topic: str | None
    audience: str | None
    updated_since: datetime | None
    review_overdue: bool | None


class FeedQuery(NamedTuple):
    """What a page of the changes feed is asked for: events after `cursor`, at most `limit`."""

    cursor: str
    limit: int


def encode_cursor(slug: str) -> str:
    """The list cursor that starts the next page after `slug`."""
    return base64.urlsafe_b64encode(slug.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        slug = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        slug = ""
    if not SLUG_RE.match(slug) or encode_cursor(slug) != cursor:
        raise InvalidQuery({"cursor": ["Use the next_cursor of a previous page."]})
    return slug


def _boolean(params: QueryDict, name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    if value.lower() in {"true", "1"}:
        return True
    if value.lower() in {"false", "0"}:
        return False
    raise InvalidQuery({name: ["Use true or false."]})


def _limit(params: QueryDict, default: int, maximum: int) -> int:
    value = params.get("limit")
    if value is None:
        return default
    if not NUMBER_RE.fullmatch(value) or not 1 <= int(value) <= maximum:
        raise InvalidQuery({"limit": [f"Use a whole number from 1 to {maximum}."]})
    return int(value)


def _updated_since(params: QueryDict) -> datetime | None:
    if "updated_since" not in params:
        return None
    try:
        updated_since = parse_datetime(params["updated_since"])
    except ValueError as error:  # well formed, but no such time (Feb 30, +25:00)
        raise InvalidQuery(
            {
                "updated_since": [
                    "Not a real date-time: check the month, the day of the month, "
                    "the time and the UTC offset (-23:59 to +23:59)."
                ]
            }
        ) from error
    if updated_since is None:
        raise InvalidQuery({"updated_since": ["Use an ISO 8601 date-time."]})
    if timezone.is_naive(updated_since):
        updated_since = timezone.make_aware(updated_since, UTC)
    return updated_since


def list_query(params: QueryDict, *, default_limit: int) -> ListQuery:
    """The article list's parameters; else InvalidQuery for the first malformed one."""
    limit = _limit(params, default_limit, LIST_MAX_LIMIT)
    audience = params.get("audience")
    if audience is not None and audience not in AUDIENCES:
        raise InvalidQuery({"audience": [f"Use one of {', '.join(AUDIENCES)}."]})
    updated_since = _updated_since(params)
    cursor = params.get("cursor")
    return ListQuery(
        limit=limit,
        after_slug=_decode_cursor(cursor) if cursor else None,
        topic=params.get("topic"),
        audience=audience,
        updated_since=updated_since,
        review_overdue=_boolean(params, "review_overdue"),
    )


def feed_query(params: QueryDict) -> FeedQuery:
    """The changes feed's parameters; else InvalidQuery."""
    cursor = params.get("cursor", "0")
    if not NUMBER_RE.fullmatch(cursor):
        raise InvalidQuery({"cursor": ["Use the next_cursor of a previous page."]})
    return FeedQuery(cursor=cursor, limit=_limit(params, EVENTS_DEFAULT_LIMIT, EVENTS_MAX_LIMIT))


LIST_PARAMETERS = [
    OpenApiParameter("topic", OpenApiTypes.STR, description="Only articles with this topic."),
    OpenApiParameter("audience", OpenApiTypes.STR, enum=AUDIENCES),
    OpenApiParameter(
        "updated_since", OpenApiTypes.DATETIME, description="Changed at or after this time."
    ),
    OpenApiParameter("review_overdue", OpenApiTypes.BOOL, description="Past review date."),
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"},
        description="`next_cursor` of the last page.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": LIST_MAX_LIMIT},
        description=f"Page size, 1 to {LIST_MAX_LIMIT} (default 50).",
    ),
]
FEED_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": "^[0-9]{1,18}$"},
        description="`next_cursor` of the last page.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": EVENTS_MAX_LIMIT},
        description=f"1 to {EVENTS_MAX_LIMIT} (default {EVENTS_DEFAULT_LIMIT}).",
    ),
]
