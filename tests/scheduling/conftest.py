"""Fixtures for scheduling: an article live at version 1, version 2 approved for later."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import Article, ReviewKind
from articles.rendering import Attribution
from articles.selectors import article_etag, section_list
from reviews import services as review_services
from scheduling import services


def new_version(article: Article, editor, text: str):
    """Edit the working copy and submit it: returns the version frozen for review."""
    article_services.section_update(
        article=article,
        anchor="part-0",
        user=editor,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": text},
    )
    return review_services.review_submit(article=article, user=editor).version


def attribution_for(clinician, *, when=None) -> Attribution:
    """What a clinician's full review says, as the review workflow builds it."""
    when = when or timezone.now()
    return Attribution(
        reviewer_name="Dr Doctor",
        reviewer_credentials="MBBS, MRCGP",
        review_kind=ReviewKind.FULL,
        approved_at=when,
        last_reviewed=when.date(),
        next_review_due=when.date() + timedelta(days=180),
        sign_offs=(
            {
                "role": "clinical",
                "role_name": "Clinical",
                "name": "Dr Doctor",
                "credentials": "MBBS, MRCGP",
                "profession": "General practitioner",
                "signed_at": when.isoformat(),
            },
        ),
    )


def publish_live(make_article, editor, clinician, slug: str = "stopping-ldn") -> Article:
    """An article approved and live at version 1."""
    article = make_article(slug=slug, sections=2)
    review = review_services.review_submit(article=article, user=editor)
    review_services.review_approve(
        review=review,
        reviewer=clinician,
        content_hash=review.version.content_hash,
        kind=ReviewKind.FULL,
    )
    return article


def schedule_version(article, editor, clinician, *, seconds: float = 3600, text="Later.", **kw):
    """Submit a new version of `article` and schedule it `seconds` from now."""
    version = new_version(article, editor, text)
    return services.schedule_create(
        version=version,
        attribution=attribution_for(clinician),
        publish_at=timezone.now() + timedelta(seconds=seconds),
        actor=clinician,
        **kw,
    )


@pytest.fixture
def live_article(make_article, editor_user, doctor) -> Article:
    return publish_live(make_article, editor_user, doctor)


@pytest.fixture
def scheduled(live_article, editor_user, doctor):
    """Version 2 of the live article, scheduled an hour from now."""
    return schedule_version(live_article, editor_user, doctor, text="The scheduled text.")
