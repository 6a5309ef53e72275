"""Fixtures for notifications: a real SMTP server on loopback, and Django's SMTP backend
pointed at it."""

import pytest

from tests.notifications.mail_server import MailServer


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings, mail_server):
    """Send over SMTP to the loopback server, with quick retries."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mail_server.port
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "ldncontent <noreply@content.example.org>"
    settings.ADMIN_BASE_URL = "https://content.example.org"
    settings.NOTIFICATION_BACKOFF_BASE_SECONDS = 0
    settings.NOTIFICATION_BACKOFF_MAX_SECONDS = 0
    return mail_server
