"""Errors a client can act on: a locked or unreachable database is a 503, a failure a JSON 500."""

import logging
import os
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.urls import path
from rest_framework.request import Request
from rest_framework.views import APIView

from articles import services as article_services
from articles.models import Article, ConsumerSite
from ldncontent import urls as project_urls
from ldncontent.error_handler import _nested_by_index
from ldncontent.tokens import token_issue
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def database_locked(monkeypatch):
    """Another connection holds SQLite's exclusive lock; ours gives up after 0.2 s, not 20."""
    if connection.vendor != "sqlite":
        pytest.skip("locks the SQLite database file")
    connection.close()
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        connection.close()


@pytest.fixture
def locked_database(monkeypatch):
    with database_locked(monkeypatch):
        yield


def assert_database_unavailable(response):
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert "Retry" in body["detail"]
    assert body["retry_after"] == 5
    assert response["X-Request-ID"] == body["request_id"]
    assert "locked" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_is_a_503_on_the_authoring_api(locked_database):
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/articles/", HTTP_AUTHORIZATION="Bearer 0123456789abcdef")
    assert_database_unavailable(response)


@pytest.mark.django_db(transaction=True)
def test_a_write_to_a_locked_database_is_a_503_and_writes_nothing(monkeypatch, caplog):
    _, token = token_issue(user=factories.editor())
    with (
        caplog.at_level(logging.WARNING, logger="ldncontent.error_handler"),
        database_locked(monkeypatch),
    ):
        response = Client(raise_request_exception=False).post(
            "/api/v1/articles/",
            {"slug": "stopping-ldn", "title": "Stopping LDN"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert_database_unavailable(response)
    assert "database is locked" in caplog.text
    assert response.json()["request_id"] in caplog.text
    assert not Article.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_is_a_503_on_delivery(monkeypatch):
    site = ConsumerSite.objects.create(name="Patient Forum", contact_email="web@example.org")
    _, key = article_services.consumer_key_issue(
        site=site, name="production", issued_by=factories.key_issuer()
    )
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Api-Key {key}")
    with database_locked(monkeypatch):
        for url in (
            "/api/v1/published/articles/",
            "/api/v1/published/articles/stopping-ldn/",
            "/api/v1/published/articles/stopping-ldn/sections/dose/",
            "/api/v1/published/changes/",
        ):
            assert_database_unavailable(client.get(url))


@pytest.mark.django_db(transaction=True)
def test_the_admin_keeps_djangos_own_error_page(locked_database):
    response = Client(raise_request_exception=False).post(
        "/admin/login/", {"username": "publisher", "password": "a-long-test-password"}
    )
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")


def test_an_unreachable_postgresql_is_a_503():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DEBUG="false",
        SECRET_KEY="test-only-secret-key-not-for-any-deployment",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing",  # nothing listens on port 9
    )
    script = (
        "from django.test import Client; c = Client(raise_request_exception=False); "
        "r = c.get('/api/v1/articles/', HTTP_AUTHORIZATION='Bearer 0123456789abcdef'); "
        "print(r.status_code, r['Retry-After'], r.json()['code']); "
        "r = c.get('/api/v1/published/changes/', HTTP_AUTHORIZATION='Api-Key abc.def'); "
        "print(r.status_code, r['Retry-After'], r.json()['code'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.split("\n")[-3:-1] == ["503 5 database_unavailable"] * 2, (
        result.stdout + result.stderr
    )


# --- unexpected failures ----------------------------------------------------------------------


class FailingApi(APIView):
    permission_classes: list = []

    def get(self, request: Request):
        raise RuntimeError("secret internals: /srv/ldncontent/settings.py line 12")


def failing_view(request: HttpRequest):
    raise RuntimeError("secret internals: /srv/ldncontent/settings.py line 12")


class BrokenQueryApi(APIView):
    """A bug in a query: SQLite reports it as an OperationalError, like a locked database."""

    permission_classes: list = []

    def get(self, request: Request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret_column FROM no_such_table")


# The project's URLs and error handlers, plus views that fail.
FailingUrls = ModuleType("failing_urls")
FailingUrls.urlpatterns = [
    path("api/v1/failing-api/", FailingApi.as_view()),
    path("api/v1/failing-view/", failing_view),
    path("api/v1/broken-query/", BrokenQueryApi.as_view()),
    path("failing-page/", failing_view),
    *project_urls.urlpatterns,
]
for name, value in vars(project_urls).items():
    if name.startswith("handler"):
        setattr(FailingUrls, name, value)


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = FailingUrls


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/failing-api/", "/api/v1/failing-view/"])
def test_an_unexpected_error_is_a_json_500_with_a_logged_request_id(failing_urls, url, caplog):
    with caplog.at_level(logging.ERROR):
        response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"code", "detail", "request_id"}
    assert body["code"] == "server_error"
    assert response["X-Request-ID"] == body["request_id"]
    assert "secret internals" not in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    logged = [record for record in caplog.records if body["request_id"] in record.getMessage()]
    assert logged, caplog.text
    assert "secret internals" in caplog.text, "the traceback is logged"


@pytest.mark.django_db
def test_a_broken_query_is_a_500_not_a_database_to_retry(failing_urls, caplog):
    with caplog.at_level(logging.ERROR):
        response = Client(raise_request_exception=False).get("/api/v1/broken-query/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "no_such_table" not in response.content.decode()
    logged = [r for r in caplog.records if response.json()["request_id"] in r.getMessage()]
    assert logged and logged[0].exc_info, "the request id is logged with its traceback"


@pytest.mark.django_db
def test_an_unexpected_error_outside_the_api_keeps_djangos_page(failing_urls):
    response = Client(raise_request_exception=False).get("/failing-page/")
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/articles/", "/api/v1/published/changes/", "/api/v1/no-such-thing/"]
)
def test_a_host_not_allowed_is_a_json_400_under_the_api(url):
    response = Client().get(url, HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("debug", [False, True])
def test_an_api_path_no_route_matches_is_a_json_404_with_debug_on_or_off(settings, debug):
    settings.DEBUG = debug
    response = Client().get("/api/v1/reviews/abc/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_api_path_without_its_slash_is_still_redirected_to_it(settings):
    settings.DEBUG = True
    response = Client().get("/api/v1/articles")

    assert (response.status_code, response["Location"]) == (301, "/api/v1/articles/")


def test_a_page_no_route_matches_outside_the_api_keeps_djangos_page(settings):
    settings.DEBUG = True
    response = Client().get("/nowhere/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


BEYOND_DJANGOS_LIMIT = b'{"text": "' + b"a" * 3_000_000 + b'"}'


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("who", ["editor", "consumer"])
def test_a_body_beyond_djangos_own_limit_is_a_json_413_too(
    settings, debug, who, editor_client, consumer
):
    """Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are refused by Django before the JSON parser
    sees them: still the 413 of every oversized body, never a 400 blaming the Host header."""
    settings.DEBUG = debug
    client, url = {
        "editor": (editor_client, "/api/v1/articles/"),
        "consumer": (consumer, "/api/v1/published/articles/stopping-ldn/feedback/"),
    }[who]
    response = client.generic("POST", url, BEYOND_DJANGOS_LIMIT, content_type="application/json")

    assert response.status_code == 413, response.content[:300]
    assert response.json()["code"] == "request_too_large"
    assert str(settings.API_MAX_REQUEST_BYTES) in response.json()["detail"]
    assert not Article.objects.exists()


def test_a_404_of_a_route_that_matched_keeps_its_own_detail_with_debug_on(settings, editor_client):
    settings.DEBUG = True
    response = editor_client.get("/api/v1/articles/nope/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert b"No API operation has this path" not in response.content


def test_item_errors_are_nested_unless_the_list_itself_has_errors():
    assert _nested_by_index({"sections[1].anchor": ["Taken."], "sections[dosing].body": ["!"]}) == {
        "sections": {"1": {"anchor": ["Taken."]}, "dosing": {"body": ["!"]}}
    }
    clash = {"sections[1].anchor": ["Taken."], "sections": ["At most 100."]}
    assert _nested_by_index(clash) == clash
