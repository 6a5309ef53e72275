"""The benchmarked servers: gunicorn on a free 127.0.0.1 port in a process group of its own,
and one GET sent to it as through the TLS-terminating proxy of production."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench import log

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
SERVER_START_TIMEOUT = 60

# What the TLS-terminating proxy in front of production adds (bench/wrk.lua sends it too).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


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
