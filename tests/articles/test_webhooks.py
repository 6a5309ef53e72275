"""Webhooks with a real HTTP receiver on 127.0.0.1: signatures, retries, outages, ordering,
and a worker killed mid-delivery."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from standardwebhooks import Webhook, WebhookVerificationError

from articles import services as article_services
from articles.models import (
    ConsumerSite,
    DeliveryStatus,
    Event,
    EventType,
    Publication,
    ReviewKind,
    WebhookDelivery,
)
from articles.selectors import article_etag, section_list
from articles.webhook_worker import deliver_due
from reviews import services as review_services
from reviews.exceptions import ContentHashMismatch
from tests.articles.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 0.01
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 0.05
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def site(db):
    return ConsumerSite.objects.create(name="Forum", contact_email="web@example.org")


def endpoint_for(receiver, publisher, site=None, event_types=None):
    return article_services.webhook_endpoint_create(
        user=publisher,
        name="receiver",
        url=receiver.url,
        site=site,
        event_types=event_types or [],
    )


def publish_new_version(article, editor, clinician, text):
    article_services.section_update(
        article=article,
        anchor="part-0",
        user=editor,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": text},
    )
    review = review_services.review_submit(article=article, user=editor)
    first = not Publication.objects.filter(article=article).exists()
    review_services.review_approve(
        review=review,
        reviewer=clinician,
        content_hash=review.version.content_hash,
        kind=ReviewKind.FULL if first else ReviewKind.CHANGE,
    )


def drain(until, *, seconds=30.0):
    """Run the worker's delivery pass until `until()` holds (bounded in time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        deliver_due()
        if until():
            return
        time.sleep(0.02)
    raise AssertionError("deliveries did not complete in time")


def test_deliveries_are_signed_and_a_tampered_body_fails(
    receiver, publisher, site, make_article, editor_user, doctor
):
    endpoint = endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: len(receiver.received) == 1)
    message = receiver.received[0]
    verified = Webhook(endpoint.secret).verify(message.body, message.headers)
    assert verified["type"] == "article.published"
    assert verified["data"]["slug"] == "stopping-ldn"
    assert verified["data"]["version"] == 1
    assert message.headers["webhook-id"] == verified["data"]["id"]
    tampered = message.body.replace(b"stopping-ldn", b"stopping-xyz")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(tampered, message.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43).verify(message.body, message.headers)


def test_a_receiver_failing_three_times_gets_the_event_once_acknowledged(
    receiver, publisher, site, make_article, editor_user, doctor
):
    receiver.script = [500, 500, 500]
    endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    delivery = WebhookDelivery.objects.get()
    drain(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED)
    assert len(receiver.received) == 4
    assert len({message.headers["webhook-id"] for message in receiver.received}) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 4
    assert [attempt.outcome for attempt in delivery.attempt_log.all()] == [
        "retry",
        "retry",
        "retry",
        "delivered",
    ]
    assert [attempt.status_code for attempt in delivery.attempt_log.all()] == [500, 500, 500, 200]


def test_a_4xx_stops_retrying_and_replay_sends_it_again(
    receiver, publisher, site, make_article, editor_user, doctor
):
    receiver.script = [410]
    endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.FAILED)
    deliver_due()
    assert len(receiver.received) == 1
    article_services.webhook_delivery_replay(delivery=WebhookDelivery.objects.get(), user=publisher)
    drain(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED)
    assert [m.headers["webhook-id"] for m in receiver.received] == [
        receiver.received[0].headers["webhook-id"]
    ] * 2


def test_408_and_429_are_retried_until_the_limit(
    receiver, publisher, site, make_article, editor_user, doctor, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.default_status = 429
    receiver.script = [408]
    endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DEAD)
    assert len(receiver.received) == 3


def test_a_receiver_down_during_50_publishes_gets_all_in_order_per_article(
    publisher, site, make_article, editor_user, doctor
):
    receiver = Receiver().start()
    endpoint_for(receiver, publisher, site=site, event_types=[EventType.PUBLISHED])
    receiver.stop()  # down from here on
    articles = [make_article(slug=f"article-{index}", sections=1) for index in range(5)]
    for round_number in range(10):
        for article in articles:
            publish_new_version(article, editor_user, doctor, f"Text {round_number}.")
    assert WebhookDelivery.objects.count() == 50
    for _ in range(3):
        deliver_due()  # connection refused: every attempt is a retry
    assert not WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists()
    assert WebhookDelivery.objects.filter(attempts__gte=1).exists()

    receiver.start()  # back on the same port
    try:
        drain(
            lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 50,
            seconds=60,
        )
    finally:
        receiver.stop()
    bodies = [json.loads(message.body) for message in receiver.received]
    assert len({body["data"]["id"] for body in bodies}) == 50
    for article in articles:
        versions = [
            body["data"]["version"] for body in bodies if body["data"]["slug"] == article.slug
        ]
        assert versions == sorted(versions), "events for one article arrive in order"
        assert sorted(set(versions)) == list(range(1, 11))


def test_consumer_endpoints_get_only_public_events_and_the_cms_gets_the_workflow(
    receiver, publisher, site, make_article, editor_user, doctor
):
    cms = Receiver().start()
    try:
        endpoint_for(receiver, publisher, site=site)
        endpoint_for(cms, publisher)
        article = make_article(slug="stopping-ldn")
        review = review_services.review_submit(article=article, user=editor_user)
        review_services.review_request_changes(
            review=review, reviewer=doctor, comments=[{"body": "Cite the dose."}]
        )
        publish_new_version(article, editor_user, doctor, "Cited.")
        article_services.publication_retract(article=article, user=publisher, reason="Old.")
        drain(lambda: not WebhookDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists())
    finally:
        cms.stop()
    site_types = [json.loads(m.body)["type"] for m in receiver.received]
    cms_types = [json.loads(m.body)["type"] for m in cms.received]
    assert site_types == ["article.published", "article.retracted"]
    assert cms_types == [
        "version.submitted",
        "review.changes_requested",
        "version.submitted",
        "review.approved",
        "article.published",
        "article.retracted",
    ]
    changes = json.loads(cms.received[1].body)["data"]
    assert changes["comments"] == [{"section_anchor": "", "body": "Cite the dose."}]


def test_a_rolled_back_change_leaves_no_event_and_no_delivery(
    receiver, publisher, site, make_article, editor_user, doctor
):
    endpoint_for(receiver, publisher, site=site)
    review = review_services.review_submit(article=make_article(), user=editor_user)
    before = (Event.objects.count(), WebhookDelivery.objects.count())
    with pytest.raises(ContentHashMismatch):
        review_services.review_approve(
            review=review, reviewer=doctor, content_hash="0" * 64, kind=ReviewKind.FULL
        )
    assert (Event.objects.count(), WebhookDelivery.objects.count()) == before


def _subprocess_environment() -> dict[str, str]:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{settings_dict['NAME']}"
    else:
        url = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}"
            f"@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
            f"/{settings_dict['NAME']}"
        )
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "ldncontent.settings",
        "SECRET_KEY": "worker-test-secret",
        "DEBUG": "false",
        "WEBHOOK_LEASE_SECONDS": "2",
        "WEBHOOK_BACKOFF_BASE_SECONDS": "0.05",
        "WEBHOOK_BACKOFF_MAX_SECONDS": "0.2",
        "WORKER_POLL_SECONDS": "0.1",
    }


def _start_worker(seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--max-seconds", str(seconds)],
        cwd=ROOT,
        env=_subprocess_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_worker_killed_mid_delivery_loses_nothing(
    receiver, publisher, site, make_article, editor_user, doctor
):
    receiver.delay_seconds = 3  # the first request is still in flight when the worker dies
    endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")

    worker = _start_worker(seconds=30)
    try:
        assert receiver.first_request.wait(timeout=20), worker.stdout.read1().decode()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING, "not acknowledged: still owed"

    receiver.delay_seconds = 0
    restarted = _start_worker(seconds=30)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status == DeliveryStatus.DELIVERED:
                break
            time.sleep(0.1)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=10)
    assert delivery.status == DeliveryStatus.DELIVERED
    ids = {message.headers["webhook-id"] for message in receiver.received}
    assert len(receiver.received) == 2 and len(ids) == 1, "at least once, with the same id"
