"""Failed logins are limited per account and per client address, on the token endpoint and the
admin login; the client's address comes from NUM_PROXIES trusted proxies, never from a forged
X-Forwarded-For."""

import pytest
from django.test import Client
from knox.models import AuthToken

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3


def token_request(username: str, password: str, address: str = "203.0.113.7", **headers):
    return Client().post(
        TOKEN,
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
        **headers,
    )


def assert_locked_out(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "locked_out"
    assert "try again in 15 minutes" in body["detail"]
    assert response["Retry-After"] == "900"


def test_an_account_is_locked_after_repeated_failures_from_any_address():
    factories.editor(username="writer")
    answers = [
        token_request("writer", "wrong", address=f"198.51.100.{n}").status_code for n in range(2)
    ]
    assert answers == [401, 401]
    assert_locked_out(token_request("writer", "wrong", address="198.51.100.3"))
    # Locked: even the right password, from a fresh address, gets no token.
    assert_locked_out(token_request("writer", PASSWORD, address="198.51.100.4"))
    assert not AuthToken.objects.exists()
    # Other accounts, from other addresses, are not affected.
    factories.editor(username="other")
    assert token_request("other", PASSWORD, address="198.51.100.9").status_code == 200


def test_a_client_is_locked_after_failures_across_accounts():
    factories.editor(username="writer")
    for username in ("alice", "bob"):
        assert token_request(username, "guess").status_code == 401
    assert_locked_out(token_request("carol", "guess"))
    assert_locked_out(token_request("writer", PASSWORD))
    assert token_request("writer", PASSWORD, address="192.0.2.1").status_code == 200


def test_a_forged_x_forwarded_for_gives_nothing_without_trusted_proxies(settings):
    settings.NUM_PROXIES = 0
    for n in range(2):
        response = token_request(f"user{n}", "guess", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
        assert response.status_code == 401
    assert_locked_out(token_request("user9", "guess", HTTP_X_FORWARDED_FOR="10.9.9.9"))


def test_the_token_throttle_ignores_a_forged_x_forwarded_for(settings):
    settings.AXES_FAILURE_LIMIT = 100
    statuses = [
        token_request(f"user{n}", "guess", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}").status_code
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_behind_trusted_proxies_the_address_they_saw_is_counted(settings):
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.2"
    # Two clients behind the same proxy are counted apart; the attacker's own (forged)
    # left-hand entries change nothing, the proxy's right-most entry is what counts.
    for n in range(2):
        response = token_request(
            f"user{n}", "guess", address=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.66"
        )
        assert response.status_code == 401
    assert_locked_out(
        token_request("user9", "guess", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    )
    factories.editor(username="writer")
    honest = token_request("writer", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="192.0.2.5")
    assert honest.status_code == 200


def test_the_admin_login_is_limited_too():
    factories.publishing_admin(username="publisher", is_staff=True)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        response = client.post("/admin/login/", {"username": "publisher", "password": "no"})
        assert response.status_code == 200  # the form again, with its error
    locked = client.post("/admin/login/", {"username": "publisher", "password": "no"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert locked["Retry-After"] == "900"
    other = Client(REMOTE_ADDR="192.0.2.1")
    refused = other.post("/admin/login/", {"username": "publisher", "password": PASSWORD})
    assert refused.status_code == 429
    assert "_auth_user_id" not in other.session


def test_a_success_before_the_limit_logs_in():
    factories.editor(username="writer")
    assert token_request("writer", "wrong").status_code == 401
    assert token_request("writer", PASSWORD).status_code == 200
