"""Benchmark of the delivery API against a bare Django view (`make bench`; not a test).

gunicorn (2 sync workers) serves the project with `bench.settings` on 127.0.0.1; `wrk`
(-t2 -c16 -d10s) measures, side by side in one run: `/bench/bare/` (the benchmarked
article's payload from memory), the delivery detail (200), its 304 path and the list, on the
demo dataset and on an enlarged one (1,000 versions of the article, 10,000 other published
articles). On SQLite the small dataset is a copy taken before enlarging, served by a second
gunicorn, and the two are measured in turn, round by round, so every ratio compares runs
taken seconds apart; with DATABASE_URL the small dataset is measured first. Targets are
printed as PASS/MISS; a miss does not fail the run.

Environment (defaults in brackets):
  BENCH_SECONDS [10]        duration of each measured wrk run
  BENCH_WARMUP_SECONDS [2]  warm-up run per endpoint before measuring
  BENCH_ROUNDS [3]          each endpoint is measured this many times, interleaved; the
                            median round is reported
  BENCH_QUIET_WAIT [0]      before each measured run, wait up to this many seconds for other
                            processes to use less than a quarter of a CPU, and measure again
                            (3 tries at most) when they did more than 0.3 CPUs meanwhile
  BENCH_VERSIONS [1000]     versions of the benchmarked article in the large dataset
  BENCH_ARTICLES [10000]    other published articles in the large dataset
  BENCH_OUTPUT              also write the Markdown report to this file
  BENCH_KEEP                keep the temporary directory (database, gunicorn log)
  DATABASE_URL              use that database instead of a temporary SQLite file (the bench
                            data is added to it, and left there)
"""

import hashlib
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "wrk.lua"
sys.path.insert(0, str(ROOT))

SLUG = "stopping-ldn"
HOST = "127.0.0.1"
WORKERS = 2
THREADS = 2
CONNECTIONS = 16
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "3")))
QUIET_WAIT = int(os.environ.get("BENCH_QUIET_WAIT", "0"))
QUIET_LOAD = 0.25  # CPUs' worth of other processes' work that counts as a quiet machine
NOISY_LOAD = 0.3  # a run during which others did more than this is flagged (and retried)
QUIET_ATTEMPTS = 3  # with BENCH_QUIET_WAIT: tries per measurement; the quietest is kept
VERSIONS = int(os.environ.get("BENCH_VERSIONS", "1000"))
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "10000"))
SERVER_START_TIMEOUT = 60
WRK_EXTRA_TIMEOUT = 60

TARGET_DETAIL = 0.8
TARGET_304 = 0.9
TARGET_LARGE = 0.9  # large-dataset detail within 10% of the small one


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- wrk -------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of wrk, installed from the system packages when missing (we are root)."""
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: apt-get install -y wrk")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    quiet = {"stdout": subprocess.DEVNULL, "timeout": 600}
    if subprocess.run(install, check=False, **quiet).returncode != 0:
        log("install failed: apt-get update, then again")
        subprocess.run(["apt-get", "update", "-q"], check=False, **quiet)
        subprocess.run(install, check=False, **quiet)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed (apt-get install -y wrk failed).")
    return found


@dataclass
class Measurement:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu_seconds: float  # gunicorn's master and workers, during the run
    other_cpu_seconds: float  # every process but gunicorn and wrk, during the run
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def server_us_per_request(self) -> float:
        return self.server_cpu_seconds * 1e6 / self.requests if self.requests else 0.0

    @property
    def other_load(self) -> float:
        """CPUs' worth of work by other processes (other sessions' tests, say) meanwhile."""
        return self.other_cpu_seconds / self.seconds if self.seconds else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


TICKS = os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy since boot (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def group_cpu_seconds(group: int) -> float:
    """CPU seconds used so far by the live processes of a process group (/proc/PID/stat)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group:  # pgrp; then utime and stime are fields 14 and 15
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def wait_for_quiet(limit: int) -> float:
    """Wait (at most `limit` seconds) until other processes use < QUIET_LOAD CPUs; the last load.

    Called while nothing of the benchmark runs, so all the machine's busy time is others'.
    """
    deadline = time.monotonic() + limit
    load = float("inf")
    while time.monotonic() < deadline:
        before, started = busy_cpu_seconds(), time.monotonic()
        time.sleep(1)
        load = (busy_cpu_seconds() - before) / (time.monotonic() - started)
        if load < QUIET_LOAD:
            break
    return load


def run_wrk(
    wrk: str, url: str, seconds: int, headers: dict[str, str], server_group: int
) -> Measurement:
    """One wrk run; headers go to the Lua script through the environment."""
    env = {
        **os.environ,
        "BENCH_AUTHORIZATION": headers.get("Authorization", ""),
        "BENCH_IF_NONE_MATCH": headers.get("If-None-Match", ""),
    }
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_SCRIPT),
        url,
    ]
    server_before, busy_before = group_cpu_seconds(server_group), busy_cpu_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + WRK_EXTRA_TIMEOUT,
        check=False,
    )
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = group_cpu_seconds(server_group) - server_before
    busy = busy_cpu_seconds() - busy_before
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    values: dict[str, float] = {}
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            for item in line.split()[1:]:
                name, _, value = item.partition("=")
                values[name] = float(value)
    if done.returncode != 0 or "requests" not in values or "p50_us" not in values:
        raise RuntimeError(f"wrk failed on {url}:\n{done.stdout}\n{done.stderr}")
    return Measurement(
        requests=int(values["requests"]),
        seconds=values["duration_us"] / 1e6,
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        server_cpu_seconds=server_cpu,
        other_cpu_seconds=max(0.0, busy - server_cpu - wrk_cpu),
        errors={
            name: int(values[name])
            for name in ("connect", "read", "write", "status", "timeout")
            if values.get(name)
        },
    )


# --- gunicorn --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# What the TLS-terminating proxy in front of production adds (bench/wrk.lua sends it too).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def http_get(port: int, path: str, headers: dict[str, str] | None = None):
    """(status, headers, body) of one GET on 127.0.0.1, as if through the proxy."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={**PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class Server:
    """gunicorn with WORKERS sync workers on a free 127.0.0.1 port, in its own process group."""

    def __init__(self, name: str, log_path: Path, env: dict[str, str] | None = None):
        self.name = name
        self.log_path = log_path
        self.env = env or {}
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def group(self) -> int:
        """gunicorn's process group: it was started in a session of its own."""
        return self.process.pid if self.process else -1

    def start(self) -> None:
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "ldncontent.wsgi:application",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"{HOST}:{self.port}",
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_tail()}")
            try:
                if http_get(self.port, "/healthz")[0] == 200:
                    log(
                        f"gunicorn (pid {self.process.pid}, {self.name} dataset) serves "
                        f"http://{HOST}:{self.port}/"
                    )
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in time:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # gunicorn's master stops its workers gracefully
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this script started
            process.wait(timeout=10)
        log(f"gunicorn (pid {process.pid}) stopped")

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-30:])
        except OSError:
            return "(no log)"


# --- data ------------------------------------------------------------------------------


@dataclass
class Seed:
    api_key: str
    etag: str
    payload: bytes


def seed() -> Seed:
    """Migrate, load the demo (which publishes stopping-ldn) and issue a consumer key."""
    import io

    from django.contrib.auth.models import User
    from django.core.management import call_command

    from articles.models import ConsumerSite, Publication, PublicationStatus
    from articles.services import consumer_key_issue

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    site, _ = ConsumerSite.objects.get_or_create(
        name="Benchmark site", defaults={"contact_email": "bench@example.org"}
    )
    _, api_key = consumer_key_issue(
        site=site,
        name=f"bench {datetime.now(UTC):%Y-%m-%d %H:%M:%S}",
        issued_by=User.objects.get(username="publisher"),  # the demo's publishing admin
    )
    publication = Publication.objects.get(slug=SLUG)
    if publication.status != PublicationStatus.LIVE:
        raise SystemExit(f"{SLUG} is not live in the bench database.")
    return Seed(api_key=api_key, etag=publication.etag, payload=bytes(publication.payload))


TOPICS = [
    "ldn", "chronic-pain", "fibromyalgia", "long-covid", "crohns-disease", "multiple-sclerosis",
    "medication-changes", "sleep", "mental-health", "autoimmune", "dosage", "side-effects",
    "pregnancy", "children", "older-adults", "pharmacy", "prescribing", "tapering",
]  # fmt: skip
SUBJECTS = [
    "Starting", "Stopping", "Adjusting", "Living with", "Talking to your GP about",
    "Travelling with", "Understanding", "Managing", "Questions about", "Monitoring",
]  # fmt: skip
THEMES = [
    "low-dose naltrexone", "chronic pain", "fibromyalgia flares", "long COVID fatigue",
    "Crohn's disease", "sleep problems", "a new prescription", "side effects",
    "compounded medicines", "repeat prescriptions",
]  # fmt: skip


def _section_pool() -> list[dict]:
    """The sections of the demo's versions: real article text to build other articles from."""
    from articles.models import Version

    pool = []
    for sections in Version.objects.values_list("sections", flat=True):
        pool.extend(sections)
    return pool


def enlarge(*, versions: int, articles: int) -> dict[str, float]:
    """Add history to the benchmarked article and many other published articles.

    Versions, articles and publications are bulk-inserted (no save(), no history rows), with
    payloads rendered by the project's own `render_payload`/`payload_bytes`.
    """
    from django.contrib.auth.models import User
    from django.db import transaction

    from articles.models import Article, Version

    started = time.monotonic()
    now = datetime.now(UTC)
    pool = _section_pool()  # before the history below, or it would be mostly one article
    article = Article.objects.get(slug=SLUG)
    latest = article.versions.order_by("-number").first()
    missing = versions - article.versions.count()
    with transaction.atomic():
        history = []
        for offset in range(1, missing + 1):
            number = latest.number + offset
            sections = [dict(item) for item in latest.sections]
            sections[-1]["body"] += f"\n\nRevision {number}: wording clarified."
            history.append(
                Version(
                    article=article,
                    number=number,
                    title=latest.title,
                    summary=latest.summary,
                    topics=latest.topics,
                    audience=latest.audience,
                    sections=sections,
                    content_hash=hashlib.sha256(
                        f"{latest.content_hash}:{number}".encode()
                    ).hexdigest(),
                    submitted_by_id=latest.submitted_by_id,
                    submitted_at=now - timedelta(minutes=missing - offset),
                    note=f"Benchmark revision {number}.",
                )
            )
        Version.objects.bulk_create(history, batch_size=200)
    versions_done = time.monotonic()

    editor = User.objects.get(username="editor")
    existing = set(Article.objects.filter(slug__startswith="bench-").values_list("slug", flat=True))
    wanted = []
    for index in range(articles):
        subject, theme = SUBJECTS[index % len(SUBJECTS)], THEMES[(index // 10) % len(THEMES)]
        slug = f"bench-{index:05d}-" + "-".join(
            "".join(c for c in word.lower() if c.isalnum()) for word in f"{subject} {theme}".split()
        )
        if slug not in existing:
            wanted.append((index, slug, f"{subject} {theme} ({index})"))
    for start in range(0, len(wanted), 1000):
        with transaction.atomic():
            _create_published(wanted[start : start + 1000], editor=editor, pool=pool, now=now)
    return {
        "versions_seconds": versions_done - started,
        "articles_seconds": time.monotonic() - versions_done,
    }


def _create_published(chunk, *, editor, pool, now) -> None:
    """Bulk-insert one chunk of (index, slug, title): Article, Version 1 and live Publication."""
    from articles.models import Article, Publication, PublicationStatus, ReviewKind, Version
    from articles.rendering import Attribution, payload_bytes, render_list_entry, render_payload
    from ldncontent.http import canonical_sha256

    def fields(index: int, title: str) -> dict:
        return {
            "title": title,
            "summary": f"What to know about {title.split(' (')[0].lower()}: a patient guide.",
            "topics": [TOPICS[index % len(TOPICS)], TOPICS[(index * 7 + 3) % len(TOPICS)]],
            "audience": ("patient", "caregiver", "clinician")[index % 3],
        }

    Article.objects.bulk_create(
        [Article(slug=slug, author=editor, **fields(index, title)) for index, slug, title in chunk],
        batch_size=200,
    )
    article_ids = dict(
        Article.objects.filter(slug__in=[slug for _, slug, _ in chunk]).values_list("slug", "id")
    )
    versions = {}
    for index, slug, title in chunk:
        picked = [pool[(index + n * 5) % len(pool)] for n in range(3 + index % 5)]
        sections = [
            {"anchor": f"{item['anchor']}-{n}", "heading": item["heading"], "body": item["body"]}
            for n, item in enumerate(picked)
        ]
        article_fields = fields(index, title)
        versions[slug] = Version(
            article_id=article_ids[slug],
            number=1,
            sections=sections,
            content_hash=canonical_sha256({**article_fields, "sections": sections}),
            submitted_by=editor,
            submitted_at=now - timedelta(days=index % 300 + 1),
            note="Benchmark article.",
            **article_fields,
        )
    Version.objects.bulk_create(list(versions.values()), batch_size=200)
    version_ids = dict(
        Version.objects.filter(article_id__in=article_ids.values(), number=1).values_list(
            "article_id", "id"
        )
    )
    publications = []
    for index, slug, _ in chunk:
        version = versions[slug]
        version.id = version_ids[version.article_id]
        overdue = index % 50 == 0  # a few past their review date, flagged as check_review_due does
        last_reviewed = (now - timedelta(days=400 if overdue else index % 300 + 1)).date()
        attribution = Attribution(
            reviewer_name="Dr Amina Okafor",
            reviewer_credentials="MBBS, MRCGP",
            review_kind=ReviewKind.FULL,
            approved_at=datetime.combine(last_reviewed, datetime.min.time(), tzinfo=UTC),
            last_reviewed=last_reviewed,
            next_review_due=last_reviewed + timedelta(days=365),
        )
        raw = payload_bytes(
            render_payload(
                version=version, slug=slug, attribution=attribution, review_overdue=overdue
            )
        )
        digest = hashlib.sha256(raw).hexdigest()[:16]  # the ETag as services.publish makes it
        publication = Publication(
            article_id=version.article_id,
            slug=slug,
            version=version,
            status=PublicationStatus.LIVE,
            payload=raw,
            etag=f'"v1-{version.content_hash[:16]}-{digest}"',
            content_hash=version.content_hash,
            title=version.title,
            summary=version.summary,
            topics=version.topics,
            audience=version.audience,
            reviewer_name=attribution.reviewer_name,
            reviewer_credentials=attribution.reviewer_credentials,
            review_kind=attribution.review_kind,
            approved_at=attribution.approved_at,
            last_reviewed=attribution.last_reviewed,
            next_review_due=attribution.next_review_due,
            review_overdue=overdue,
            published_at=attribution.approved_at,
            updated_at=attribution.approved_at,
        )
        publication.list_entry = render_list_entry(publication)
        publications.append(publication)
    Publication.objects.bulk_create(publications, batch_size=200)


# --- measuring -------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    path: str
    headers: dict[str, str]


def endpoints(seed: Seed) -> list[Endpoint]:
    auth = {"Authorization": f"Api-Key {seed.api_key}"}
    detail = f"/api/v1/published/articles/{SLUG}/"
    return [
        Endpoint("bare", "bare view, bytes from memory", "/bench/bare/", {}),
        Endpoint("detail", "delivery detail (200)", detail, auth),
        Endpoint("304", "delivery detail (304)", detail, {**auth, "If-None-Match": seed.etag}),
        Endpoint("list", "delivery list (first page)", "/api/v1/published/articles/", auth),
    ]


def check(port: int, seed: Seed, points: list[Endpoint]) -> None:
    """Each endpoint answers what it should before it is measured (wrk only counts 4xx/5xx)."""
    by_key = {point.key: point for point in points}
    problems = []
    status, _, body = http_get(port, by_key["bare"].path)
    if status != 200 or body != seed.payload:
        problems.append(f"bare view: {status}, {len(body)} bytes")
    status, headers, body = http_get(port, by_key["detail"].path, by_key["detail"].headers)
    if status != 200 or body != seed.payload or headers.get("ETag") != seed.etag:
        problems.append(f"detail: {status}, {len(body)} bytes, ETag {headers.get('ETag')}")
    status, _, body = http_get(port, by_key["304"].path, by_key["304"].headers)
    if status != 304 or body:
        problems.append(f"detail with If-None-Match: {status}, {len(body)} bytes")
    status, _, body = http_get(port, by_key["list"].path, by_key["list"].headers)
    if status != 200 or not json.loads(body).get("results"):
        problems.append(f"list: {status}, {body[:200]!r}")
    status, _, _ = http_get(port, by_key["detail"].path)
    if status != 401:
        problems.append(f"detail without a key: {status}, not 401")
    if problems:
        raise RuntimeError("endpoint check failed: " + "; ".join(problems))


def measure_once(wrk: str, server: "Server", point: Endpoint) -> Measurement:
    """One measured wrk run; with BENCH_QUIET_WAIT, the quietest of a few tries."""
    url = f"http://{HOST}:{server.port}{point.path}"
    result = None
    for attempt in range(1, (QUIET_ATTEMPTS if QUIET_WAIT else 1) + 1):
        if QUIET_WAIT:
            wait_for_quiet(QUIET_WAIT)
        run = run_wrk(wrk, url, SECONDS, point.headers, server.group)
        if result is None or run.other_load < result.other_load:
            result = run
        if not QUIET_WAIT or run.other_load <= NOISY_LOAD:
            break
        log(f"{point.label}: other load {run.other_load:.2f} during try {attempt}")
    return result


def measure(
    wrk: str, servers: list["Server"], points: list[Endpoint]
) -> dict[str, dict[str, list[Measurement]]]:
    """Warm up, then measure every endpoint of every server in turn, ROUNDS times.

    Each round measures the bare view first and the others right after it, so that a ratio
    to the bare view compares runs taken seconds apart, under the same conditions.
    """
    if WARMUP_SECONDS > 0:
        for server in servers:
            for point in points:
                url = f"http://{HOST}:{server.port}{point.path}"
                run_wrk(wrk, url, WARMUP_SECONDS, point.headers, server.group)
    results = {server.name: {point.key: [] for point in points} for server in servers}
    for number in range(1, ROUNDS + 1):
        for server in servers:
            for point in points:
                result = measure_once(wrk, server, point)
                results[server.name][point.key].append(result)
                log(
                    f"round {number}/{ROUNDS} {server.name} {point.label:<30} "
                    f"{result.rps:6.0f} req/s  p50 {result.p50_ms:6.2f} ms  "
                    f"p99 {result.p99_ms:6.2f} ms  server {result.server_us_per_request:5.0f} "
                    f"us/req  other load {result.other_load:.2f}"
                    + (f"  errors {result.errors}" if result.errors else "")
                )
    return results


def median_ratio(numerators: list[Measurement], denominators: list[Measurement]) -> float:
    """The median over rounds of numerator req/s / denominator req/s of the same round."""
    return statistics.median(
        top.rps / bottom.rps for top, bottom in zip(numerators, denominators, strict=True)
    )


# --- report ----------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    import django

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": version("djangorestframework"),
        "gunicorn": version("gunicorn"),
        "wrk": (wrk_version.stdout or wrk_version.stderr).split("\n")[0].split(" Copyright")[0],
        "database": _database_label(),
    }


def _database_label() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (temporary file)"
    return f"{connection.vendor} ({connection.settings_dict.get('HOST') or 'local'})"


def _quiet_summary(results: dict[str, dict[str, list[Measurement]]], labels) -> list[str]:
    """The same figures from the quiet runs alone (other load <= NOISY_LOAD), if any."""
    median = statistics.median
    quiet = {
        phase: {
            key: [run for run in rounds if run.other_load <= NOISY_LOAD]
            for key, rounds in by_key.items()
        }
        for phase, by_key in results.items()
    }
    lines = [
        "",
        f"From the quiet runs alone (other load <= {NOISY_LOAD}; ratios of medians, unpaired):",
        "",
        "| dataset | endpoint | quiet runs | req/s | req/s vs bare | server CPU µs/req |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for phase, by_key in quiet.items():
        bare = by_key["bare"]
        for key, runs in by_key.items():
            if not runs:
                lines.append(f"| {phase} | {labels[key]} | 0 | | | |")
                continue
            rps = median(run.rps for run in runs)
            ratio = f"{rps / median(run.rps for run in bare):.2f}" if bare else ""
            cpu = median(run.server_us_per_request for run in runs)
            lines.append(
                f"| {phase} | {labels[key]} | {len(runs)} | {rps:,.0f} | {ratio} | {cpu:,.0f} |"
            )
    pairs = [
        ("detail / bare, small", quiet["small"]["detail"], quiet["small"]["bare"], TARGET_DETAIL),
        ("304 / bare, small", quiet["small"]["304"], quiet["small"]["bare"], TARGET_304),
        ("detail large / small", quiet["large"]["detail"], quiet["small"]["detail"], TARGET_LARGE),
    ]
    verdicts = []
    for label, top, bottom, target in pairs:
        if top and bottom:
            ratio = median(run.rps for run in top) / median(run.rps for run in bottom)
            verdicts.append(f"{label} {ratio:.2f} ({'PASS' if ratio >= target else 'MISS'})")
        else:
            verdicts.append(f"{label}: no quiet runs")
    lines += ["", "Targets on the quiet runs: " + "; ".join(verdicts) + "."]
    return lines


def _verdict(ok: bool, *runs: list[Measurement]) -> str:
    verdict = "PASS" if ok else "MISS"
    noisiest = max(result.other_load for rounds in runs for result in rounds)
    if noisiest > NOISY_LOAD:
        verdict += f" (unreliable: other load up to {noisiest:.2f} CPUs)"
    return verdict


def report(results: dict[str, dict[str, list[Measurement]]], points, facts: dict) -> str:
    labels = {point.key: point.label for point in points}
    median = statistics.median
    lines = [
        f"Date: {facts['date']}  ",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['system']}  ",
        "Versions: "
        + ", ".join(f"{name} {value}" for name, value in facts["versions"].items())
        + "  ",
        f"Server: gunicorn, {WORKERS} sync workers per dataset, {HOST}, DEBUG=false, "
        "`bench.settings`; requests carry `X-Forwarded-Proto: https` as from the TLS proxy  ",
        f"Load: wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s per run; {WARMUP_SECONDS}s "
        f"warm-up per endpoint; {ROUNDS} rounds, "
        + (
            "the small and large datasets served side by side and measured in turn"
            if facts["interleaved"]
            else "the small dataset measured first, then the large"
        )
        + (
            f"; waited up to {QUIET_WAIT}s for a quiet machine before each run"
            if QUIET_WAIT
            else ""
        )
        + "  ",
        f"Large dataset: +{facts['versions_added']} versions of `{SLUG}` "
        f"({facts['versions_total']} in all), {facts['articles_added']} more published articles "
        f"({facts['publications_total']} publications); built in "
        f"{facts['enlarge_seconds']:.0f} s",
        "",
        "Medians over the rounds; a ratio is the median of the per-round ratios (each round "
        "measures the bare view and, seconds later, the others).",
        "",
        "| dataset | endpoint | req/s | p50 ms | p99 ms | req/s vs bare "
        "| server CPU µs/req | bare CPU / this CPU | other load (max) | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for phase, by_key in results.items():
        bare = by_key["bare"]
        for key, rounds in by_key.items():
            cpu = median(result.server_us_per_request for result in rounds)
            bare_cpu = median(result.server_us_per_request for result in bare)
            lines.append(
                f"| {phase} | {labels[key]} | {median(r.rps for r in rounds):,.0f} | "
                f"{median(r.p50_ms for r in rounds):.2f} | {median(r.p99_ms for r in rounds):.2f} "
                f"| {median_ratio(rounds, bare):.2f} | {cpu:,.0f} | {bare_cpu / cpu:.2f} | "
                f"{median(r.other_load for r in rounds):.2f} "
                f"({max(r.other_load for r in rounds):.2f}) | "
                f"{sum(r.error_count for r in rounds)} |"
            )
    small, large = results["small"], results["large"]
    detail_ratio = median_ratio(small["detail"], small["bare"])
    not_modified_ratio = median_ratio(small["304"], small["bare"])
    large_ratio = median_ratio(large["detail"], small["detail"])
    lines += [
        "",
        "| target | measured | verdict |",
        "|---|---:|---|",
        f"| detail >= {TARGET_DETAIL} x bare (small dataset) | {detail_ratio:.2f} | "
        f"{_verdict(detail_ratio >= TARGET_DETAIL, small['detail'], small['bare'])} |",
        f"| 304 >= {TARGET_304} x bare (small dataset) | {not_modified_ratio:.2f} | "
        f"{_verdict(not_modified_ratio >= TARGET_304, small['304'], small['bare'])} |",
        f"| large-dataset detail within 10% of small (large/small req/s) | {large_ratio:.2f} | "
        f"{_verdict(large_ratio >= TARGET_LARGE, large['detail'], small['detail'])} |",
        "",
        f"The list's first page holds {facts['small_page']} articles on the small dataset and "
        f"{facts['large_page']} on the large one. For context: large/small 304 "
        f"{median_ratio(large['304'], small['304']):.2f}, bare view large/small "
        f"{median_ratio(large['bare'], small['bare']):.2f}, detail vs bare on the large "
        f"dataset {median_ratio(large['detail'], large['bare']):.2f}.",
    ]
    lines += _quiet_summary(results, labels)
    lines += [
        "",
        "Server CPU µs/req: CPU time of gunicorn's master and workers during the run, per "
        "request (it excludes waiting for a CPU, but still grows when other processes share "
        "the caches and cores). Other load: CPUs' worth of work done meanwhile by processes "
        f"other than gunicorn and wrk (out of {os.cpu_count()}); above about {NOISY_LOAD} the "
        "figures of that run are depressed by someone else's work.",
    ]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------


def _stop_on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # runs the `finally` that stops gunicorn


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def _copy_sqlite(source: str, target: Path) -> None:
    """A consistent copy of a SQLite database (the online backup API)."""
    import sqlite3

    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    copy.close()
    original.close()


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)
    wrk = ensure_wrk()
    temporary = Path(tempfile.mkdtemp(prefix="ldncontent-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sqlite = not os.environ.get("DATABASE_URL")
    if sqlite:
        os.environ["BENCH_SQLITE_PATH"] = str(temporary / "large.sqlite3")
    os.environ["BENCH_SLUG"] = SLUG
    servers: list[Server] = []
    started = time.monotonic()
    try:
        import django

        django.setup()
        from django.conf import settings

        from articles.models import Publication, Version

        log(f"seeding {os.environ.get('BENCH_SQLITE_PATH') or 'DATABASE_URL'}")
        seeded = seed()
        points = endpoints(seeded)
        _close_connections()
        results: dict[str, dict[str, list[Measurement]]] = {}

        small = Server("small", temporary / "gunicorn-small.log")
        if sqlite:
            # The small dataset keeps a copy of its own, served while the large one is too.
            small_path = temporary / "small.sqlite3"
            _copy_sqlite(os.environ["BENCH_SQLITE_PATH"], small_path)
            small.env = {"BENCH_SQLITE_PATH": str(small_path)}
        else:
            servers.append(small)
            small.start()
            check(small.port, seeded, points)
            results.update(measure(wrk, [small], points))
            small.stop()

        versions_before = Version.objects.filter(article__slug=SLUG).count()
        publications_before = Publication.objects.count()
        log(f"enlarging: {VERSIONS} versions of {SLUG}, {ARTICLES} more published articles")
        timings = enlarge(versions=VERSIONS, articles=ARTICLES)
        facts = {
            "versions_added": Version.objects.filter(article__slug=SLUG).count() - versions_before,
            "versions_total": Version.objects.filter(article__slug=SLUG).count(),
            "articles_added": Publication.objects.count() - publications_before,
            "publications_total": Publication.objects.count(),
            "enlarge_seconds": sum(timings.values()),
            "interleaved": sqlite,
            "small_page": min(publications_before, settings.DELIVERY_PAGE_SIZE),
            "large_page": min(Publication.objects.count(), settings.DELIVERY_PAGE_SIZE),
        }
        log(
            f"enlarged in {timings['versions_seconds']:.1f} s (versions) + "
            f"{timings['articles_seconds']:.1f} s (articles)"
        )
        _close_connections()

        large = Server("large", temporary / "gunicorn-large.log")
        running = [small, large] if sqlite else [large]
        for server in running:
            servers.append(server)
            server.start()
            check(server.port, seeded, points)
        results.update(measure(wrk, running, points))
        for server in running:
            server.stop()

        facts.update(
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            nproc=os.cpu_count(),
            cpu=_cpu_model(),
            system=f"{platform.system()} {platform.release()}",
            versions=_versions(),
        )
        text = report({"small": results["small"], "large": results["large"]}, points, facts)
        print("\n" + text + "\n", flush=True)
        if os.environ.get("BENCH_OUTPUT"):
            Path(os.environ["BENCH_OUTPUT"]).write_text(text + "\n")
        log(f"done in {time.monotonic() - started:.0f} s")
        return 0
    finally:
        for server in servers:
            server.stop()
        _close_connections()
        if os.environ.get("BENCH_KEEP"):
            log(f"kept {temporary}")
        else:
            shutil.rmtree(temporary, ignore_errors=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
