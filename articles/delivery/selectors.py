"""The only reads the delivery API makes: consumer keys, and the published read model.

Nothing here touches the working copy, versions or reviews, so nothing unapproved can reach a
consuming site through delivery. The key check and an article's read are one SQL statement
on Django's cursor, because at this scale the ORM's query building, not the database, is the
cost; lists and the feed are ORM queries of stored, rendered rows.
"""

from datetime import UTC, date, datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework_api_key.crypto import KeyGenerator

from articles.models.consumers import ConsumerApiKey, ConsumerSite
from articles.models.events import PUBLIC_EVENT_TYPES, Event
from articles.models.publication import Publication
from articles.models.slugs import topics_include

KEY_GENERATOR = KeyGenerator()

_KEY_FROM = (
    f"FROM {ConsumerApiKey._meta.db_table} k "
    f"JOIN {ConsumerSite._meta.db_table} s ON s.id = k.site_id"
)
_KEY_WHERE = "k.prefix = %s AND k.revoked = %s AND s.active = %s"
_KEY_SQL = f"SELECT k.id, k.hashed_key, k.expiry_date, k.site_id {_KEY_FROM} WHERE {_KEY_WHERE}"
# The key and the article in one statement: on the detail path each query costs far more in
# the database driver's Python layers than in the database (bench/RESULTS.md). The payload is
# not even read when the client already holds its ETag.
KEY_AND_PUBLICATION_SQL = (
    "SELECT k.id, k.hashed_key, k.expiry_date, k.site_id, "
    "p.status, p.etag, p.updated_at, p.next_review_due, p.retracted_at, p.retraction_reason, "
    "CASE WHEN p.etag IN ({placeholders}) THEN NULL ELSE p.payload END "
    f"{_KEY_FROM} LEFT JOIN {Publication._meta.db_table} p ON p.slug = %s WHERE {_KEY_WHERE}"
)


class Consumer(NamedTuple):
    """The consuming site behind a valid API key."""

    key_id: str
    site_id: int


class ServedPublication(NamedTuple):
    """What delivery needs to answer for one article; `payload` is None when not needed."""

    status: str
    etag: str
    updated_at: datetime
    next_review_due: date
    retracted_at: datetime | None
    retraction_reason: str
    payload: bytes | None


def _fetchone(sql: str, params: list) -> tuple | None:
    """The first row of a delivery read, through Django's cursor (its hooks and APM see it)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _key_lookup(raw_key: str) -> list | None:
    """The parameters of _KEY_WHERE for a raw key, or None when it can't be a key at all."""
    prefix, dot, _ = raw_key.partition(".")
    if not dot or not prefix:
        return None
    return [prefix, False, True]


def _verified_consumer(raw_key: str, key_id, hashed_key, expiry_date, site_id) -> Consumer | None:
    if expiry_date is not None and _as_datetime(expiry_date) < timezone.now():
        return None
    if not KEY_GENERATOR.verify(raw_key, hashed_key):
        return None
    return Consumer(key_id=key_id, site_id=site_id)


def consumer_for_key(raw_key: str) -> Consumer | None:
    """The consumer of a valid, unrevoked, unexpired key of an active site; else None."""
    lookup = _key_lookup(raw_key)
    if lookup is None:
        return None
    row = _fetchone(_KEY_SQL, lookup)
    return None if row is None else _verified_consumer(raw_key, *row)


def publication_for_key(
    *, raw_key: str, slug: str, known_etags: tuple[str, ...] = ()
) -> tuple[Consumer | None, ServedPublication | None]:
    """The key's consumer (as consumer_for_key) and the publication of `slug`, in one query.

    The publication is None when the key is not valid or nothing is published under `slug`;
    its payload is None when its ETag is in `known_etags` (the payload is not read then).
    """
    lookup = _key_lookup(raw_key)
    if lookup is None:
        return None, None
    etags = known_etags or ("",)
    sql = KEY_AND_PUBLICATION_SQL.format(placeholders=", ".join(["%s"] * len(etags)))
    row = _fetchone(sql, [*etags, slug, *lookup])
    if row is None:
        return None, None
    consumer = _verified_consumer(raw_key, *row[:4])
    if consumer is None or row[4] is None:
        return consumer, None
    status, etag, updated_at, due, retracted_at, reason, payload = row[4:]
    return consumer, ServedPublication(
        status=status,
        etag=etag,
        updated_at=_as_datetime(updated_at),
        next_review_due=_as_date(due),
        retracted_at=_as_datetime(retracted_at),
        retraction_reason=reason,
        payload=bytes(payload) if payload is not None else None,
    )


def _as_datetime(value) -> datetime | None:
    """A raw row's timestamp as an aware datetime (SQLite gives naive UTC values or text)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if timezone.is_naive(parsed) else parsed


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def publication_page(
    *,
    after_slug: str | None,
    limit: int,
    topic: str | None = None,
    audience: str | None = None,
    updated_since: datetime | None = None,
    review_overdue: bool | None = None,
) -> list[tuple[str, bytes]]:
    """Up to `limit` servable publications in slug order, after `after_slug`: (slug, entry)."""
    rows = Publication.objects.servable(
        today=timezone.localdate(), policy=settings.REVIEW_OVERDUE_POLICY
    )
    if after_slug:
        rows = rows.filter(slug__gt=after_slug)
    if topic:
        rows = rows.filter(topics_include(topic))
    if audience:
        rows = rows.filter(audience=audience)
    if updated_since:
        rows = rows.filter(updated_at__gte=updated_since)
    if review_overdue is not None:
        rows = rows.filter(review_overdue=review_overdue)
    return list(rows.order_by("slug").values_list("slug", "list_entry")[:limit])


def events_after(*, position: int, limit: int) -> list[dict]:
    """Public events after `position`, in commit order."""
    return list(
        Event.objects.filter(position__gt=position, type__in=PUBLIC_EVENT_TYPES)
        .order_by("position")
        .values("position", "type", "slug", "version", "content_hash", "occurred_at", "data")[
            :limit
        ]
    )
