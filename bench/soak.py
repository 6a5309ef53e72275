"""Load while editing (`make bench-soak`; not a test): reads never see unapproved content.

gunicorn (2 sync workers, `bench.settings`, its own database) serves the demo. For
BENCH_SOAK_SECONDS (60) 16 connections read the delivery detail of `stopping-ldn` in a loop
while one writer, over the same HTTP API, edits a section, submits, has a clinician approve
and now and then retracts. Afterwards every 200 body is checked against the versions that
clinicians approved: its content hash must be one of theirs, and its sections exactly
theirs. The run fails (exit 1) on any 5xx or any unapproved byte.
"""

import hashlib
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import log
from bench.dataset import SLUG, seed
from bench.servers import HOST, PROXY_HEADERS, Server
from ldncontent.env import env_int

SECONDS = env_int("BENCH_SOAK_SECONDS", 60, minimum=1)
CONNECTIONS = 16
RETRACT_EVERY = 5  # writer cycles


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.bodies: dict[str, bytes] = {}  # sha256 of body -> one body
        self.body_counts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.writer: Counter[str] = Counter()


def reader(port: int, api_key: str, deadline: float, results: Results) -> None:
    headers = {**PROXY_HEADERS, "Authorization": f"Api-Key {api_key}"}
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    statuses: Counter[int] = Counter()
    seen: dict[str, bytes] = {}
    counts: Counter[str] = Counter()
    while time.monotonic() < deadline:
        try:
            connection.request("GET", f"/api/v1/published/articles/{SLUG}/", headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            with results.lock:
                results.errors[type(error).__name__] += 1
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=10)
            continue
        statuses[response.status] += 1
        if response.status == 200:
            digest = hashlib.sha256(body).hexdigest()
            seen.setdefault(digest, body)
            counts[digest] += 1
    connection.close()
    with results.lock:
        results.statuses.update(statuses)
        results.body_counts.update(counts)
        for digest, body in seen.items():
            results.bodies.setdefault(digest, body)


def call(port: int, method: str, path: str, token: str, body=None, etag=None):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {**PROXY_HEADERS, "Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if etag:
        headers["If-Match"] = etag
    try:
        connection.request(
            method, path, body=json.dumps(body) if body is not None else None, headers=headers
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def writer(port: int, tokens: dict[str, str], deadline: float, results: Results) -> None:
    """Edit, submit, approve, sometimes retract, through the API, until the deadline."""
    cycle = 0
    while time.monotonic() < deadline:
        cycle += 1
        _, headers, _ = call(port, "GET", f"/api/v1/articles/{SLUG}/", tokens["editor"])
        etag = headers.get("ETag")
        status, _, _ = call(
            port,
            "PATCH",
            f"/api/v1/articles/{SLUG}/sections/introduction/",
            tokens["editor"],
            {"body": f"Soak edit {cycle}: low-dose naltrexone is taken once a day."},
            etag,
        )
        results.writer[f"edit {status}"] += 1
        status, _, body = call(
            port, "POST", f"/api/v1/articles/{SLUG}/submit/", tokens["editor"], {"note": "soak"}
        )
        results.writer[f"submit {status}"] += 1
        if status != 201:
            continue
        review = json.loads(body)
        status, _, _ = call(
            port,
            "POST",
            f"/api/v1/reviews/{review['id']}/approve/",
            tokens["clinician"],
            {"content_hash": review["content_hash"], "kind": "change"},
        )
        results.writer[f"approve {status}"] += 1
        if cycle % RETRACT_EVERY == 0:
            status, _, _ = call(
                port,
                "POST",
                f"/api/v1/articles/{SLUG}/retract/",
                tokens["publisher"],
                {"reason": f"Soak retraction {cycle}"},
            )
            results.writer[f"retract {status}"] += 1


def verify(results: Results) -> tuple[int, int]:
    """(bodies checked, unapproved bodies): each distinct 200 body against approved versions."""
    from articles.models import Version
    from reviews.models import Review, ReviewState

    approved = {
        review.version.content_hash: review.version
        for review in Review.objects.filter(state=ReviewState.APPROVED).select_related("version")
    }
    unapproved = 0
    for digest, body in results.bodies.items():
        payload = json.loads(body)
        version: Version | None = approved.get(payload["content_hash"])
        served = [(s["anchor"], s["heading"], s["markdown"]) for s in payload["sections"]]
        if version is None or served != [
            (s["anchor"], s["heading"], s["body"]) for s in version.sections
        ]:
            unapproved += results.body_counts[digest]
    return sum(results.body_counts.values()), unapproved


def main() -> int:
    temporary = Path(tempfile.mkdtemp(prefix="ldncontent-soak-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if not os.environ.get("DATABASE_URL"):
        os.environ["BENCH_SQLITE_PATH"] = str(temporary / "soak.sqlite3")
    import django

    django.setup()
    from django.contrib.auth.models import User

    from ldncontent.tokens import token_issue

    seeded = seed()
    tokens = {
        name: token_issue(user=User.objects.get(username=name))[1]
        for name in ("editor", "clinician", "publisher")
    }
    server = Server("soak", temporary / "gunicorn.log")
    server.start()
    results = Results()
    started = time.monotonic()
    deadline = started + SECONDS
    try:
        threads = [
            threading.Thread(target=reader, args=(server.port, seeded.api_key, deadline, results))
            for _ in range(CONNECTIONS)
        ]
        threads.append(
            threading.Thread(target=writer, args=(server.port, tokens, deadline, results))
        )
        log(f"{CONNECTIONS} readers and 1 writer for {SECONDS} s")
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    checked, unapproved = verify(results)
    total = sum(results.statuses.values())
    server_errors = sum(count for status, count in results.statuses.items() if status >= 500)
    writer_ops = {key: count for key, count in sorted(results.writer.items()) if count}
    lines = [
        f"## Load while editing ({time.strftime('%Y-%m-%d')}, `make bench-soak`)",
        "",
        f"- {CONNECTIONS} reader connections for {elapsed:.0f} s: {total} responses "
        f"({total / elapsed:.0f}/s); statuses {dict(sorted(results.statuses.items()))}; "
        f"connection errors {dict(results.errors) or 0}",
        f"- writer over the API: {writer_ops}",
        f"- 5xx responses: {server_errors}",
        f"- 200 bodies checked against approved versions: {checked} "
        f"({len(results.bodies)} distinct); unapproved content served: {unapproved}",
    ]
    report = "\n".join(lines)
    print(report)
    if os.environ.get("BENCH_OUTPUT"):
        Path(os.environ["BENCH_OUTPUT"]).write_text(report + "\n")
    return 1 if server_errors or unapproved or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
