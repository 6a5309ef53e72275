"""API-key authentication and throttling of consuming sites (delivery only)."""

import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from articles.published_selectors import Consumer, consumer_for_key

KEY_PREFIX = "Api-Key "


def consumer_from_header(authorization: str) -> Consumer | None:
    """The consumer named by an `Authorization: Api-Key <key>` header, if the key is valid."""
    if not authorization.startswith(KEY_PREFIX):
        return None
    return consumer_for_key(authorization[len(KEY_PREFIX) :].strip())


def throttle_wait(consumer: Consumer) -> int | None:
    """Seconds to wait when the key used up this minute's requests, else None (and count one)."""
    now = time.time()
    window_key = f"delivery-throttle:{consumer.key_id}:{int(now // 60)}"
    cache.add(window_key, 0, timeout=90)
    try:
        count = cache.incr(window_key)
    except ValueError:  # expired between add and incr: start the window again
        cache.set(window_key, 1, timeout=90)
        count = 1
    if count > settings.DELIVERY_THROTTLE_PER_MINUTE:
        return max(1, 60 - int(now % 60))
    return None


class ConsumerKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`: a consuming site's key (delivery endpoints only)."""

    def authenticate(self, request):
        consumer = consumer_from_header(request.headers.get("Authorization", ""))
        return None if consumer is None else (AnonymousUser(), consumer)

    def authenticate_header(self, request) -> str:
        return "Api-Key"


class ConsumerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "articles.consumer_auth.ConsumerKeyAuthentication"
    name = "ConsumerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A consuming site's key, sent as `Authorization: Api-Key <key>`. "
            "Keys are issued by publishing admins and shown once.",
        }
