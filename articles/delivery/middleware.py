"""The middleware that answers delivery requests before the rest of the stack."""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, URLResolver
from django.urls.resolvers import RegexPattern

from articles.delivery.urls import PREFIX
from ldncontent.error_handler import (
    DATABASE_UNAVAILABLE_ERRORS,
    database_is_unavailable,
    database_unavailable,
)


class DeliveryMiddleware:
    """Serves the delivery API (`/api/v1/published/`) straight after SecurityMiddleware.

    Delivery uses no session, user, CSRF token or message, so, like WhiteNoise for static
    files, this answers its requests without the middleware that provide them. Those cost a
    fifth of the CPU time of a delivery request, and a consuming site's fetches are most of
    the traffic (bench/RESULTS.md). The Host header is still checked against ALLOWED_HOSTS,
    as CommonMiddleware would. A path that is not a delivery route goes on through the whole
    stack, which redirects a missing slash or answers the API's JSON 404. A database that is
    down or locked is a 503 with Retry-After, as everywhere under /api/.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.resolver = URLResolver(
            RegexPattern(rf"^/{re.escape(PREFIX)}"), "articles.delivery.urls"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(f"/{PREFIX}"):
            return self.get_response(request)
        try:
            match = self.resolver.resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        request.get_host()  # DisallowedHost (400) for a host not in ALLOWED_HOSTS
        request.resolver_match = match
        try:
            return match.func(request, *match.args, **match.kwargs)
        except DATABASE_UNAVAILABLE_ERRORS as error:
            if not database_is_unavailable(error):
                raise
            return database_unavailable(request, error)
