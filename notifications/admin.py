"""The outbox in the admin panel: read-only, with a retry action for failed notifications."""

from django.contrib import admin, messages

from articles.admin.base import ReadOnlyAdmin
from ldncontent.exceptions import DomainError
from ldncontent.permissions import PUBLISHING_ADMINS, user_roles
from notifications import services
from notifications.models import EmailNotification


@admin.register(EmailNotification)
class EmailNotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "recipient_email",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["recipient_email", "subject", "dedup_key"]
    list_select_related = ["recipient"]
    fields = [
        "kind",
        "recipient",
        "recipient_email",
        "subject",
        "body",
        "dedup_key",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "sent_at",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["retry"]

    def has_retry_permission(self, request) -> bool:
        # The service decides too; this only keeps the action off other roles' menus.
        return PUBLISHING_ADMINS in user_roles(request.user)

    @admin.action(description="Retry the selected failed notifications", permissions=["retry"])
    def retry(self, request, queryset):
        retried = 0
        for notification in queryset:
            try:
                services.notification_retry(notification=notification, user=request.user)
            except DomainError as error:
                messages.error(request, f"{notification}: {error.detail}")
                continue
            retried += 1
        if retried:
            messages.success(request, f"{retried} notification(s) will be sent again.")
