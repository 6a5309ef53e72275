"""The webhook admin: the secret is shown once, URLs follow the API's rules, switching off
cancels pending deliveries."""

import pytest
from django.test import Client

from articles import services
from articles.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from reviews import services as review_services
from tests.clients import staff_client

pytestmark = pytest.mark.django_db
ADD = "/admin/articles/webhookendpoint/add/"


@pytest.fixture
def admin_browser(publisher) -> Client:
    return staff_client(publisher)


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


def test_the_admin_refuses_urls_the_api_refuses(admin_browser, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    response = admin_browser.post(
        ADD, endpoint_form(url="https://169.254.169.254/latest/meta-data"), follow=True
    )
    assert "not on the public internet" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_switching_an_endpoint_off_in_the_admin_cancels_its_pending_deliveries(
    admin_browser, publisher, make_article, editor_user
):
    endpoint = services.webhook_endpoint_create(
        user=publisher, name="CMS", url="https://cms.example.org/hooks"
    )
    review_services.review_submit(article=make_article(), user=editor_user)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    response = admin_browser.post(
        f"/admin/articles/webhookendpoint/{endpoint.pk}/change/",
        {"name": "CMS", "url": endpoint.url, "event_types": "[]"},  # "active" unticked
    )
    assert response.status_code == 302
    assert WebhookDelivery.objects.get().status == DeliveryStatus.CANCELLED
