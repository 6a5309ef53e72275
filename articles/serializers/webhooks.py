"""Input and output shapes of the webhooks API; rules live in services, not here."""

from django.core.validators import RegexValidator
from rest_framework import serializers

from articles.models import (
    ConsumerSite,
    DeliveryAttempt,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
)
from articles.webhook_transport import URL_MAX_LENGTH, webhook_url_pattern, webhook_url_rules
from ldncontent.serializers import StrictBooleanField, StrictCharField, StrictSerializer


def _webhook_url_field(**kwargs) -> StrictCharField:
    """The endpoint URL, with the pattern and rules the services check (no `format: uri`,
    which allows schemes and hosts the server refuses)."""
    return StrictCharField(
        max_length=URL_MAX_LENGTH,
        validators=[
            RegexValidator(
                webhook_url_pattern(),
                message="Give a URL the server accepts: " + webhook_url_rules(),
            )
        ],
        help_text="Where events are POSTed. " + webhook_url_rules(),
        **kwargs,
    )


class WebhookEndpointOutputSerializer(serializers.ModelSerializer):
    """A webhook endpoint (the secret is shown only when created or rotated)."""

    url = serializers.CharField(read_only=True, help_text="Where events are POSTed.")
    site = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The consuming site; null for the CMS."
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "site", "event_types", "active", "created_at"]
        read_only_fields = fields


class WebhookEndpointSecretOutputSerializer(WebhookEndpointOutputSerializer):
    """A webhook endpoint with its signing secret: shown once, keep it safe."""

    class Meta(WebhookEndpointOutputSerializer.Meta):
        fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointChangedOutputSerializer(WebhookEndpointOutputSerializer):
    """A changed webhook endpoint, with its new secret only when `rotate_secret` was true."""

    # Documents PATCH's answer only: the view renders one of the two serializers above.
    secret = serializers.CharField(
        required=False, help_text="The new signing secret, only when rotated: shown once."
    )

    class Meta(WebhookEndpointOutputSerializer.Meta):
        fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]
        read_only_fields = WebhookEndpointOutputSerializer.Meta.fields


class WebhookEndpointCreateInputSerializer(StrictSerializer):
    """A new webhook endpoint."""

    name = StrictCharField(max_length=200, help_text="What this endpoint is.")
    url = _webhook_url_field()
    site = serializers.PrimaryKeyRelatedField(
        queryset=ConsumerSite.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A consuming site's id (it receives public events only); null for the CMS.",
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        required=False,
        default=list,
        max_length=20,
        help_text="Event types to send; empty for all the endpoint may receive.",
    )


class WebhookEndpointUpdateInputSerializer(StrictSerializer):
    """Changes to a webhook endpoint."""

    name = StrictCharField(max_length=200, required=False)
    url = _webhook_url_field(required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False, max_length=20
    )
    active = StrictBooleanField(
        required=False,
        help_text="False stops all deliveries at once: those pending, retries included, are "
        "cancelled and stay cancelled when it is switched on again (replay the ones still "
        "wanted).",
    )
    rotate_secret = StrictBooleanField(
        required=False, default=False, help_text="True issues a new secret (shown once)."
    )


class DeliveryAttemptOutputSerializer(serializers.ModelSerializer):
    """One HTTP attempt of a delivery."""

    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "status_code", "duration_ms", "error", "outcome"]
        read_only_fields = fields


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    """One event's delivery to one endpoint, with its attempt log."""

    event_id = serializers.CharField(
        source="event.position",
        read_only=True,
        help_text="The event's position (webhook-id evt_<n>).",
    )
    event_type = serializers.CharField(source="event.type", read_only=True)
    slug = serializers.CharField(source="event.slug", read_only=True)
    attempt_log = DeliveryAttemptOutputSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "slug",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "attempt_log",
        ]
        read_only_fields = fields
