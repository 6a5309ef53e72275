"""Fixtures for clinical review: a submitted article."""

import pytest

from reviews import services


@pytest.fixture
def submitted(make_article, editor_user):
    """An article with 3 sections, submitted as version 1: returns its open review."""
    article = make_article(slug="stopping-ldn", sections=3)
    return services.review_submit(article=article, user=editor_user, note="First draft")
