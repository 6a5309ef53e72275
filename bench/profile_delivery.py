"""Where a delivery request's time goes: in-process timings of the whole stack and its steps.

`.venv/bin/python bench/profile_delivery.py` seeds a temporary database as `bench/run.py` does, then
calls Django's WSGI handler directly (no HTTP, no gunicorn) and each step of the delivery
path on its own. Each figure is CPU time of this process, the fastest of several interleaved
batches, in microseconds per call, which holds up when other processes share the machine.
Not a test.

BENCH_PROFILE_CALLS (500) calls per batch, BENCH_PROFILE_BATCHES (9) batches.
"""

import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ldncontent.env import env_int

CALLS = env_int("BENCH_PROFILE_CALLS", 500, minimum=1)
BATCHES = env_int("BENCH_PROFILE_BATCHES", 9, minimum=1)


def timed_interleaved(cases: dict[str, Callable[[], object]]) -> dict[str, float]:
    """CPU microseconds per call of each case: the fastest of BATCHES batches of CALLS calls.

    CPU time of this process (not wall time), so time spent waiting for a CPU that other
    processes hold is not counted; and the cases take turns batch by batch, so what other
    load still does (caches, frequency) hits them all alike instead of one of them.
    """
    for function in cases.values():
        for _ in range(min(100, CALLS)):
            function()
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(BATCHES):
        for label, function in cases.items():
            started = time.process_time()
            for _ in range(CALLS):
                function()
            best[label] = min(best[label], time.process_time() - started)
    return {label: seconds * 1e6 / CALLS for label, seconds in best.items()}


def wsgi_call(handler, path: str, headers: dict[str, str]) -> Callable[[], bytes]:
    """One GET through a WSGI handler, consumed and closed as gunicorn does."""
    base = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_X_FORWARDED_PROTO": "https",  # as through the TLS-terminating proxy
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    base.update(
        {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    )
    statuses = []

    def start_response(status, response_headers, exc_info=None):
        statuses.append(status)

    def call() -> bytes:
        environ = {**base, "wsgi.input": io.BytesIO(b"")}
        response = handler(environ, start_response)
        try:
            return b"".join(response)
        finally:
            response.close()

    call()
    return call, statuses


def main() -> int:
    temporary = Path(tempfile.mkdtemp(prefix="ldncontent-profile-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_SQLITE_PATH"] = str(temporary / "bench.sqlite3")
    os.environ.pop("DATABASE_URL", None)
    try:
        return _profile()
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(temporary, ignore_errors=True)


def _profile() -> int:
    import django

    django.setup()
    import sqlite3

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.http import HttpResponse
    from django.test import override_settings
    from django.utils import timezone

    from articles.delivery import views as delivery
    from articles.delivery.keys import throttle_wait
    from articles.delivery.middleware import DeliveryMiddleware
    from articles.delivery.selectors import (
        KEY_AND_PUBLICATION_SQL,
        KEY_GENERATOR,
        consumer_for_key,
        publication_for_key,
    )
    from bench.dataset import SLUG, seed
    from bench.load import endpoints
    from ldncontent.http import parse_etag_list

    seeded = seed()
    points = {point.key: point for point in endpoints(seeded)}
    auth = points["detail"].headers["Authorization"]
    print(f"fastest of {BATCHES} interleaved batches of {CALLS} calls, microseconds per call")

    def request(handler, key: str, headers: dict[str, str] | None = None):
        point = points[key]
        call, statuses = wsgi_call(
            handler, point.path, point.headers if headers is None else headers
        )
        return call, statuses[-1].split()[0]

    full = WSGIHandler()
    with override_settings(MIDDLEWARE=[]):
        no_middleware = WSGIHandler()
    short = {name: name.rsplit(".", 1)[1] for name in settings.MIDDLEWARE}
    # AuthenticationMiddleware needs the session; removing the session removes all three.
    groups = [[name] for name in settings.MIDDLEWARE if not name.endswith(".SessionMiddleware")]
    groups.append(
        [
            name
            for name in settings.MIDDLEWARE
            if name.rsplit(".", 1)[1]
            in {"SessionMiddleware", "AuthenticationMiddleware", "MessageMiddleware"}
        ]
    )
    without = {}
    for group in groups:
        with override_settings(
            MIDDLEWARE=[item for item in settings.MIDDLEWARE if item not in group]
        ):
            without[" + ".join(short[name] for name in group)] = WSGIHandler()

    expected = {"bare": "200", "detail": "200", "304": "304", "list": "200"}
    cases, statuses = {}, {}

    def add(case: str, handler, key: str, headers=None, want: str | None = None) -> None:
        call, status = request(handler, key, headers)
        if status != (want or expected[key]):
            print(f"  skipped {case}: answered {status}")
            return
        cases[case], statuses[case] = call, status

    for key in ("bare", "detail", "304", "list"):
        add(key, full, key)
    add("401", full, "detail", {}, want="401")
    for key in ("bare", "detail", "304"):
        add(f"{key}/none", no_middleware, key)
    for name, handler in without.items():
        for key in ("bare", "detail"):
            add(f"{key}/-{name}", handler, key)
    whole = timed_interleaved(cases)

    print("\nWhole requests through Django's WSGI handler (no HTTP, no gunicorn):")
    print(f"{'':40}{'all middleware':>16}{'no middleware':>15}{'middleware':>12}")
    for key in ("bare", "detail", "304", "list", "401"):
        label = "delivery detail without a key" if key == "401" else points[key].label
        line = f"{label + ' [' + statuses[key] + ']':40}{whole[key]:16.1f}"
        if f"{key}/none" in whole:
            none = whole[f"{key}/none"]
            line += f"{none:15.1f}{whole[key] - none:12.1f}"
        print(line)
    print("\nWhat each middleware costs: all middleware minus all but it (us per request):")
    print(f"{'':64}{'bare view':>10}{'detail':>10}")
    for name in without:
        cells = [
            f"{whole[key] - whole[f'{key}/-{name}']:10.1f}"
            if f"{key}/-{name}" in whole
            else " " * 10
            for key in ("bare", "detail")
        ]
        print(f"{name:64}{''.join(cells)}")

    prefix = seeded.api_key.partition(".")[0]
    known = tuple(parse_etag_list(seeded.etag))
    consumer, publication = publication_for_key(raw_key=seeded.api_key, slug=SLUG)
    raw = sqlite3.connect(connection.settings_dict["NAME"])
    raw_sql = KEY_AND_PUBLICATION_SQL.format(placeholders="?").replace("%s", "?")
    raw_params = ["", SLUG, prefix, False, True]
    hashed = raw.execute(raw_sql, raw_params).fetchone()[1]
    from django.urls import get_resolver

    resolver = get_resolver()
    delivery_resolver = DeliveryMiddleware(get_response=None).resolver

    def watched_publication_for_key():
        with connection.execute_wrapper(lambda execute, *args: execute(*args)):
            return publication_for_key(raw_key=seeded.api_key, slug=SLUG)

    steps = {
        "URL resolving: /bench/bare/ (first pattern)": lambda: resolver.resolve(
            points["bare"].path
        ),
        "URL resolving: delivery detail, whole URLconf": lambda: resolver.resolve(
            points["detail"].path
        ),
        "URL resolving: delivery detail, DeliveryMiddleware": lambda: delivery_resolver.resolve(
            points["detail"].path
        ),
        "WSGIRequest(environ) alone": _request(auth, headers=False),
        "WSGIRequest(environ) + request.headers lookup": _request(auth, headers=True),
        "consumer_for_key: key query + SHA-512 (list, feed)": lambda: consumer_for_key(
            seeded.api_key
        ),
        "publication_for_key: key + publication (200)": lambda: publication_for_key(
            raw_key=seeded.api_key, slug=SLUG
        ),
        "publication_for_key: key + publication (304)": lambda: publication_for_key(
            raw_key=seeded.api_key, slug=SLUG, known_etags=known
        ),
        "  the same, with an execute_wrapper installed": watched_publication_for_key,
        "  the same statement on a plain sqlite3 connection": lambda: raw.execute(
            raw_sql, raw_params
        ).fetchone(),
        "  SHA-512 verify alone": lambda: KEY_GENERATOR.verify(seeded.api_key, hashed),
        "throttle_wait (a dict per process)": lambda: throttle_wait(consumer),
        "HttpResponse + cache_headers": lambda: delivery.cache_headers(
            HttpResponse(publication.payload, content_type="application/json"), publication
        ),
        "HttpResponse alone (as the bare view)": lambda: HttpResponse(
            publication.payload, content_type="application/json"
        ),
        "timezone.localdate() (overdue policy)": timezone.localdate,
    }
    print("\nSteps of the delivery detail, called on their own (us per call):")
    for label, micros in timed_interleaved(steps).items():
        print(f"{label:56}{micros:9.1f}")
    raw.close()
    return 0


def _request(auth: str, *, headers: bool) -> Callable[[], object]:
    """Build a request as the handler does, and look the key header up the delivery way."""
    from django.core.handlers.wsgi import WSGIRequest

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/v1/published/articles/stopping-ldn/",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": auth,
        "HTTP_USER_AGENT": "wrk",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
    }

    def build() -> object:
        request = WSGIRequest({**environ, "wsgi.input": io.BytesIO(b"")})
        if headers:
            return request.headers.get("Authorization", "")
        return request

    return build


if __name__ == "__main__":
    sys.exit(main())
