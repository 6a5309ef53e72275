"""Staff authentication: bearer tokens (hashed, expiring, revocable) and sessions."""

from datetime import timedelta

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from ldncontent.tokens import token_issue
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def test_a_token_is_issued_for_good_credentials_and_stored_hashed(api_client):
    factories.editor(username="writer")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "writer", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["username"] == "writer"
    assert body["roles"] == ["editors"]
    stored = AuthToken.objects.get()
    assert body["token"] not in {stored.digest, stored.token_key}
    assert body["token"].startswith(stored.token_key)


def test_the_token_authenticates_the_authoring_api(api_client):
    user = factories.editor()
    _, token = token_issue(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.get("/api/v1/articles/").status_code == 200
    assert api_client.get("/api/v1/auth/me/").json() == {
        "username": user.username,
        "roles": ["editors"],
        "clinician": None,
        "sign_off_roles": [],
    }


def test_who_am_i_shows_a_clinician_the_profile_their_approvals_publish(api_client):
    user = factories.clinician_with_profile(username="okafor")
    api_client.force_authenticate(user=user)
    assert api_client.get("/api/v1/auth/me/").json() == {
        "username": "okafor",
        "roles": ["clinical-reviewers"],
        "clinician": {
            "published_name": "Dr Okafor",
            "credentials": "MBBS, MRCGP",
            "profession": "General practitioner",
            "active": True,
        },
        "sign_off_roles": [],
    }


def test_wrong_credentials_get_a_coded_401(api_client):
    factories.editor(username="writer")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "writer", "password": "wrong"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert not AuthToken.objects.exists()


def test_token_requests_with_bad_input_are_400(api_client):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": 5, "password": PASSWORD, "extra": 1}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "extra"}


def test_token_requests_are_throttled(api_client, settings):
    for _ in range(10):
        api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response["Retry-After"]


def test_a_revoked_token_stops_working(api_client):
    _, token = token_issue(user=factories.editor())
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.post("/api/v1/auth/token/revoke/").status_code == 204
    response = api_client.get("/api/v1/articles/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_expired_token_stops_working(api_client):
    instance, token = token_issue(user=factories.editor(), ttl=timedelta(seconds=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=instance.created - timedelta(days=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.get("/api/v1/articles/").status_code == 401


def test_a_garbage_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert api_client.get("/api/v1/articles/").status_code == 401


def test_session_login_works_for_the_browsable_api(client):
    factories.clinician(username="doctor", is_staff=True)
    logged_in = client.post("/admin/login/", {"username": "doctor", "password": PASSWORD})
    assert logged_in.status_code == 302, logged_in.content
    response = client.get("/api/v1/articles/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200


def test_session_writes_need_csrf():
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(factories.editor(username="writer"))
    response = client.post("/api/v1/articles/", {"slug": "x", "title": "X"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
