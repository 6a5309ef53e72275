"""The load: wrk runs against each endpoint, with the CPU time of the server and of everything
else on the machine meanwhile, checked answers first, interleaved rounds, paired ratios."""

import json
import os
import resource
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import log
from bench.dataset import SLUG, Seed
from bench.servers import HOST, Server, http_get
from ldncontent.env import env_int

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
THREADS = 2
CONNECTIONS = 16
SECONDS = env_int("BENCH_SECONDS", 10, minimum=1)
WARMUP_SECONDS = env_int("BENCH_WARMUP_SECONDS", 2, minimum=0)
ROUNDS = env_int("BENCH_ROUNDS", 3, minimum=1)
QUIET_WAIT = env_int("BENCH_QUIET_WAIT", 0, minimum=0)
QUIET_LOAD = 0.25  # CPUs' worth of other processes' work that counts as a quiet machine
NOISY_LOAD = 0.3  # a run during which others did more than this is flagged (and retried)
QUIET_ATTEMPTS = 3  # with BENCH_QUIET_WAIT: tries per measurement; the quietest is kept
WRK_EXTRA_TIMEOUT = 60
TICKS = os.sysconf("SC_CLK_TCK")


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
    """One wrk run: what it counted, and the CPU time spent meanwhile."""

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


# Per server name, per endpoint key: one Measurement per round.
Results = dict[str, dict[str, list[Measurement]]]


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


@dataclass(frozen=True)
class Endpoint:
    """One measured request: its key in the results, its label, path and headers."""

    key: str
    label: str
    path: str
    headers: dict[str, str]


def endpoints(seed: Seed) -> list[Endpoint]:
    """The bare view, the delivery detail, its 304 and the list's first page."""
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


def measure_once(wrk: str, server: Server, point: Endpoint) -> Measurement:
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


def measure(wrk: str, servers: list[Server], points: list[Endpoint]) -> Results:
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
