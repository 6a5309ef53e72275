"""Consuming sites and their API keys: the services' rules, and the admin going through them."""

import re

import pytest
from django.contrib.auth.models import User

from articles import services
from articles.exceptions import KeyAlreadyRevoked
from articles.models import ConsumerApiKey, ConsumerSite, ImmutableRecord
from ldncontent.exceptions import InvalidContent, NotAllowed
from tests import factories
from tests.clients import form_data, staff_client

pytestmark = pytest.mark.django_db

OTHER_ROLES = {
    "editor": factories.editor,
    "clinician": factories.clinician_with_profile,
    "no_role": factories.UserFactory,
}


@pytest.fixture
def issued(site, publisher):
    return services.consumer_key_issue(site=site, name="production", issued_by=publisher)[0]


# --- the services ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_publishing_admins_issue_and_revoke_keys(role, site, issued):
    actor = OTHER_ROLES[role]()
    with pytest.raises(NotAllowed, match="publishing-admins"):
        services.consumer_key_issue(site=site, name="stolen", issued_by=actor)
    with pytest.raises(NotAllowed, match="publishing-admins"):
        services.consumer_key_revoke(key=issued, revoked_by=actor)
    assert list(ConsumerApiKey.objects.values_list("name", "revoked")) == [("production", False)]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_publishing_admins_register_and_change_sites(role, site):
    actor = OTHER_ROLES[role]()
    with pytest.raises(NotAllowed):
        services.consumer_site_create(user=actor, name="Other", contact_email="o@example.org")
    with pytest.raises(NotAllowed):
        services.consumer_site_update(user=actor, site=site, changes={"active": False})
    assert list(ConsumerSite.objects.values_list("name", "active")) == [("Patient Forum", True)]


def test_site_fields_are_validated_in_the_service(publisher, site):
    with pytest.raises(InvalidContent) as invalid:
        services.consumer_site_create(user=publisher, name="Other", contact_email="not-an-email")
    assert "contact_email" in invalid.value.errors
    with pytest.raises(InvalidContent) as taken:
        services.consumer_site_create(user=publisher, name="Patient Forum", contact_email="a@b.org")
    assert "name" in taken.value.errors
    with pytest.raises(InvalidContent) as unknown:
        services.consumer_site_update(user=publisher, site=site, changes={"created_at": None})
    assert "created_at" in unknown.value.errors
    assert ConsumerSite.objects.count() == 1


def test_an_inactive_site_or_a_blank_name_gets_no_key(publisher, site):
    with pytest.raises(InvalidContent):
        services.consumer_key_issue(site=site, name="  ", issued_by=publisher)
    services.consumer_site_update(user=publisher, site=site, changes={"active": False})
    with pytest.raises(InvalidContent):
        services.consumer_key_issue(site=site, name="new", issued_by=publisher)
    assert not ConsumerApiKey.objects.exists()


def test_a_revoked_key_is_never_restored(publisher, issued):
    services.consumer_key_revoke(key=issued, revoked_by=publisher)
    with pytest.raises(KeyAlreadyRevoked):
        services.consumer_key_revoke(key=issued, revoked_by=publisher)
    with pytest.raises(ImmutableRecord):
        ConsumerApiKey.objects.filter(pk=issued.pk).update(revoked=False)
    stale = ConsumerApiKey.objects.get(pk=issued.pk)
    stale.revoked = False
    with pytest.raises(Exception, match="revoked"):
        stale.save()
    rebuilt = ConsumerApiKey(
        id=issued.id, prefix=issued.prefix, hashed_key=issued.hashed_key, name="x", site=issued.site
    )
    rebuilt._state.adding = False
    with pytest.raises(ImmutableRecord):
        rebuilt.save()
    assert ConsumerApiKey.objects.get(pk=issued.pk).revoked


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_issues_a_key_through_the_service_and_shows_it_once(publisher, site):
    client = staff_client(publisher)
    page = client.get("/admin/articles/consumerapikey/add/")
    response = client.post(
        "/admin/articles/consumerapikey/add/",
        form_data(page, site=str(site.pk), name="staging"),
        follow=True,
    )
    plain = re.search(r"is ([\w-]{8}\.[\w-]+) —", response.content.decode()).group(1)
    key = ConsumerApiKey.objects.get()
    assert (key.name, key.site, key.revoked) == ("staging", site, False)
    assert ConsumerApiKey.objects.is_valid(plain)
    assert (
        plain not in client.get(f"/admin/articles/consumerapikey/{key.pk}/change/").content.decode()
    )


def test_the_admin_refuses_a_key_for_an_inactive_site_with_a_message(publisher, site):
    site.active = False
    site.save()
    client = staff_client(publisher)
    page = client.get("/admin/articles/consumerapikey/add/")
    response = client.post(
        "/admin/articles/consumerapikey/add/",
        form_data(page, site=str(site.pk), name="staging"),
        follow=True,
    )
    assert "The site is inactive" in response.content.decode()
    assert not ConsumerApiKey.objects.exists()


def test_keys_are_revoked_by_the_admin_action_and_never_edited(publisher, issued):
    client = staff_client(publisher)
    url = f"/admin/articles/consumerapikey/{issued.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="revoked"' not in page.content.decode()
    assert client.post(url, {"name": "renamed", "revoked": ""}).status_code == 403
    response = client.post(
        "/admin/articles/consumerapikey/",
        {"action": "revoke", "_selected_action": [issued.pk]},
        follow=True,
    )
    assert "1 key(s) revoked." in response.content.decode()
    assert ConsumerApiKey.objects.get(pk=issued.pk).revoked
    assert client.post(url, {"name": "production", "revoked": ""}).status_code == 403
    assert client.post(f"/admin/articles/consumerapikey/{issued.pk}/delete/").status_code == 403
    assert ConsumerApiKey.objects.get(pk=issued.pk).revoked


def test_the_sites_key_list_cannot_revoke_or_restore_keys(publisher, site, issued):
    services.consumer_key_revoke(key=issued, revoked_by=publisher)
    services.consumer_key_issue(site=site, name="second", issued_by=publisher)
    client = staff_client(publisher)
    url = f"/admin/articles/consumersite/{site.pk}/change/"
    page = client.get(url)
    assert 'name="api_keys-0-revoked"' not in page.content.decode()
    forged = form_data(
        page,
        **{
            "api_keys-0-revoked": "",
            "api_keys-1-revoked": "on",
            "contact_email": "new@example.org",
        },
    )
    assert client.post(url, forged).status_code == 302
    assert dict(ConsumerApiKey.objects.values_list("name", "revoked")) == {
        "production": True,
        "second": False,
    }
    site.refresh_from_db()
    assert site.contact_email == "new@example.org"


def test_the_site_admin_saves_through_the_service(publisher, site):
    client = staff_client(publisher)
    page = client.get("/admin/articles/consumersite/add/")
    response = client.post(
        "/admin/articles/consumersite/add/",
        form_data(page, name="Second Forum", contact_email="second@example.org"),
    )
    assert response.status_code == 302
    assert ConsumerSite.objects.filter(name="Second Forum", active=True).exists()
    superuser = User.objects.create_superuser("root", "root@example.org", "a-long-password")
    root = staff_client(superuser)
    refused = root.post(
        "/admin/articles/consumersite/add/",
        form_data(
            root.get("/admin/articles/consumersite/add/"), name="Third", contact_email="t@e.org"
        ),
        follow=True,
    )
    assert "Only publishing-admins may manage consuming sites." in refused.content.decode()
    assert not ConsumerSite.objects.filter(name="Third").exists()
