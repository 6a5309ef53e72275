"""The worker's job that sends the outbox: `send_due` (listed in settings.WORKER_PERIODIC_JOBS).

Each notification is leased, handed to the mail server with Django's email framework, and
marked sent in a short transaction right after the server accepted it. The one gap is a crash
(or a lost database) between the server's acceptance and that commit: the lease then runs out
and the message is sent again, so delivery is at least once. The copy carries the same
Message-ID (derived from the notice's key), by which a receiving server or mail client can
drop it.
"""

import logging
import smtplib
import ssl

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from notifications.models import EmailNotification
from notifications.services import (
    notification_claim_next,
    notification_mark_failed,
    notification_mark_sent,
)

logger = logging.getLogger(__name__)


def _failure(error: Exception) -> tuple[str, bool, bool]:
    """A fixed description of a failure (never the server's words, which may quote the message
    or an address), whether it is permanent, and whether the server itself is at fault (then the
    rest of the batch waits for the next run instead of failing one by one)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return ("recipient refused" if permanent else "recipient deferred"), permanent, False
    if isinstance(error, smtplib.SMTPDataError):
        permanent = error.smtp_code >= 500
        return ("message refused" if permanent else "message deferred"), permanent, False
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "authentication refused by the mail server", False, True
    if isinstance(error, smtplib.SMTPSenderRefused):
        return "sender address refused", False, True
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "mail server disconnected", False, True
    if isinstance(error, smtplib.SMTPException):
        return "mail server error", False, True
    if isinstance(error, ssl.SSLError):
        return "TLS error", False, True
    if isinstance(error, TimeoutError):
        return "mail server timed out", False, True
    if isinstance(error, ConnectionRefusedError):
        return "mail server refused the connection", False, True
    if isinstance(error, OSError):
        return "mail server unreachable", False, True
    return "sending failed", False, True


def _message(notification: EmailNotification, connection) -> EmailMessage:
    return EmailMessage(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient_email],
        headers={"Message-ID": notification.message_id, "Auto-Submitted": "auto-generated"},
        connection=connection,
    )


def send_due(*, limit: int = 100) -> int:
    """Send the due notifications, at most `limit`, over one connection; returns how many the
    mail server accepted. A failure is recorded on its notification and retried with backoff;
    when the server itself fails, that attempt does not count and the rest wait for the next
    run."""
    connection = get_connection(fail_silently=False)
    sent = 0
    try:
        for _ in range(limit):
            notification = notification_claim_next()
            if notification is None:
                break
            try:
                connection.open()
                if _message(notification, connection).send() != 1:
                    raise smtplib.SMTPException("the backend sent nothing")
            except Exception as error:
                description, permanent, server_at_fault = _failure(error)
                logger.warning(
                    "notification %s not sent: %s (%s)",
                    notification.pk,
                    description,
                    type(error).__name__,
                )
                notification_mark_failed(
                    notification=notification,
                    error=description,
                    permanent=permanent,
                    server_at_fault=server_at_fault,
                )
                if server_at_fault:
                    break
                continue
            notification_mark_sent(notification=notification)
            sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # closing a broken connection must not hide what happened before
            logger.debug("closing the mail connection failed", exc_info=True)
    return sent
