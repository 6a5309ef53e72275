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

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import log
from bench.dataset import SLUG, copy_sqlite, enlarge, seed
from bench.load import Results, check, endpoints, ensure_wrk, measure
from bench.report import machine_facts, report
from bench.servers import Server
from ldncontent.env import env_int

VERSIONS = env_int("BENCH_VERSIONS", 1000, minimum=1)
ARTICLES = env_int("BENCH_ARTICLES", 10_000, minimum=0)


def _stop_on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # runs the `finally` that stops gunicorn


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def main() -> int:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()
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
        results: Results = {}

        small = Server("small", temporary / "gunicorn-small.log")
        if sqlite:
            # The small dataset keeps a copy of its own, served while the large one is too.
            small_path = temporary / "small.sqlite3"
            copy_sqlite(os.environ["BENCH_SQLITE_PATH"], small_path)
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

        facts.update(machine_facts())
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


if __name__ == "__main__":
    sys.exit(main())
