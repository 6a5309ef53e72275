"""Fixtures shared by the whole suite: users and API clients per role, articles, a site."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from rest_framework.test import APIClient

from articles import services
from articles.models import ConsumerSite
from ldncontent.permissions import PUBLISHING_ADMINS
from tests import factories
from tests.clients import client_for


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: no throttle or login-limit count carries over."""
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def editor_user(db):
    return factories.editor(username="editor")


@pytest.fixture
def clinician_user(db):
    return factories.clinician(username="clinician")


@pytest.fixture
def editor_client(editor_user) -> APIClient:
    return client_for(editor_user)


@pytest.fixture
def clinician_client(clinician_user) -> APIClient:
    return client_for(clinician_user)


@pytest.fixture
def publisher_client(publisher) -> APIClient:
    return client_for(publisher)


@pytest.fixture
def doctor_client(doctor) -> APIClient:
    return client_for(doctor)


@pytest.fixture
def make_article(editor_user):
    """Create an article through the service, as the API would."""

    def make(slug: str = "stopping-ldn", sections: int = 3, **fields):
        fields.setdefault("title", "Stopping low-dose naltrexone")
        fields.setdefault("topics", ["ldn"])
        return services.article_create(
            author=fields.pop("author", editor_user),
            slug=slug,
            fields=fields,
            sections=[
                {
                    "anchor": f"part-{index}",
                    "heading": f"Part {index}",
                    "body": f"Body of part {index}.",
                }
                for index in range(sections)
            ],
        )

    return make


@pytest.fixture
def article(make_article):
    """An article with two sections, `stopping-ldn`."""
    return make_article(slug="stopping-ldn", sections=2)


@pytest.fixture
def doctor(db):
    return factories.clinician_with_profile(username="doctor")


@pytest.fixture
def second_doctor(db):
    return factories.clinician_with_profile(username="second-doctor")


@pytest.fixture
def publisher(db):
    return factories.publishing_admin(username="publisher")


@pytest.fixture
def root(db):
    """A superuser (who alone grants signing authority)."""
    return User.objects.create_superuser("root", "root@example.org", "a-long-password")


@pytest.fixture
def root_client(root) -> APIClient:
    """The API answers staff roles only: this superuser is a publishing admin too."""
    root.groups.add(Group.objects.get_or_create(name=PUBLISHING_ADMINS)[0])
    return client_for(root)


@pytest.fixture
def site(db):
    return ConsumerSite.objects.create(name="Patient Forum", contact_email="web@example.org")


@pytest.fixture
def consumer_key(site):
    """An API key of the site and its secret: (the key's row, the raw key a site sends)."""
    return services.consumer_key_issue(
        site=site, name="production", issued_by=factories.key_issuer()
    )


@pytest.fixture
def consumer(consumer_key) -> APIClient:
    """A delivery API client sending the site's key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {consumer_key[1]}")
    return client
