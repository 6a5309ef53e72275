"""Admin of webhook endpoints (saved through the services, the secret shown once) and of their
deliveries, which can be replayed."""

from django.contrib import admin, messages

from articles import services
from articles.admin.base import ReadOnlyAdmin, ServiceRefusalsAsMessagesMixin
from articles.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from ldncontent.exceptions import DomainError


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceRefusalsAsMessagesMixin, admin.ModelAdmin):
    """Endpoints are saved through the services; the signing secret is shown once, when the
    endpoint is created, and never on any page after that."""

    list_display = ["name", "url", "site", "active", "created_at"]
    list_filter = ["active", "site"]
    fields = ["name", "url", "site", "event_types", "active"]

    def get_readonly_fields(self, request, obj=None):
        # The site decides which events may be sent, so it is fixed once created.
        return ["site"] if obj else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.webhook_endpoint_update(
                user=request.user,
                endpoint=obj,
                changes={name: data[name] for name in ("name", "url", "event_types", "active")},
            )
            return
        created = services.webhook_endpoint_create(
            user=request.user,
            name=data["name"],
            url=data["url"],
            site=data.get("site"),
            event_types=data.get("event_types") or [],
        )
        obj.pk = created.pk
        obj._state.adding = False
        messages.warning(
            request,
            f"The signing secret of “{created.name}” is {created.secret} — copy it to the "
            "receiver now: it is not shown again.",
        )


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["attempted_at", "status_code", "duration_ms", "outcome", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "last_status_code", "delivered_at"]
    list_filter = ["status", "endpoint"]
    list_select_related = ["event", "endpoint"]
    inlines = [DeliveryAttemptInline]
    actions = ["replay"]

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request, queryset):
        try:
            for delivery in queryset:
                services.webhook_delivery_replay(delivery=delivery, user=request.user)
        except DomainError as error:
            messages.error(request, error.detail)
            return
        messages.success(request, f"{queryset.count()} delivery(ies) will be sent again.")
