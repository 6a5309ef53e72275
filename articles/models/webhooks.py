"""Webhook endpoints, and the delivery of each event to each endpoint with its attempt log."""

from django.db import models

from articles.models.consumers import ConsumerSite
from articles.models.events import Event
from articles.models.versions import FrozenModel


class WebhookEndpoint(models.Model):
    """Where events are posted: a consuming site's receiver, or the publisher's CMS."""

    site = models.ForeignKey(
        ConsumerSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text="The consuming site; empty for the publisher's own CMS.",
    )
    name = models.CharField(max_length=200)
    # Not a URLField: Django's URL rules differ from ours (articles.webhook_transport), which
    # the services apply on every write.
    url = models.CharField(
        max_length=500,
        help_text="The https:// URL that receives the POSTs, on the public internet.",
    )
    event_types = models.JSONField(
        default=list,
        blank=True,
        help_text="Event types to send; empty sends every type the endpoint may receive.",
    )
    secret = models.CharField(
        max_length=100, help_text="Standard Webhooks signing secret (`whsec_…`)."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (refused by the receiver)"
    DEAD = "dead", "Gave up after the last retry"
    CANCELLED = "cancelled", "Cancelled (the endpoint or its site was switched off)"


# Fixed descriptions only (e.g. "timeout", "HTTP 503"): never the receiver's answer or a
# socket error, which could reveal an internal service or the network behind it.
ERROR_MAX_LENGTH = 40


class WebhookDelivery(models.Model):
    """One event on its way to one endpoint: retried with backoff until acknowledged."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(
        max_length=ERROR_MAX_LENGTH, blank=True, help_text="The last attempt's error, if any."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event__position", "endpoint_id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="delivery_once_per_event")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.status})"


class DeliveryAttempt(FrozenModel):
    """One HTTP attempt of a delivery: the append-only delivery log."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.PROTECT, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(
        max_length=ERROR_MAX_LENGTH,
        blank=True,
        help_text="A fixed description: e.g. `timeout`, `connection refused`, `TLS error`, "
        "`response too large`, `HTTP 503`.",
    )
    outcome = models.CharField(
        max_length=20, help_text="delivered, retry, failed, dead or cancelled."
    )

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at}: {self.outcome}"
