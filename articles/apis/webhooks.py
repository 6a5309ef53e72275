"""The webhook API for publishing admins: endpoints, their delivery log, and replay."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import services
from articles.exceptions import EndpointSwitchedOff
from articles.models import WebhookDelivery, WebhookEndpoint
from articles.serializers.webhooks import (
    WebhookDeliveryOutputSerializer,
    WebhookEndpointChangedOutputSerializer,
    WebhookEndpointCreateInputSerializer,
    WebhookEndpointOutputSerializer,
    WebhookEndpointSecretOutputSerializer,
    WebhookEndpointUpdateInputSerializer,
)
from ldncontent.apidocs import READ_ERRORS, WRITE_ERRORS, error_response
from ldncontent.permissions import IsPublishingAdmin

WEBHOOKS_TAG = ["webhooks"]
ENDPOINT_EXAMPLE = {
    "id": 1,
    "name": "Forum receiver",
    "url": "https://forum.example.org/hooks/ldncontent",
    "site": 3,
    "event_types": ["article.published", "article.retracted"],
    "active": True,
    "created_at": "2026-11-20T10:00:00Z",
}
DELIVERY_EXAMPLE = {
    "id": 7,
    "event_id": "42",
    "event_type": "article.published",
    "slug": "stopping-ldn",
    "status": "delivered",
    "attempts": 2,
    "next_attempt_at": "2026-11-21T09:00:05Z",
    "last_status_code": 200,
    "last_error": "",
    "delivered_at": "2026-11-21T09:00:07Z",
    "attempt_log": [
        {
            "attempted_at": "2026-11-21T09:00:00Z",
            "status_code": 503,
            "duration_ms": 41,
            "error": "HTTP 503",
            "outcome": "retry",
        },
        {
            "attempted_at": "2026-11-21T09:00:07Z",
            "status_code": 200,
            "duration_ms": 35,
            "error": "",
            "outcome": "delivered",
        },
    ],
}
WRITE_ERROR_RESPONSES = {code: WRITE_ERRORS[code] for code in (400, 401, 403, 404, 413, 415)}


class WebhookPermissions:
    """Publishing admins only."""

    permission_classes = [IsAuthenticated, IsPublishingAdmin]


class WebhookEndpointListCreateApi(WebhookPermissions, APIView):
    @extend_schema(
        operation_id="webhooks_list",
        summary="List webhook endpoints",
        description="Every endpoint, for consuming sites and for the publisher's CMS.",
        tags=WEBHOOKS_TAG,
        responses={200: WebhookEndpointOutputSerializer(many=True), **READ_ERRORS},
        examples=[OpenApiExample("endpoints", value=[ENDPOINT_EXAMPLE], response_only=True)],
    )
    def get(self, request: Request) -> Response:
        endpoints = WebhookEndpoint.objects.order_by("name")
        return Response(WebhookEndpointOutputSerializer(endpoints, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        summary="Register a webhook endpoint",
        description="Events are POSTed as JSON, signed in the Standard Webhooks style "
        "(`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 with the "
        "secret). The secret is in this response only. A consuming site's endpoint gets public "
        "events only (published, retracted, review overdue); the CMS's (no site) may also get "
        "version.submitted, review.approved, review.changes_requested and review.rejected. "
        "The URL must be `https://` (plain `http://` only on a development server) and reach "
        "the public internet: a host that is, or resolves to, a loopback, private, shared, "
        "link-local, multicast, reserved or unspecified address is refused with 400 (unless "
        "the server allows private networks), and every delivery checks the address again "
        "when it connects.",
        tags=WEBHOOKS_TAG,
        request=WebhookEndpointCreateInputSerializer,
        responses={201: WebhookEndpointSecretOutputSerializer, **WRITE_ERROR_RESPONSES},
        examples=[
            OpenApiExample(
                "new endpoint",
                value={
                    "name": "Forum receiver",
                    "url": ENDPOINT_EXAMPLE["url"],
                    "site": 3,
                    "event_types": ["article.published", "article.retracted"],
                },
                request_only=True,
            ),
            OpenApiExample(
                "created",
                value=ENDPOINT_EXAMPLE | {"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = WebhookEndpointCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(user=request.user, **serializer.validated_data)
        return Response(
            WebhookEndpointSecretOutputSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )


class WebhookEndpointDetailApi(WebhookPermissions, APIView):
    @extend_schema(
        operation_id="webhooks_retrieve",
        summary="Get a webhook endpoint",
        description="One endpoint (without its secret).",
        tags=WEBHOOKS_TAG,
        responses={200: WebhookEndpointOutputSerializer, **READ_ERRORS},
        examples=[OpenApiExample("endpoint", value=ENDPOINT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, endpoint_id: int) -> Response:
        endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
        return Response(WebhookEndpointOutputSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_partial_update",
        summary="Change a webhook endpoint",
        description="Change its name, URL (the same rules as when registering), event types or "
        "active flag. `active: false` cancels its pending deliveries, retries included, at "
        "once; they stay cancelled when it is switched on again (replay the ones still "
        "wanted). `rotate_secret: true` issues a new secret, returned in this response only.",
        tags=WEBHOOKS_TAG,
        request=WebhookEndpointUpdateInputSerializer,
        responses={200: WebhookEndpointChangedOutputSerializer, **WRITE_ERROR_RESPONSES},
        examples=[
            OpenApiExample("deactivate", value={"active": False}, request_only=True),
            OpenApiExample("endpoint", value=ENDPOINT_EXAMPLE, response_only=True),
        ],
    )
    def patch(self, request: Request, endpoint_id: int) -> Response:
        endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
        serializer = WebhookEndpointUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        rotate = changes.pop("rotate_secret")
        endpoint = services.webhook_endpoint_update(
            user=request.user, endpoint=endpoint, changes=changes, rotate_secret=rotate
        )
        output = (
            WebhookEndpointSecretOutputSerializer if rotate else WebhookEndpointOutputSerializer
        )
        return Response(output(endpoint).data)


class WebhookDeliveryListApi(WebhookPermissions, APIView):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="An endpoint's delivery log",
        description="The latest 200 deliveries to this endpoint, newest first, each with every "
        "attempt: status code, duration and a fixed error description (`HTTP 503`, `timeout`, "
        "`connection refused`, `connection failed`, `connection lost`, `TLS error`, "
        "`name did not resolve`, `address not allowed`, `URL not allowed`, "
        "`invalid HTTP response`, `response too large`); the receiver's answer is never "
        "stored. Status `cancelled`: the endpoint or its site was switched off.",
        tags=WEBHOOKS_TAG,
        responses={200: WebhookDeliveryOutputSerializer(many=True), **READ_ERRORS},
        examples=[
            OpenApiExample(
                "log",
                value=[DELIVERY_EXAMPLE],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, endpoint_id: int) -> Response:
        endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
        deliveries = (
            WebhookDelivery.objects.filter(endpoint=endpoint)
            .select_related("event")
            .prefetch_related("attempt_log")
            .order_by("-event__position")[:200]
        )
        return Response(WebhookDeliveryOutputSerializer(deliveries, many=True).data)


class WebhookDeliveryReplayApi(WebhookPermissions, APIView):
    @extend_schema(
        operation_id="webhooks_deliveries_replay",
        summary="Replay a delivery",
        description="Send the delivery again from its first attempt, with the same webhook-id "
        "(e.g. after a receiver that refused or was down has been fixed, or a cancelled one "
        "once its endpoint is switched on again). 409 while the endpoint or its consuming "
        "site is switched off.",
        tags=WEBHOOKS_TAG,
        request=None,
        responses={
            200: WebhookDeliveryOutputSerializer,
            **READ_ERRORS,
            409: error_response(
                "The endpoint or its consuming site is switched off.",
                EndpointSwitchedOff.code,
                EndpointSwitchedOff.default_detail,
            ),
        },
        examples=[
            OpenApiExample(
                "replayed",
                value=DELIVERY_EXAMPLE
                | {
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": "2026-11-22T10:00:00Z",
                    "delivered_at": None,
                    "attempt_log": [],
                },
                response_only=True,
            )
        ],
    )
    def post(self, request: Request, delivery_id: int) -> Response:
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
        delivery = services.webhook_delivery_replay(delivery=delivery, user=request.user)
        return Response(WebhookDeliveryOutputSerializer(delivery).data)
