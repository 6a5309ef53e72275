"""The webhook API: publishing admins only, secrets shown once, event types checked, replay,
and the URL rules (no loopback, private or reserved addresses; https when DEBUG is off)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from articles import services
from articles.models import WebhookDelivery, WebhookEndpoint
from articles.webhook_transport import HTTPS_URL_PATTERN
from reviews import services as review_services

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
ROOT = Path(__file__).resolve().parents[2]


def test_publishing_admins_register_an_endpoint_and_see_the_secret_once(publisher_client, site):
    created = publisher_client.post(
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
    shown = publisher_client.get(f"{URL}{endpoint_id}/").json()
    assert "secret" not in shown
    assert [item["id"] for item in publisher_client.get(URL).json()] == [endpoint_id]
    rotated = publisher_client.patch(
        f"{URL}{endpoint_id}/", {"rotate_secret": True}, format="json"
    ).json()
    assert rotated["secret"] != created.json()["secret"]
    off = publisher_client.patch(f"{URL}{endpoint_id}/", {"active": False}, format="json").json()
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
def test_bad_endpoint_input_is_400(publisher_client, payload, field):
    response = publisher_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_consuming_site_cannot_subscribe_to_workflow_events(publisher_client, site):
    response = publisher_client.post(
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


def test_the_delivery_log_and_replay(publisher_client, make_article, editor_user, doctor):
    endpoint = publisher_client.post(
        URL, {"name": "CMS", "url": "https://cms.example.org/hooks"}, format="json"
    ).json()
    review_services.review_submit(article=make_article(), user=editor_user)
    log = publisher_client.get(f"{URL}{endpoint['id']}/deliveries/").json()
    assert [(item["event_type"], item["status"]) for item in log] == [
        ("version.submitted", "pending")
    ]
    delivery = WebhookDelivery.objects.get()
    replayed = publisher_client.post(f"{URL}deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 200
    assert replayed.json()["attempts"] == 0
    assert publisher_client.post(f"{URL}deliveries/999/replay/").status_code == 404
    assert publisher_client.get(f"{URL}999/deliveries/").status_code == 404


# Where webhooks may be sent (SSRF): the rules, in the service and in the schema.

REFUSED_HOSTS = [
    "localhost",
    "127.0.0.1",
    "127.1",
    "2130706433",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "[fe80::1]",
    "[fd00::1]",
    "224.0.0.1",
    "240.0.0.1",
    "[ff02::1]",
    "[64:ff9b::a00:1]",
    "[2002:a00:1::]",
]


@pytest.fixture
def production_rules(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    settings.WEBHOOK_HTTPS_ONLY = True


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_endpoints_on_loopback_private_link_local_or_reserved_addresses_are_refused(
    publisher_client, production_rules, host
):
    response = publisher_client.post(
        URL, {"name": "x", "url": f"https://{host}/hooks"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "not on the public internet" in response.json()["errors"]["url"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://forum.example.org/hooks",  # plain http while DEBUG is off
        "ftp://forum.example.org/hooks",
        "file:///etc/passwd",
        "gopher://forum.example.org/",
        "https://admin:secret@forum.example.org/hooks",
        "https://forum.example.org@10.0.0.1/hooks",
        "https://forum.example.org:0/hooks",
        "https://forum.example.org:70000/hooks",
        "https://[1::2::3]/hooks",
        "https://forum.example.org/hooks#part",
        "https://forum.example.org/new hooks",
        "https:///hooks",
    ],
)
def test_other_schemes_credentials_and_malformed_urls_are_refused(
    publisher_client, production_rules, url
):
    response = publisher_client.post(URL, {"name": "x", "url": url}, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {"url"}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://forum.example.org/hooks",  # does not resolve here: checked at each delivery
        "https://93.184.215.14:8443/hooks?site=forum",
        "https://[2606:4700::6810:84e5]/hooks",
    ],
)
def test_public_addresses_and_names_are_accepted(publisher_client, production_rules, url):
    response = publisher_client.post(URL, {"name": "x", "url": url}, format="json")
    assert response.status_code == 201, response.content


def test_changing_the_url_applies_the_same_rules_and_switching_off_always_works(
    publisher_client, publisher, settings
):
    endpoint = services.webhook_endpoint_create(
        user=publisher, name="Old", url="http://127.0.0.1:9000/hooks"
    )
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    settings.WEBHOOK_HTTPS_ONLY = True
    refused = publisher_client.patch(
        f"{URL}{endpoint.pk}/", {"url": "https://169.254.169.254/latest"}, format="json"
    )
    assert refused.status_code == 400
    assert "url" in refused.json()["errors"]
    off = publisher_client.patch(f"{URL}{endpoint.pk}/", {"active": False}, format="json")
    assert off.status_code == 200, off.content
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.active) == ("http://127.0.0.1:9000/hooks", False)


def production(*command: str, debug: str = "false") -> str:
    """The output of `python *command` under the production settings module."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=environment
        | {"DJANGO_SETTINGS_MODULE": "ldncontent.settings", "DEBUG": debug, "SECRET_KEY": "k"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("debug", "expected"), [("false", "https-only private-refused"), ("true", "http private")]
)
def test_production_refuses_plain_http_and_private_networks_by_default(debug, expected):
    code = (
        "import django; django.setup(); from django.conf import settings as s; print("
        "('https-only' if s.WEBHOOK_HTTPS_ONLY else 'http'), "
        "('private' if s.WEBHOOK_ALLOW_PRIVATE_NETWORKS else 'private-refused'))"
    )
    assert production("-c", code, debug=debug).strip() == expected


def test_the_served_schema_states_the_url_rules_the_server_applies():
    schema = json.loads(production("manage.py", "spectacular", "--format", "openapi-json"))
    components = schema["components"]["schemas"]
    for name in ("WebhookEndpointCreateInputRequest", "PatchedWebhookEndpointUpdateInputRequest"):
        url = components[name]["properties"]["url"]
        assert "format" not in url, name
        assert url["maxLength"] == 500
        assert url["pattern"] == "^" + HTTPS_URL_PATTERN[2:-2] + "$"
        assert re.fullmatch(url["pattern"], "https://forum.example.org/hooks")
        assert not re.fullmatch(url["pattern"], "http://forum.example.org/hooks")
        assert "link-local" in url["description"]
    for name, component in components.items():
        if "Webhook" in name:
            for field, definition in component.get("properties", {}).items():
                assert definition.get("format") != "uri", f"{name}.{field}"


def test_a_switched_off_endpoint_cannot_be_replayed(publisher_client, make_article, editor_user):
    endpoint = publisher_client.post(
        URL, {"name": "CMS", "url": "https://cms.example.org/hooks"}, format="json"
    ).json()
    review_services.review_submit(article=make_article(), user=editor_user)
    publisher_client.patch(f"{URL}{endpoint['id']}/", {"active": False}, format="json")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "cancelled"
    response = publisher_client.post(f"{URL}deliveries/{delivery.pk}/replay/")
    assert response.status_code == 409
    assert response.json()["code"] == "endpoint_switched_off"
    publisher_client.patch(f"{URL}{endpoint['id']}/", {"active": True}, format="json")
    assert (
        publisher_client.post(f"{URL}deliveries/{delivery.pk}/replay/").json()["status"]
        == "pending"
    )
