"""Domain errors of the notification outbox."""

from ldncontent.exceptions import Conflict


class NotRetryable(Conflict):
    """Only a notification that failed can be retried."""

    code = "notification_not_retryable"
