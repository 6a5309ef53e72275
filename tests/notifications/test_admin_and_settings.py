"""The outbox in the admin (read-only, a retry action for publishing admins) and the email
settings: the console in development, SMTP by the environment in production."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import EmailNotification, NotificationKind, NotificationStatus
from notifications.services import notification_enqueue
from tests import factories
from tests.clients import staff_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
LIST = "/admin/notifications/emailnotification/"


def notification(recipient, key: str, status: str) -> EmailNotification:
    with transaction.atomic():
        queued = notification_enqueue(
            kind=NotificationKind.DECISION,
            dedup_key=key,
            recipient=recipient,
            subject=f"About {key}",
            body="Body <b>as text</b>.",
        )
    EmailNotification.objects.filter(pk=queued.pk).update(
        status=status,
        attempts=8,
        last_error="mail server unreachable",
        sent_at=timezone.now() if status == NotificationStatus.SENT else None,
    )
    return queued


def test_a_publishing_admin_reads_the_outbox_and_retries_the_failed_ones(publisher, editor_user):
    failed = notification(editor_user, "decision:1:rejected", NotificationStatus.FAILED)
    sent = notification(editor_user, "decision:2:approved", NotificationStatus.SENT)
    client = staff_client(publisher)

    page = client.get(LIST)
    assert page.status_code == 200
    content = page.content.decode()
    assert "About decision:1:rejected" in content and "mail server unreachable" in content
    assert "Retry the selected failed notifications" in content
    assert f"{LIST}add/" not in content
    detail = client.get(f"{LIST}{failed.pk}/change/").content.decode()
    assert "Body &lt;b&gt;as text&lt;/b&gt;." in detail and 'name="_save"' not in detail

    response = client.post(
        LIST, {"action": "retry", "_selected_action": [failed.pk, sent.pk]}, follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert "1 notification(s) will be sent again." in messages
    assert any("only a failed one can be retried" in message for message in messages)
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (NotificationStatus.PENDING, 0)
    assert sent.status == NotificationStatus.SENT
    assert client.post(f"{LIST}{sent.pk}/delete/", {"post": "yes"}).status_code == 403
    assert EmailNotification.objects.count() == 2


@pytest.mark.parametrize("role", ["editor", "clinician"])
def test_other_roles_do_not_see_the_outbox(role, editor_user):
    user = editor_user if role == "editor" else factories.clinician_with_profile(username="c")
    notification(editor_user, "decision:1:rejected", NotificationStatus.FAILED)
    assert staff_client(user).get(LIST).status_code == 403


def settings_value(expression: str, **environment: str | None) -> str:
    """An expression of the settings, as a fresh process reads them from `environment`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("EMAIL_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({"SECRET_KEY": secrets.token_urlsafe(50), **environment})
    env = {key: value for key, value in env.items() if value is not None}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from ldncontent.settings import *; print({expression})",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 or "ImproperlyConfigured" in result.stderr, result.stderr
    return (result.stdout or result.stderr).strip()


def test_email_goes_to_the_console_in_development_and_over_smtp_in_production():
    assert settings_value("EMAIL_BACKEND", DEBUG="true").endswith("console.EmailBackend")
    assert settings_value("EMAIL_BACKEND", DEBUG="false").endswith("smtp.EmailBackend")
    smtp = {"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "587", "EMAIL_USE_TLS": "yes"}
    read = settings_value("(EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS)", DEBUG="false", **smtp)
    assert read == "('smtp.example.org', 587, True)"


def test_the_cache_is_local_unless_the_database_is_asked_for():
    assert settings_value("CACHES['default']['BACKEND']").endswith("LocMemCache")
    assert settings_value("CACHES['default']['BACKEND']", CACHE="database").endswith(
        "DatabaseCache"
    )
    assert "CACHE" in settings_value("1", CACHE="redis")


def test_a_lease_shorter_than_a_whole_send_stops_the_start():
    # Longer than one exchange is not enough: a send is up to ten of them.
    refusal = settings_value(
        "NOTIFICATION_LEASE_SECONDS", EMAIL_TIMEOUT="30", NOTIFICATION_LEASE_SECONDS="60"
    )
    assert "NOTIFICATION_LEASE_SECONDS must be longer than ten times EMAIL_TIMEOUT" in refusal
    assert (
        settings_value(
            "NOTIFICATION_LEASE_SECONDS", EMAIL_TIMEOUT="5", NOTIFICATION_LEASE_SECONDS="60"
        )
        == "60.0"
    )
