"""Fixtures for clinical review: clinicians with profiles and a submitted article."""

import pytest

from reviews import services
from tests import factories


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
def submitted(make_article, editor_user):
    """An article with 3 sections, submitted as version 1: returns its open review."""
    article = make_article(slug="stopping-ldn", sections=3)
    return services.review_submit(article=article, user=editor_user, note="First draft")
