"""Webhooks with a real HTTP receiver on 127.0.0.1: signatures, retries, outages, ordering, a
worker killed mid-delivery, the fixed error log, the deadline and response cap, addresses
checked at connect time, slow receivers isolated, and switching endpoints and sites off."""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from standardwebhooks import Webhook, WebhookVerificationError

from articles import services as article_services
from articles import webhook_worker
from articles.models import (
    Article,
    ConsumerSite,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    EventType,
    Publication,
    ReviewKind,
    WebhookDelivery,
)
from articles.selectors import article_etag, section_list
from articles.webhook_worker import deliver_due, webhook_message_id
from reviews import services as review_services
from reviews.exceptions import ContentHashMismatch
from tests.articles.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 0.01
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 0.05
    settings.WEBHOOK_DELIVERY_DEADLINE_SECONDS = 5


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def endpoint_for(receiver, publisher, site=None, event_types=None, url=None):
    return article_services.webhook_endpoint_create(
        user=publisher,
        name="receiver",
        url=url or receiver.url,
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
        "review.signed_off",
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
        # The test suite's settings allow receivers on 127.0.0.1 over plain HTTP.
        "DJANGO_SETTINGS_MODULE": "ldncontent.test_settings",
        "SECRET_KEY": "worker-test-secret",
        "DEBUG": "false",
        "WEBHOOK_LEASE_SECONDS": "2",
        "WEBHOOK_DELIVERY_DEADLINE_SECONDS": "1",
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


# Delivery log, deadline, response cap, isolation of slow receivers, switching off.

INTERNAL_ANSWER = b"Traceback: connection to postgres://billing:hunter2@10.20.0.7/billing failed"


def attempt_log() -> list[tuple[int | None, str, str]]:
    return [
        (attempt.status_code, attempt.error, attempt.outcome)
        for attempt in DeliveryAttempt.objects.order_by("id")
    ]


def test_the_log_keeps_a_fixed_description_never_the_receivers_answer_or_socket_errors(
    receiver, publisher, site, make_article, editor_user, doctor, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.script = [500]
    receiver.response_body = INTERNAL_ANSWER
    endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: DeliveryAttempt.objects.count() == 1)
    receiver.stop()  # connection refused from here on
    drain(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DEAD)
    assert attempt_log() == [
        (500, "HTTP 500", "retry"),
        (None, "connection refused", "retry"),
        (None, "connection refused", "dead"),
    ]
    assert WebhookDelivery.objects.get().last_error == "connection refused"


def test_tls_to_a_plain_http_receiver_is_logged_as_a_tls_error(
    receiver, publisher, site, make_article, editor_user, doctor
):
    endpoint = endpoint_for(receiver, publisher, site=site)
    article_services.webhook_endpoint_update(
        user=publisher, endpoint=endpoint, changes={"url": receiver.url.replace("http", "https")}
    )
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: DeliveryAttempt.objects.exists())
    assert attempt_log() == [(None, "TLS error", "retry")]


def test_an_answer_trickling_in_is_cut_at_the_total_deadline(
    receiver, publisher, site, make_article, editor_user, doctor, settings
):
    settings.WEBHOOK_DELIVERY_DEADLINE_SECONDS = 1
    receiver.trickle_seconds = 0.1  # every byte well within a read timeout; 4 s in all
    endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: DeliveryAttempt.objects.exists())
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.status_code, attempt.error, attempt.outcome) == (None, "timeout", "retry")
    assert 900 <= attempt.duration_ms < 1500


def test_a_large_answer_is_read_only_up_to_the_cap(
    receiver, publisher, site, make_article, editor_user, doctor, settings
):
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 1024
    receiver.script = [500]
    receiver.response_body = INTERNAL_ANSWER * 100_000  # about 8 MB
    endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED)
    assert attempt_log() == [
        (500, "response too large", "retry"),
        (200, "response too large", "delivered"),
    ]


def test_a_name_resolving_to_loopback_is_refused_at_connect_time(
    receiver, publisher, site, make_article, editor_user, doctor, settings
):
    endpoint_for(receiver, publisher, site=site, url=receiver.url.replace("127.0.0.1", "localhost"))
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False  # e.g. registered before the rule existed
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: DeliveryAttempt.objects.exists())
    assert attempt_log() == [(None, "address not allowed", "retry")]
    assert receiver.received == []


def test_a_name_rebound_to_loopback_after_registration_is_refused_at_connect_time(
    receiver, publisher, site, make_article, editor_user, doctor, settings, monkeypatch
):
    """DNS rebinding: the name resolves to a public address when checked at registration, and
    to 127.0.0.1 when the worker connects. Nothing is sent to the public address either."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    system_getaddrinfo = socket.getaddrinfo
    answers = {"receiver.example.org": "93.184.215.14"}

    def rebinding_getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return system_getaddrinfo(answers[host], port, *args, **kwargs)
        return system_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    endpoint_for(
        receiver, publisher, site=site, url=f"http://receiver.example.org:{receiver.port}/"
    )
    answers["receiver.example.org"] = "127.0.0.1"
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    drain(lambda: DeliveryAttempt.objects.exists())
    assert attempt_log() == [(None, "address not allowed", "retry")]
    assert receiver.received == []


def latencies(receiver: Receiver, endpoint, count: int, *, seconds: float = 40) -> list[float]:
    """Seconds from each event's commit to its arrival at `receiver`, once `count` arrived."""
    deadline = time.monotonic() + seconds
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(receiver.received) >= count, f"{len(receiver.received)} of {count} arrived"
    written = {
        webhook_message_id(delivery.event): delivery.created_at.timestamp()
        for delivery in WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    }
    return [
        message.received_at - written[message.headers["webhook-id"]]
        for message in receiver.received[:count]
    ]


def test_a_hanging_receiver_does_not_delay_other_endpoints(
    receiver, publisher, make_article, editor_user, doctor, settings
):
    settings.WEBHOOK_DELIVERY_DEADLINE_SECONDS = 4
    settings.WORKER_POLL_SECONDS = 0.05
    forum = ConsumerSite.objects.create(name="Forum", contact_email="web@forum.example.org")
    clinic = ConsumerSite.objects.create(name="Clinic", contact_email="web@clinic.example.org")
    hanging = Receiver(delay_seconds=60).start()  # reads the request, never answers
    stop = threading.Event()
    worker = threading.Thread(target=webhook_worker.run, kwargs={"stop": stop})
    try:
        # The hanging endpoint is created first: its deliveries come first in every pass.
        hanging_endpoint = endpoint_for(hanging, publisher, site=forum)
        healthy_endpoint = endpoint_for(receiver, publisher, site=clinic)
        article_services.webhook_endpoint_update(
            user=publisher, endpoint=hanging_endpoint, changes={"active": False}
        )
        articles = [make_article(slug=f"article-{index}", sections=1) for index in range(5)]
        worker.start()
        for article in articles:  # alone, to measure the normal latency
            publish_new_version(article, editor_user, doctor, "First.")
            time.sleep(0.3)
        alone = latencies(receiver, healthy_endpoint, 5)

        article_services.webhook_endpoint_update(
            user=publisher, endpoint=hanging_endpoint, changes={"active": True}
        )
        for article in articles:
            publish_new_version(article, editor_user, doctor, "Second.")
            time.sleep(0.3)
        with_hanging = latencies(receiver, healthy_endpoint, 10)[5:]
        assert hanging.received, "the hanging receiver was being sent to meanwhile"
    finally:
        stop.set()
        worker.join(timeout=30)
        hanging.stop()
    print(
        "\nhealthy receiver's latency (event commit to arrival), 5 events each: "
        f"alone median {statistics.median(alone) * 1000:.0f} ms, max {max(alone) * 1000:.0f} ms; "
        f"with a hanging receiver (deadline 4 s) median "
        f"{statistics.median(with_hanging) * 1000:.0f} ms, max {max(with_hanging) * 1000:.0f} ms"
    )
    assert max(with_hanging) < 1.0, with_hanging


def test_switching_an_endpoint_off_cancels_its_pending_deliveries_and_retries_at_once(
    publisher, site, make_article, editor_user, doctor
):
    receiver = Receiver().start()
    endpoint = endpoint_for(receiver, publisher, site=site)
    receiver.stop()  # down: every attempt is a retry
    for index in range(3):
        publish_new_version(make_article(slug=f"article-{index}"), editor_user, doctor, "First.")
    deliver_due()
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, attempts=1).count() == 3

    article_services.webhook_endpoint_update(
        user=publisher, endpoint=endpoint, changes={"active": False}
    )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"cancelled"}
    receiver.start()
    try:
        time.sleep(0.1)  # past every backoff
        deliver_due()
        # Switched on again: what was cancelled stays cancelled; new events are sent.
        article_services.webhook_endpoint_update(
            user=publisher, endpoint=endpoint, changes={"active": True}
        )
        deliver_due()
        assert receiver.received == []
        publish_new_version(Article.objects.get(slug="article-0"), editor_user, doctor, "Again.")
        drain(lambda: len(receiver.received) == 1)
    finally:
        receiver.stop()
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.CANCELLED).count() == 3


def test_deactivating_the_consuming_site_cancels_its_endpoints_deliveries(
    publisher, site, make_article, editor_user, doctor
):
    receiver = Receiver().start()
    cms = Receiver().start()
    endpoint_for(receiver, publisher, site=site)
    endpoint_for(cms, publisher)
    receiver.stop()
    cms.stop()
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    deliver_due()

    article_services.consumer_site_update(user=publisher, site=site, changes={"active": False})
    assert dict(WebhookDelivery.objects.values_list("endpoint__site", "status")) == {
        site.pk: "cancelled",
        None: "pending",  # the CMS's endpoint is not the site's
    }
    publish_new_version(Article.objects.get(slug="stopping-ldn"), editor_user, doctor, "Again.")
    assert not WebhookDelivery.objects.filter(endpoint__site=site, event__version=2).exists()


def test_the_worker_checks_the_endpoint_and_site_again_before_each_attempt(
    receiver, publisher, site, make_article, editor_user, doctor
):
    endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    # Switched off behind the services' back (e.g. in a database console):
    ConsumerSite.objects.filter(pk=site.pk).update(active=False)
    deliver_due()
    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == DeliveryStatus.CANCELLED


def test_a_delivery_switched_off_in_flight_is_not_retried(
    receiver, publisher, site, make_article, editor_user, doctor
):
    receiver.delay_seconds = 1
    receiver.default_status = 503
    endpoint = endpoint_for(receiver, publisher, site=site)
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    sending = threading.Thread(target=deliver_due)
    sending.start()
    assert receiver.first_request.wait(timeout=10)
    article_services.webhook_endpoint_update(
        user=publisher, endpoint=endpoint, changes={"active": False}
    )
    sending.join(timeout=10)
    assert attempt_log() == [(503, "HTTP 503", "cancelled")]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.CANCELLED


def test_errors_logged_before_are_replaced_by_their_fixed_descriptions(
    publisher, site, make_article, editor_user, doctor
):
    """Migration 0007 on a log written before it (the columns were wide enough for bodies)."""
    article_services.webhook_endpoint_create(
        user=publisher, name="receiver", url="https://forum.example.org/hooks", site=site
    )
    publish_new_version(make_article(slug="stopping-ldn"), editor_user, doctor, "First.")
    delivery = WebhookDelivery.objects.get()
    logged_before = [
        (500, INTERNAL_ANSWER.decode()),
        (None, "ConnectError: [Errno 111] Connection refused"),
        (None, "ConnectTimeout: timed out connecting to 10.20.0.7:443"),
        (None, "ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
        (None, "ReadError: [Errno 104] Connection reset by peer"),
        (200, ""),
    ]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    before = [("articles", "0006_publication_list_entry_rendered")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    for status_code, error in logged_before:
        old_apps.get_model("articles", "DeliveryAttempt").objects.create(
            delivery_id=delivery.pk,
            attempted_at=delivery.created_at,
            status_code=status_code,
            duration_ms=5,
            error=error,
            outcome="retry",
        )
    old_apps.get_model("articles", "WebhookDelivery").objects.filter(pk=delivery.pk).update(
        last_status_code=500, last_error=INTERNAL_ANSWER.decode()
    )

    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    assert [error for _, error, _ in attempt_log()] == [
        "HTTP 500",
        "connection refused",
        "timeout",
        "TLS error",
        "connection failed",
        "",
    ]
    assert WebhookDelivery.objects.get().last_error == "HTTP 500"


RUNS: list[str] = []


def record_run() -> None:
    RUNS.append("ran")


def fail_always() -> None:
    raise RuntimeError("this job always fails")


SLOW_JOB_RUNNING = threading.Event()


def slow_job() -> None:
    SLOW_JOB_RUNNING.set()
    time.sleep(3)  # a link check or a mail server that takes its time


def count_run() -> None:
    RUNS.append("quick")


def test_periodic_jobs_run_at_once_then_by_interval_and_a_failing_one_spares_the_others():
    RUNS.clear()
    jobs = webhook_worker.PeriodicJobs(
        [
            ("tests.articles.test_webhooks.fail_always", 0),
            ("tests.articles.test_webhooks.record_run", 3600),
        ]
    )
    stop = threading.Event()
    jobs.start(stop)
    time.sleep(0.5)
    stop.set()
    jobs.join(timeout=5)
    assert RUNS == ["ran"], "at once, then not again within the hour"


def test_a_slow_job_delays_no_other():
    RUNS.clear()
    SLOW_JOB_RUNNING.clear()
    jobs = webhook_worker.PeriodicJobs(
        [
            ("tests.articles.test_webhooks.slow_job", 0),
            ("tests.articles.test_webhooks.count_run", 0.1),
        ]
    )
    stop = threading.Event()
    jobs.start(stop)
    assert SLOW_JOB_RUNNING.wait(5)
    time.sleep(1)
    runs_while_the_slow_one_ran = len(RUNS)
    stop.set()
    jobs.join(timeout=10)
    assert runs_while_the_slow_one_ran >= 5


def test_the_worker_runs_the_configured_jobs(settings):
    RUNS.clear()
    settings.WORKER_PERIODIC_JOBS = [("tests.articles.test_webhooks.record_run", 3600)]
    stop = threading.Event()
    worker = threading.Thread(target=webhook_worker.run, kwargs={"stop": stop})
    worker.start()
    deadline = time.monotonic() + 10
    while not RUNS and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(timeout=15)
    assert RUNS == ["ran"]
