"""The webhook API: publishing admins only, secrets shown once, event types checked, replay."""

import pytest

from articles.models import ConsumerSite, WebhookDelivery
from reviews import services as review_services
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def admin_client(publisher):
    return client_for(publisher)


@pytest.fixture
def site(db):
    return ConsumerSite.objects.create(name="Forum", contact_email="web@example.org")


def test_publishing_admins_register_an_endpoint_and_see_the_secret_once(admin_client, site):
    created = admin_client.post(
        URL,
        {
            "name": "Forum",
            "url": "https://forum.example.org/hooks",
            "site": site.pk,
            "event_types": ["article.published", "article.published"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    assert created.json()["event_types"] == ["article.published"]
    endpoint_id = created.json()["id"]
    shown = admin_client.get(f"{URL}{endpoint_id}/").json()
    assert "secret" not in shown
    assert [item["id"] for item in admin_client.get(URL).json()] == [endpoint_id]
    rotated = admin_client.patch(
        f"{URL}{endpoint_id}/", {"rotate_secret": True}, format="json"
    ).json()
    assert rotated["secret"] != created.json()["secret"]
    off = admin_client.patch(f"{URL}{endpoint_id}/", {"active": False}, format="json").json()
    assert off["active"] is False and "secret" not in off


@pytest.mark.parametrize("client_name", ["editor_client", "clinician_client"])
def test_other_roles_cannot_manage_webhooks(request, client_name):
    client = request.getfixturevalue(client_name)
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"name": "x", "url": "https://x.example.org"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_and_api_keys_cannot_manage_webhooks(api_client):
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "url": "not a url"}, "url"),
        ({"name": "x", "url": "https://x.example.org", "event_types": ["nope"]}, "event_types"),
        ({"name": 3, "url": "https://x.example.org"}, "name"),
        ({"name": "x", "url": "https://x.example.org", "secret": "mine"}, "secret"),
        ({"name": "x", "url": "https://x.example.org", "site": 999}, "site"),
    ],
)
def test_bad_endpoint_input_is_400(admin_client, payload, field):
    response = admin_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_consuming_site_cannot_subscribe_to_workflow_events(admin_client, site):
    response = admin_client.post(
        URL,
        {
            "name": "Forum",
            "url": "https://forum.example.org/hooks",
            "site": site.pk,
            "event_types": ["version.submitted"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "event_types" in response.json()["errors"]


def test_the_delivery_log_and_replay(admin_client, make_article, editor_user, doctor):
    endpoint = admin_client.post(
        URL, {"name": "CMS", "url": "https://cms.example.org/hooks"}, format="json"
    ).json()
    review_services.review_submit(article=make_article(), user=editor_user)
    log = admin_client.get(f"{URL}{endpoint['id']}/deliveries/").json()
    assert [(item["event_type"], item["status"]) for item in log] == [
        ("version.submitted", "pending")
    ]
    delivery = WebhookDelivery.objects.get()
    replayed = admin_client.post(f"{URL}deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 200
    assert replayed.json()["attempts"] == 0
    assert admin_client.post(f"{URL}deliveries/999/replay/").status_code == 404
    assert admin_client.get(f"{URL}999/deliveries/").status_code == 404
