"""The worker sends the outbox: a worker killed while the mail server holds its message loses
nothing, and the message is sent again with the same Message-ID (at least once); concurrent
workers never claim the same notification."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from notifications.models import EmailNotification, NotificationKind, NotificationStatus
from notifications.services import notification_claim_next, notification_enqueue
from reviews import services as review_services
from tests.notifications.mail_server import MailServer

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def worker_environment(mail_server: MailServer) -> dict[str, str]:
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
        "DJANGO_SETTINGS_MODULE": "ldncontent.test_settings",
        "SECRET_KEY": "worker-test-secret",
        "DEBUG": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail_server.port),
        "EMAIL_TIMEOUT": "1",
        "NOTIFICATION_LEASE_SECONDS": "11",
        "NOTIFICATION_SEND_INTERVAL_SECONDS": "0.1",
        "WORKER_POLL_SECONDS": "0.1",
    }


def start_worker(mail_server: MailServer) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--max-seconds", "60"],
        cwd=ROOT,
        env=worker_environment(mail_server),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_worker_killed_mid_send_loses_nothing(make_article, editor_user, doctor):
    mail_server = MailServer().start()
    mail_server.delay_seconds = 30  # the server holds the message when the worker dies
    review = review_services.review_submit(article=make_article(), user=editor_user)
    review_services.review_reject(review=review, reviewer=doctor, note="Out of scope.")
    notification = EmailNotification.objects.get()
    try:
        worker = start_worker(mail_server)
        try:
            assert mail_server.first_message.wait(timeout=30), worker.stdout.read1().decode()
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.SENDING, "not acknowledged: still owed"

        mail_server.delay_seconds = 0
        restarted = start_worker(mail_server)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                notification.refresh_from_db()
                if notification.status == NotificationStatus.SENT:
                    break
                time.sleep(0.1)
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(timeout=15)
    finally:
        mail_server.stop()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 2
    ids = {message["Message-ID"].strip() for message in mail_server.messages}
    assert len(mail_server.messages) == 2 and ids == {notification.message_id}, (
        "at least once, with the same Message-ID"
    )


def test_a_notice_outside_a_transaction_is_refused(editor_user):
    with pytest.raises(RuntimeError, match="transaction"):
        notification_enqueue(
            kind=NotificationKind.DECISION,
            dedup_key="decision:4:approved",
            recipient=editor_user,
            subject="Approved",
            body="Published.",
        )
    assert not EmailNotification.objects.exists()


@pytest.mark.postgres
def test_concurrent_workers_each_claim_a_different_notification(editor_user):
    """PostgreSQL: a row another worker is claiming is skipped (SKIP LOCKED), never taken twice."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks held by concurrent transactions")
    with transaction.atomic():
        for number in range(2):
            notification_enqueue(
                kind=NotificationKind.DECISION,
                dedup_key=f"decision:{number}:rejected",
                recipient=editor_user,
                subject=f"Rejected {number}",
                body="Rejected.",
            )
    holding, release = threading.Event(), threading.Event()
    claimed_by_other: list[int] = []

    def other_worker():
        try:
            with transaction.atomic():
                notification = notification_claim_next()  # holds the row lock until commit
                claimed_by_other.append(notification.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        mine = notification_claim_next()
        assert mine is not None and mine.pk != claimed_by_other[0]
        assert notification_claim_next() is None, "nothing else is due"
    finally:
        release.set()
        thread.join(timeout=30)
    assert set(EmailNotification.objects.values_list("status", flat=True)) == {
        NotificationStatus.SENDING
    }
    assert sorted(EmailNotification.objects.values_list("attempts", flat=True)) == [1, 1]
