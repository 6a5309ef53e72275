"""The outbox worker: posts due webhook deliveries, signed, in order per article and endpoint.

A loop of our own rather than a task queue: the delivery rows already are the queue (with
per-article ordering, backoff and replay on them), so a second queue would only copy them.
"""

import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.module_loading import import_string
from standardwebhooks import Webhook

from articles.models import DeliveryStatus, Event, WebhookDelivery
from articles.rendering import iso_8601
from articles.services.publishing import publications_mark_overdue
from articles.services.webhooks import webhook_delivery_claim, webhook_delivery_record
from articles.webhook_transport import post

logger = logging.getLogger(__name__)
USER_AGENT = "ldncontent-webhooks/1"


def due_deliveries(*, limit: int, skip_endpoints: set[int]) -> list[tuple[int, int]]:
    """(delivery id, endpoint id) of due deliveries, oldest event first, leaving out the
    endpoints in `skip_endpoints` and any delivery whose article has an earlier one pending for
    the same endpoint: events for one article reach one endpoint in order."""
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
        .exclude(endpoint_id__in=skip_endpoints)
        .order_by("event__position", "id")
        .values_list("id", "endpoint_id")[:limit]
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
    """Post one leased delivery and record the result (a fixed description, never the answer)."""
    body = webhook_body(delivery.event)
    headers = signed_headers(
        secret=delivery.endpoint.secret,
        message_id=webhook_message_id(delivery.event),
        body=body,
    )
    started = time.monotonic()
    result = post(url=delivery.endpoint.url, body=body.encode(), headers=headers)
    webhook_delivery_record(
        delivery=delivery,
        status_code=result.status_code,
        duration_ms=int((time.monotonic() - started) * 1000),
        error=result.error,
    )


class Dispatcher:
    """Sends due deliveries on a pool of threads, each endpoint's by one thread at a time.

    A slow or hanging receiver holds one thread (for at most the delivery deadline) and only
    its own endpoint's deliveries wait; the others are sent by the other threads meanwhile.
    One thread per endpoint also keeps each article's events in order at that endpoint.
    """

    def __init__(self, *, threads: int):
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhooks")
        self._busy: set[int] = set()
        self._lock = threading.Lock()
        self.batch_finished = threading.Event()

    def dispatch(self, *, limit: int = 100) -> list[Future]:
        """Start sending the due deliveries of every endpoint not already being sent to."""
        with self._lock:
            busy = set(self._busy)
        by_endpoint: dict[int, list[int]] = {}
        for delivery_id, endpoint_id in due_deliveries(limit=limit, skip_endpoints=busy):
            by_endpoint.setdefault(endpoint_id, []).append(delivery_id)
        with self._lock:
            self._busy.update(by_endpoint)
        return [
            self._pool.submit(self._send_batch, endpoint_id, delivery_ids)
            for endpoint_id, delivery_ids in by_endpoint.items()
        ]

    def _send_batch(self, endpoint_id: int, delivery_ids: list[int]) -> int:
        close_old_connections()
        attempted = 0
        try:
            for delivery_id in delivery_ids:
                delivery = webhook_delivery_claim(delivery_id=delivery_id)
                if delivery is not None:
                    attempt(delivery)
                    attempted += 1
        except Exception:  # a bad row or a database hiccup: its lease runs out, it is retried
            logger.exception("webhook delivery to endpoint %s failed", endpoint_id)
        finally:
            close_old_connections()
            with self._lock:
                self._busy.discard(endpoint_id)
            self.batch_finished.set()
        return attempted

    def shutdown(self) -> None:
        """Drop batches not started; wait for requests in flight (each ends by its deadline)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def deliver_due(*, limit: int = 100) -> int:
    """Attempt every due delivery once and wait for them; returns how many were attempted."""
    dispatcher = Dispatcher(threads=settings.WEBHOOK_WORKER_THREADS)
    try:
        return sum(batch.result() for batch in dispatcher.dispatch(limit=limit))
    finally:
        dispatcher.shutdown()


class PeriodicJobs:
    """The jobs of WORKER_PERIODIC_JOBS, each in a thread of its own: run at once, then each
    time its interval has passed since the last run ended.

    A slow job (link checks, a mail server that hangs) therefore never delays another, such as
    publishing what is due, nor the webhooks. A job that fails is logged and tried again at
    its next turn.
    """

    # The shortest wait between two runs of one job, so an interval of 0 does not spin.
    MIN_WAIT_SECONDS = 0.05

    def __init__(self, jobs: list[tuple[str, float]]):
        self._jobs = [(path, import_string(path), interval) for path, interval in jobs]
        self._threads: list[threading.Thread] = []

    def start(self, stop: threading.Event) -> None:
        """Start one thread per job; each ends once `stop` is set and its current run ends."""
        for path, job, interval in self._jobs:
            thread = threading.Thread(
                target=self._lane, args=(path, job, interval, stop), name=f"job {path}"
            )
            thread.start()
            self._threads.append(thread)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))

    @staticmethod
    def _lane(path: str, job, interval: float, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    job()
                except Exception:  # logged, and tried again at the next turn
                    logger.exception("worker job %s failed", path)
                finally:
                    close_old_connections()
                stop.wait(max(interval, PeriodicJobs.MIN_WAIT_SECONDS))
        finally:
            connection.close()


def run(*, stop: threading.Event, review_check_seconds: float = 3600) -> None:
    """Deliver until `stop` is set; flag overdue reviews once at start and then periodically,
    and run the WORKER_PERIODIC_JOBS (each in its own thread)."""
    dispatcher = Dispatcher(threads=settings.WEBHOOK_WORKER_THREADS)
    periodic_jobs = PeriodicJobs(settings.WORKER_PERIODIC_JOBS)
    periodic_jobs.start(stop)
    next_review_check = 0.0
    try:
        while not stop.is_set():
            close_old_connections()
            dispatcher.batch_finished.clear()
            try:
                if time.monotonic() >= next_review_check:
                    publications_mark_overdue(today=timezone.localdate())
                    next_review_check = time.monotonic() + review_check_seconds
                dispatcher.dispatch()
            except Exception:  # the loop must outlive a bad row or a database hiccup
                logger.exception("webhook worker iteration failed")
            # A finished batch may leave the next event of an article due: look again at once.
            dispatcher.batch_finished.wait(settings.WORKER_POLL_SECONDS)
    finally:
        stop.set()  # also when the loop ends by an exception: the job threads end too
        dispatcher.shutdown()
        periodic_jobs.join(timeout=settings.WEBHOOK_DELIVERY_DEADLINE_SECONDS + 5)
