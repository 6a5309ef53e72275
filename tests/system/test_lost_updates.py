"""No lost update through section-by-section editing: writers against WSGI server processes.

SERVER_PROCESSES processes (tests/system/wsgi_process.py) serve the project on 127.0.0.1
and share nothing but the test database: the SQLite file, or PostgreSQL when DATABASE_URL
names one. WRITERS client threads do, for WRITE_SECONDS, what a CMS editing one section does:
GET the section, append a marker of their own to the body they read, and PATCH it back with
that GET's ETag in If-Match; on 412 they read again and retry. A write accepted over a body
its writer had not read drops someone else's marker, so at the end every accepted marker must
be in the section's body, once. Run with `-s` for a `[concurrency] ...` summary line.
"""

import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from django.db import connection

from articles import services
from articles.models import Section
from ldncontent.tokens import token_issue
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SERVER_PROCESSES = 3
WRITERS = 8
WRITE_SECONDS = 4.0
HTTP_TIMEOUT = 30.0
STARTUP_SECONDS = 30.0
# After its k-th 412 in a row a writer sleeps a random time of up to min(2**k, cap) of its
# own round trips, so that every writer gets some writes in.
BACKOFF_CAP_ROUND_TRIPS = 4


def _database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    return (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}"
        f"@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
        f"/{settings_dict['NAME']}"
    )


@pytest.fixture
def server_urls(tmp_path):
    """SERVER_PROCESSES server processes on the test database; their API roots."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ldncontent.test_settings",
        "DATABASE_URL": _database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
    }
    processes: list[subprocess.Popen] = []
    logs = [tmp_path / f"server-{n}.log" for n in range(SERVER_PROCESSES)]
    urls = []
    try:
        for log in logs:
            with log.open("wb") as stderr:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "tests.system.wsgi_process"],
                        cwd=ROOT,
                        env=environment,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE,
                        stderr=stderr,
                    )
                )
        for process, log in zip(processes, logs, strict=True):
            urls.append(f"http://127.0.0.1:{_port_of(process, log)}/api/v1")
        yield urls, logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _port_of(process: subprocess.Popen, log: Path) -> int:
    """The port a server process prints once it listens (bounded by STARTUP_SECONDS)."""
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(STARTUP_SECONDS)
    if not line or not line[0].startswith(b"listening on "):
        raise RuntimeError(f"a server process did not start: {log.read_text()[-2000:]}")
    return int(line[0].split()[-1])


@dataclass
class WriterLog:
    accepted: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def test_section_by_section_writers_lose_no_update(server_urls):
    urls, logs = server_urls
    editors = [factories.editor(username=f"writer-{w}") for w in range(WRITERS)]
    article = services.article_create(
        author=editors[0],
        slug="many-processes",
        fields={"title": "Written from many processes"},
        sections=[
            {"anchor": f"part-{n}", "heading": f"Part {n}", "body": f"Body {n}."} for n in range(3)
        ],
    )
    section = Section.objects.get(article=article, anchor="part-1")
    path = f"/articles/{article.slug}/sections/part-1/"
    clients = [
        httpx.Client(
            base_url=urls[w % len(urls)],
            headers={"Authorization": f"Bearer {token_issue(user=editor)[1]}"},
            timeout=HTTP_TIMEOUT,
        )
        for w, editor in enumerate(editors)
    ]
    logs_by_writer = [WriterLog() for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS, timeout=STARTUP_SECONDS)

    def writer(w: int) -> None:
        client, log = clients[w], logs_by_writer[w]
        try:
            barrier.wait()
            deadline = time.monotonic() + WRITE_SECONDS
            attempts = 0
            while time.monotonic() < deadline:
                began = time.monotonic()
                read = client.get(path)
                log.statuses[f"GET {read.status_code}"] += 1
                if read.status_code != 200:
                    return
                marker = f"[w{w}-{len(log.accepted)}]"
                write = client.patch(
                    path,
                    json={"body": read.json()["body"] + marker},
                    headers={"If-Match": read.headers["ETag"]},
                )
                log.statuses[f"PATCH {write.status_code}"] += 1
                if write.status_code == 200:
                    log.accepted.append(marker)
                    attempts = 0
                    continue
                if write.status_code != 412:
                    return
                attempts += 1  # another write landed first: back off, read again, retry
                slots = min(BACKOFF_CAP_ROUND_TRIPS, 2**attempts)
                time.sleep(random.uniform(0, slots * (time.monotonic() - began)))
        except Exception as error:
            log.failures.append(repr(error))

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(WRITERS)]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WRITE_SECONDS + STARTUP_SECONDS + HTTP_TIMEOUT)
    finally:
        for client in clients:
            client.close()
    wall = time.monotonic() - started
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a writer thread is still running")
    failures = [failure for log in logs_by_writer for failure in log.failures]
    if failures:
        raise RuntimeError(f"writer threads failed: {failures}")

    statuses = sum((log.statuses for log in logs_by_writer), Counter())
    accepted = [marker for log in logs_by_writer for marker in log.accepted]
    section.refresh_from_db()
    lost = [marker for marker in accepted if section.body.count(marker) != 1]
    print(
        f"\n[concurrency] section-by-section writers ({connection.vendor}, "
        f"{len(urls)} server processes): writers={WRITERS} accepted={len(accepted)} "
        f"412s={statuses['PATCH 412']} GETs={statuses['GET 200']} lost_updates={len(lost)} "
        f"wall={wall:.1f}s"
    )
    server_errors = "".join(log.read_text()[-2000:] for log in logs)
    assert set(statuses) <= {"GET 200", "PATCH 200", "PATCH 412"}, (statuses, server_errors)
    assert lost == [], f"{len(lost)} of {len(accepted)} accepted writes were overwritten"
    assert len(accepted) >= WRITERS, "the writers got through"
    # Each accepted write kept the whole body it replaced: the history is one growing chain.
    bodies = list(
        Section.history.filter(id=section.pk).order_by("history_id").values_list("body", flat=True)
    )
    assert all(later.startswith(earlier) for earlier, later in pairwise(bodies))
    assert len(bodies) == len(accepted) + 1 and bodies[-1] == section.body
