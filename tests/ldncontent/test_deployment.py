"""Production settings: `check --deploy` is clean, HTTPS behind a proxy, security headers."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def manage(*args: str, **environment: str | None) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process; a variable given as None is left unset."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(environment)
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="content.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", SECRET_KEY="", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_responses_carry_security_headers():
    response = Client().get("/healthz", secure=True)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_plain_http_is_redirected_except_the_health_check(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    response = client.get("/api/v1/articles/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200
    behind_proxy = client.get("/api/v1/articles/", HTTP_X_FORWARDED_PROTO="https")
    assert behind_proxy.status_code == 401, "a TLS proxy's X-Forwarded-Proto is trusted"


def test_the_health_check_reports_an_unreachable_database_only_in_the_log():
    result = manage(
        "shell",
        "-c",
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code, r.content.decode())",
        DEBUG="true",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing",  # nothing listens on port 9
    )
    answer = result.stdout.strip().splitlines()[-1]
    assert answer == '503 {"status": "unavailable"}', result.stdout + result.stderr
    assert "Health check failed" in result.stderr
    assert "port 9 failed: Connection refused" in result.stderr, "the cause is logged"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _make_serve(**environment: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    env.update(environment)
    # -o: the virtualenv is the one running this test, never reinstalled here.
    return subprocess.Popen(
        ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output


def test_make_serve_migrates_and_runs_gunicorn_with_production_settings(tmp_path):
    port = _free_port()
    process = _make_serve(
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
    )
    try:
        deadline = time.monotonic() + 90
        response = None
        while response is None and time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/healthz",
                    headers={"X-Forwarded-Proto": "https"},
                    timeout=2,
                )
            except httpx.TransportError:
                time.sleep(0.25)
        api = httpx.get(f"http://127.0.0.1:{port}/api/v1/articles/", timeout=5)
    finally:
        output = _stop(process)

    assert response is not None, output
    assert (response.status_code, response.json()) == (200, {"status": "ok"}), output
    assert response.headers["server"] == "gunicorn", "the production server, not runserver"
    assert api.status_code == 301, "DEBUG is off: plain HTTP is redirected to HTTPS"
    assert "Applying articles.0001_initial" in output, "migrated before serving"


def test_make_serve_refuses_to_start_without_a_secret_key(tmp_path):
    process = _make_serve(DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    try:
        process.wait(timeout=60)
    finally:
        output = _stop(process)

    assert process.returncode != 0
    assert "SECRET_KEY" in output
    assert not (tmp_path / "serve.sqlite3").exists(), "nothing is migrated first"


def _setting(name: str, **environment: str) -> str:
    environment.setdefault("NUM_PROXIES", None)  # the test settings set it for this process
    result = manage(
        "shell",
        "-c",
        f"from django.conf import settings; print(settings.{name})",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="content.example.org",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_behind_the_production_proxy_the_client_address_is_the_one_it_saw():
    """With no proxy counted, every client would share the proxy's address (one lockout)."""
    assert _setting("NUM_PROXIES", DEBUG="false") == "1"
    assert _setting("NUM_PROXIES", DEBUG="false", TRUST_X_FORWARDED_PROTO="false") == "0"
    assert _setting("NUM_PROXIES", DEBUG="false", NUM_PROXIES="2") == "2"


def test_the_secret_key_is_read_as_it_is_spaces_included():
    key = f"  {secrets.token_urlsafe(50)} "
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(repr(settings.SECRET_KEY))",
        SECRET_KEY=key,
        ALLOWED_HOSTS="content.example.org",
        NUM_PROXIES=None,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr(key)


def test_make_run_links_emails_to_the_server_it_starts():
    """The worker and the server of `make run PORT=…` put that address in emails' links."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "HOST=127.0.0.1", "PORT=8765"],
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if key != "ADMIN_BASE_URL"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = [
        line
        for line in result.stdout.splitlines()
        if "manage.py run_worker" in line or "manage.py runserver" in line
    ]

    assert len(commands) == 2, result.stdout
    for command in commands:
        assert "ADMIN_BASE_URL=${ADMIN_BASE_URL:-http://127.0.0.1:8765}" in command, command


def test_djangos_upload_limit_follows_a_raised_api_body_limit():
    """A JSON body within API_MAX_REQUEST_BYTES never meets Django's own, lower, limit."""
    assert int(_setting("DATA_UPLOAD_MAX_MEMORY_SIZE", API_MAX_REQUEST_BYTES="5000000")) > 5000000
    assert int(_setting("DATA_UPLOAD_MAX_MEMORY_SIZE")) == 2_621_440
