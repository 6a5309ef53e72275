"""API-key authentication and throttling of consuming sites (delivery only)."""

import threading
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from articles.delivery.selectors import Consumer, consumer_for_key

KEY_PREFIX = "Api-Key "


def api_key_from(request: HttpRequest) -> str:
    """The key of an `Authorization: Api-Key <key>` header; empty when there is none."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if not authorization.startswith(KEY_PREFIX):
        return ""
    return authorization[len(KEY_PREFIX) :].strip()


# Requests per key in the current minute, in this process: (minute, count) by key id. A dict,
# not Django's cache: LocMemCache is per process too, and pickles and locks on every call.
_minute_counts: dict[str, tuple[int, int]] = {}
_minute_counts_lock = threading.Lock()


def throttle_wait(consumer: Consumer) -> int | None:
    """Seconds to wait when the key used up this minute's requests, else None (and count one)."""
    with _minute_counts_lock:  # the clock is read inside: a minute never goes back
        now = time.time()
        minute = int(now // 60)
        counted_minute, count = _minute_counts.get(consumer.key_id, (minute, 0))
        count = count + 1 if counted_minute == minute else 1
        _minute_counts[consumer.key_id] = (minute, count)
    if count > settings.DELIVERY_THROTTLE_PER_MINUTE:
        return max(1, 60 - int(now % 60))
    return None


class ConsumerKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`: a consuming site's key (delivery endpoints only).

    The delivery views check keys in their own lean dispatch; this class names the scheme in
    the OpenAPI schema and authenticates the same way wherever DRF's dispatch is used.
    """

    def authenticate(self, request):
        consumer = consumer_for_key(api_key_from(request))
        return None if consumer is None else (AnonymousUser(), consumer)

    def authenticate_header(self, request) -> str:
        return "Api-Key"


class ConsumerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "articles.delivery.keys.ConsumerKeyAuthentication"
    name = "ConsumerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A consuming site's key, sent as `Authorization: Api-Key <key>`. "
            "Keys are issued by publishing admins and shown once.",
        }
