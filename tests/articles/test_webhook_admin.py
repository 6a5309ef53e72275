"""The webhook admin: the secret is shown once."""

import pytest
from django.test import Client

from articles.models import WebhookEndpoint

pytestmark = pytest.mark.django_db
ADD = "/admin/articles/webhookendpoint/add/"


@pytest.fixture
def admin_browser(publisher) -> Client:
    publisher.is_staff = True
    publisher.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(publisher)
    return client


def endpoint_form(**changes) -> dict:
    return {
        "name": "Forum",
        "url": "https://forum.example.org/hooks",
        "site": "",
        "event_types": "[]",
        "active": "on",
    } | changes


def test_the_secret_is_shown_once_when_created_and_never_again(admin_browser):
    created = admin_browser.post(ADD, endpoint_form(), follow=True)
    assert created.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in created.content.decode(), "shown once, to copy"
    change_page = f"/admin/articles/webhookendpoint/{endpoint.pk}/change/"
    for page in (change_page, "/admin/articles/webhookendpoint/", ADD):
        response = admin_browser.get(page)
        assert response.status_code == 200
        assert endpoint.secret not in response.content.decode(), page
    saved = admin_browser.post(change_page, endpoint_form(name="Forum site"), follow=True)
    assert endpoint.secret not in saved.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.name == "Forum site"
