"""System check of the delivery API's place in MIDDLEWARE, run by `manage.py check` and at start."""

from itertools import pairwise
from typing import Any

from django.conf import settings
from django.core.checks import Error

SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
DELIVERY_MIDDLEWARE = "articles.delivery.middleware.DeliveryMiddleware"


def delivery_middleware_position(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """DeliveryMiddleware must come right after SecurityMiddleware in MIDDLEWARE.

    After it, so that delivery answers carry the security headers and plain HTTP is
    redirected; right after it, so that delivery skips the sessions, users, CSRF and messages
    it doesn't use (bench/RESULTS.md).
    """
    if (SECURITY_MIDDLEWARE, DELIVERY_MIDDLEWARE) in pairwise(settings.MIDDLEWARE):
        return []
    return [
        Error(
            "DeliveryMiddleware is not right after SecurityMiddleware in MIDDLEWARE.",
            hint=f"List {DELIVERY_MIDDLEWARE!r} immediately after {SECURITY_MIDDLEWARE!r}: "
            "delivery answers then carry the security headers and skip the middleware "
            "they don't use.",
            id="articles.E001",
        )
    ]
