"""The outbox worker: posts due webhook deliveries, signed, in order per article and endpoint.

A loop of our own rather than a task queue: the delivery rows already are the queue (with
per-article ordering, backoff and replay on them), so a second queue would only copy them.
"""

import json
import logging
import threading
import time

import httpx
from django.conf import settings
from django.db import close_old_connections
from django.db.models import Exists, OuterRef
from django.utils import timezone
from standardwebhooks import Webhook

from articles.models import DeliveryStatus, Event, WebhookDelivery
from articles.rendering import iso_8601
from articles.services.publishing import publications_mark_overdue
from articles.services.webhooks import webhook_delivery_claim, webhook_delivery_record

logger = logging.getLogger(__name__)
USER_AGENT = "ldncontent-webhooks/1"


def due_delivery_ids(*, limit: int) -> list[int]:
    """Due deliveries, oldest event first, skipping any whose article has an earlier one pending
    for the same endpoint: events for one article reach one endpoint in order."""
    earlier_pending = WebhookDelivery.objects.filter(
        endpoint=OuterRef("endpoint"),
        event__article=OuterRef("event__article"),
        event__position__lt=OuterRef("event__position"),
        status=DeliveryStatus.PENDING,
    )
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .exclude(Exists(earlier_pending))
        .order_by("event__position", "id")
        .values_list("id", flat=True)[:limit]
    )


def webhook_message_id(event: Event) -> str:
    """The `webhook-id`: the event's id, the same on every attempt (the idempotency key)."""
    return f"evt_{event.position}"


def webhook_body(event: Event) -> str:
    """The JSON body posted for an event (Standard Webhooks shape: type, timestamp, data)."""
    return json.dumps(
        {
            "type": event.type,
            "timestamp": iso_8601(event.occurred_at),
            "data": {
                "id": webhook_message_id(event),
                "slug": event.slug,
                "version": event.version,
                "content_hash": event.content_hash,
                **event.data,
            },
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def signed_headers(*, secret: str, message_id: str, body: str) -> dict[str, str]:
    """Standard Webhooks headers: id, timestamp, and an HMAC-SHA256 signature of both + body."""
    now = timezone.now()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=now, data=body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def attempt(delivery: WebhookDelivery) -> None:
    """Post one leased delivery and record the result."""
    body = webhook_body(delivery.event)
    headers = signed_headers(
        secret=delivery.endpoint.secret,
        message_id=webhook_message_id(delivery.event),
        body=body,
    )
    started = time.monotonic()
    status_code, error = None, ""
    try:
        response = httpx.post(
            delivery.endpoint.url,
            content=body.encode(),
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
        status_code = response.status_code
        if status_code >= 300:
            error = response.text[:500]
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"
    duration_ms = int((time.monotonic() - started) * 1000)
    webhook_delivery_record(
        delivery=delivery, status_code=status_code, duration_ms=duration_ms, error=error
    )


def deliver_due(*, limit: int = 100) -> int:
    """Attempt every due delivery once; returns how many were attempted."""
    attempted = 0
    for delivery_id in due_delivery_ids(limit=limit):
        delivery = webhook_delivery_claim(delivery_id=delivery_id)
        if delivery is not None:
            attempt(delivery)
            attempted += 1
    return attempted


def run(*, stop: threading.Event, review_check_seconds: float = 3600) -> None:
    """Deliver until `stop` is set; flag overdue reviews once at start and then periodically."""
    next_review_check = 0.0
    while not stop.is_set():
        close_old_connections()
        try:
            if time.monotonic() >= next_review_check:
                publications_mark_overdue(today=timezone.localdate())
                next_review_check = time.monotonic() + review_check_seconds
            attempted = deliver_due()
        except Exception:  # the loop must outlive a bad row or a database hiccup
            logger.exception("webhook worker iteration failed")
            attempted = 0
        if not attempted:
            stop.wait(settings.WORKER_POLL_SECONDS)
