"""The benchmark's Markdown report: the machine and software, per-endpoint figures, the ratios
to the bare view against their targets, and the same from the quiet runs alone."""

import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.dataset import SLUG
from bench.load import (
    CONNECTIONS,
    NOISY_LOAD,
    QUIET_WAIT,
    ROUNDS,
    SECONDS,
    THREADS,
    WARMUP_SECONDS,
    Endpoint,
    Measurement,
    Results,
    median_ratio,
)
from bench.servers import HOST, WORKERS

TARGET_DETAIL = 0.8
TARGET_304 = 0.9
TARGET_LARGE = 0.9  # large-dataset detail within 10% of the small one


def machine_facts() -> dict:
    """When and where the benchmark ran, and with which software."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "system": f"{platform.system()} {platform.release()}",
        "versions": _software_versions(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _software_versions() -> dict[str, str]:
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


def _quiet_summary(results: Results, labels: dict[str, str]) -> list[str]:
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


def report(results: Results, points: list[Endpoint], facts: dict) -> str:
    """The report of a run with a "small" and a "large" dataset, as Markdown."""
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
