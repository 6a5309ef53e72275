"""Fixtures shared by the whole suite: API clients per role and article helpers."""

import pytest
from rest_framework.test import APIClient

from articles import services
from tests import factories


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
def admin_user_role(db):
    return factories.publishing_admin(username="publisher")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def editor_client(editor_user) -> APIClient:
    return client_for(editor_user)


@pytest.fixture
def clinician_client(clinician_user) -> APIClient:
    return client_for(clinician_user)


@pytest.fixture
def publisher_client(admin_user_role) -> APIClient:
    return client_for(admin_user_role)


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
def doctor(db):
    return factories.clinician_with_profile(username="doctor")


@pytest.fixture
def second_doctor(db):
    return factories.clinician_with_profile(username="second-doctor")


@pytest.fixture
def publisher(db):
    return factories.publishing_admin(username="publisher")
