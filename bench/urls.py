"""The project's URLs plus `/bench/bare/`, the baseline the delivery API is measured against."""

import os

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from articles.models import Publication

BENCH_SLUG = os.environ.get("BENCH_SLUG", "stopping-ldn")
_payload: bytes | None = None


def bare(request: HttpRequest) -> HttpResponse:
    """The benchmarked article's delivery payload from memory: no key, no query, no headers.

    The bytes are read from the Publication row once, on the first call in each worker (the
    benchmark warms every endpoint up before it measures).
    """
    global _payload
    if _payload is None:
        _payload = bytes(Publication.objects.values_list("payload", flat=True).get(slug=BENCH_SLUG))
    return HttpResponse(_payload, content_type="application/json")


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("", include("ldncontent.urls")),
]
