"""Webhook endpoints and deliveries: configure, enqueue per event, record attempts, replay."""

import base64
import random
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.exceptions import EndpointSwitchedOff
from articles.models import (
    PUBLIC_EVENT_TYPES,
    ConsumerSite,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
)
from articles.webhook_transport import webhook_url_problem
from ldncontent.exceptions import InvalidContent
from ldncontent.permissions import PUBLISHING_ADMINS, require_role


def _new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _validate_event_types(*, site: ConsumerSite | None, event_types: list[str]) -> None:
    allowed = set(PUBLIC_EVENT_TYPES) if site is not None else set(EventType.values)
    unknown = sorted(set(event_types) - allowed)
    if unknown:
        kind = "a consuming site's" if site is not None else "the CMS's"
        raise InvalidContent(
            errors={
                "event_types": [
                    f"Not available to {kind} endpoint: {', '.join(unknown)}. "
                    f"Use some of: {', '.join(sorted(allowed))}."
                ]
            }
        )


def _validate_url(url: str) -> None:
    problem = webhook_url_problem(url)
    if problem is not None:
        raise InvalidContent(errors={"url": [problem]})


@transaction.atomic
def webhook_endpoint_create(
    *,
    user,
    name: str,
    url: str,
    site: ConsumerSite | None = None,
    event_types: list[str] | None = None,
) -> WebhookEndpoint:
    """Register an endpoint with a new signing secret (publishing admins only)."""
    require_role(user, PUBLISHING_ADMINS, action="manage webhook endpoints")
    _validate_url(url)
    event_types = list(dict.fromkeys(event_types or []))
    _validate_event_types(site=site, event_types=event_types)
    return WebhookEndpoint.objects.create(
        site=site, name=name, url=url, event_types=event_types, secret=_new_secret()
    )


@transaction.atomic
def webhook_endpoint_update(
    *, user, endpoint: WebhookEndpoint, changes: dict[str, Any], rotate_secret: bool = False
) -> WebhookEndpoint:
    """Change an endpoint's name, URL, event types or active flag; optionally a new secret.

    Switching it off cancels its pending deliveries (retries included) at once; switching it
    on again does not bring them back: replay the ones still wanted.
    """
    require_role(user, PUBLISHING_ADMINS, action="manage webhook endpoints")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    # An unchanged URL is not checked again, so an endpoint can always be switched off.
    if "url" in changes and changes["url"] != endpoint.url:
        _validate_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = list(dict.fromkeys(changes["event_types"]))
        _validate_event_types(site=endpoint.site, event_types=changes["event_types"])
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if rotate_secret:
        endpoint.secret = _new_secret()
    endpoint.save()
    if not endpoint.active:
        webhook_deliveries_cancel(endpoints=WebhookEndpoint.objects.filter(pk=endpoint.pk))
    return endpoint


def webhook_deliveries_cancel(*, endpoints: QuerySet[WebhookEndpoint]) -> int:
    """Cancel every pending delivery (and so its retries) to these endpoints, in the caller's
    transaction; returns how many. A request already in flight finishes, and is logged."""
    return WebhookDelivery.objects.filter(
        endpoint__in=endpoints, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.CANCELLED)


def _switched_on() -> Q:
    """Endpoints that may be sent to: on, and either the CMS's or of a site that is on."""
    return Q(active=True) & (Q(site__isnull=True) | Q(site__active=True))


def _wants(endpoint: WebhookEndpoint, event_type: str) -> bool:
    if endpoint.site_id is not None and event_type not in PUBLIC_EVENT_TYPES:
        return False
    return not endpoint.event_types or event_type in endpoint.event_types


def webhook_deliveries_enqueue(*, event: Event) -> list[WebhookDelivery]:
    """Queue the event for every active endpoint that wants it (in the event's transaction)."""
    now = timezone.now()
    deliveries = [
        WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now)
        for endpoint in WebhookEndpoint.objects.filter(_switched_on())
        if _wants(endpoint, event.type)
    ]
    return WebhookDelivery.objects.bulk_create(deliveries)


def retry_delay(attempt: int) -> float:
    """Seconds before retry number `attempt`: exponential, capped, with full jitter on half."""
    ceiling = min(
        settings.WEBHOOK_BACKOFF_MAX_SECONDS,
        settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0),
    )
    return ceiling * random.uniform(0.5, 1.0)


@transaction.atomic
def webhook_delivery_claim(*, delivery_id: int) -> WebhookDelivery | None:
    """Lease a due delivery for one attempt, or None if another worker has it or it is done.

    The lease moves next_attempt_at into the future before the HTTP request is made; if the
    worker dies during the request, the lease runs out and the delivery is attempted again.
    A delivery whose endpoint or site has been switched off is cancelled instead.
    """
    delivery = (
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .select_related("event", "endpoint")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .first()
    )
    if delivery is None:
        return None
    if not WebhookEndpoint.objects.filter(_switched_on(), pk=delivery.endpoint_id).exists():
        delivery.status = DeliveryStatus.CANCELLED
        delivery.save(update_fields=["status"])
        return None
    delivery.attempts += 1
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def _outcome(status_code: int | None, attempts: int) -> str:
    if status_code is not None and 200 <= status_code < 300:
        return DeliveryStatus.DELIVERED
    if status_code is not None and 400 <= status_code < 500 and status_code not in {408, 429}:
        return DeliveryStatus.FAILED
    if attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        return DeliveryStatus.DEAD
    return DeliveryStatus.PENDING


@transaction.atomic
def webhook_delivery_record(
    *,
    delivery: WebhookDelivery,
    status_code: int | None,
    duration_ms: int,
    error: str = "",
) -> WebhookDelivery:
    """Record one attempt's result: delivered, refused (4xx), retry later, or give up.

    `error` is one of the fixed descriptions of `SendError` or `HTTP <status>`, never text
    from the receiver or the network. A delivery cancelled while in flight stays cancelled
    unless this attempt delivered it.
    """
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    now = timezone.now()
    outcome = _outcome(status_code, delivery.attempts)
    if delivery.status == DeliveryStatus.CANCELLED and outcome != DeliveryStatus.DELIVERED:
        outcome = DeliveryStatus.CANCELLED
    delivery.status = outcome
    delivery.last_status_code = status_code
    delivery.last_error = error
    if outcome == DeliveryStatus.DELIVERED:
        delivery.delivered_at = now
    elif outcome == DeliveryStatus.PENDING:
        delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))
    delivery.save()
    DeliveryAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=status_code,
        duration_ms=duration_ms,
        error=error,
        outcome="retry" if outcome == DeliveryStatus.PENDING else outcome,
    )
    return delivery


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, user) -> WebhookDelivery:
    """Send a delivery again from the start (e.g. after the receiver was fixed)."""
    require_role(user, PUBLISHING_ADMINS, action="replay webhook deliveries")
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if not WebhookEndpoint.objects.filter(_switched_on(), pk=delivery.endpoint_id).exists():
        raise EndpointSwitchedOff()
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.delivered_at = None
    delivery.save()
    return delivery
