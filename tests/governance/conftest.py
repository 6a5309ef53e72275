"""Fixtures for governance: a published article, a version never approved, feedback."""

import pytest

from articles import services as article_services
from articles.models import Article, ReviewKind
from articles.selectors import article_etag, section_list
from reviews import services as review_services


@pytest.fixture
def published(make_article, editor_user, doctor):
    """`stopping-ldn` version 1, approved and live: returns its review."""
    article = make_article(slug="stopping-ldn", sections=3)
    review = review_services.review_submit(article=article, user=editor_user, note="First draft")
    return review_services.review_approve(
        review=review,
        reviewer=doctor,
        content_hash=review.version.content_hash,
        kind=ReviewKind.FULL,
    )


@pytest.fixture
def pending(published, editor_user):
    """Version 2 of `stopping-ldn`, submitted and not approved: returns its open review."""
    article = Article.objects.get(slug="stopping-ldn")
    article_services.section_update(
        article=article,
        anchor="part-1",
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": "A corrected dose: 4.5 mg."},
    )
    return review_services.review_submit(article=article, user=editor_user, note="Dose fix")


def report(published, **fields) -> dict:
    """A feedback body on the published version, with `fields` replacing its defaults."""
    return {
        "content_hash": published.version.content_hash,
        "section_anchor": "part-1",
        "category": "error",
        "text": "The dose says 45 mg; the leaflet says 4.5 mg.",
        **fields,
    }
