"""The articles services of versions and publication: submit, publish, retract, flag overdue."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from articles import services
from articles.exceptions import (
    AlreadyRetracted,
    EmptyArticle,
    NothingToSubmit,
    NotPublished,
    OlderThanLive,
)
from articles.models import (
    Event,
    EventType,
    Publication,
    PublicationStatus,
    ReviewKind,
    Section,
    Version,
)
from articles.rendering import Attribution
from articles.selectors import article_etag, section_list
from ldncontent.exceptions import InvalidContent, NotAllowed, PreconditionFailed

pytestmark = pytest.mark.django_db


def attribution(*, next_review_due: date | None = None) -> Attribution:
    """What the review workflow passes to publish when a clinician approves."""
    today = timezone.localdate()
    return Attribution(
        reviewer_name="Dr Doctor",
        reviewer_credentials="MBBS, MRCGP",
        review_kind=ReviewKind.FULL,
        approved_at=timezone.now(),
        last_reviewed=today,
        next_review_due=next_review_due or today + timedelta(days=365),
    )


def edit_section(article, user, anchor="part-0", body="Edited body."):
    sections = section_list(article=article)
    return services.section_update(
        article=article,
        anchor=anchor,
        user=user,
        if_match=article_etag(article=article, sections=sections),
        changes={"body": body},
    )


@pytest.fixture
def version(make_article, editor_user) -> Version:
    """Version 1 of an article with 3 sections."""
    return services.version_submit(article=make_article(), user=editor_user)


@pytest.fixture
def live(version, doctor) -> Publication:
    """Version 1, published."""
    return services.publish(version=version, attribution=attribution(), actor=doctor)


# --- submission -----------------------------------------------------------------------------


def test_submit_freezes_the_working_copy_as_version_1(version, editor_user):
    assert version.number == 1
    assert [item["anchor"] for item in version.sections] == ["part-0", "part-1", "part-2"]
    assert len(version.content_hash) == 64
    assert version.submitted_by == editor_user


def test_submitting_identical_content_again_is_refused(version, editor_user):
    with pytest.raises(NothingToSubmit):
        services.version_submit(article=version.article, user=editor_user)
    assert Version.objects.count() == 1


def test_an_article_without_sections_cannot_be_submitted(make_article, editor_user):
    with pytest.raises(EmptyArticle):
        services.version_submit(article=make_article(sections=0), user=editor_user)


def test_submit_with_a_stale_if_match_is_refused(make_article, editor_user):
    with pytest.raises(PreconditionFailed):
        services.version_submit(article=make_article(), user=editor_user, if_match='"stale"')
    assert not Version.objects.exists()


def test_editing_after_submission_does_not_change_the_version(version, editor_user):
    edit_section(version.article, editor_user, body="Completely new text.")
    version.refresh_from_db()
    assert version.sections[0]["body"] == "Body of part 0."
    assert Section.objects.get(anchor="part-0").body == "Completely new text."


# --- publication ----------------------------------------------------------------------------


def test_publish_serves_the_version_with_its_attribution_and_records_an_event(live, version):
    assert (live.status, live.version, live.content_hash) == (
        PublicationStatus.LIVE,
        version,
        version.content_hash,
    )
    payload = json.loads(bytes(live.payload))
    assert [section["markdown"] for section in payload["sections"]] == [
        item["body"] for item in version.sections
    ]
    assert payload["medical_review"]["reviewer_name"] == "Dr Doctor"
    event = Event.objects.get(type=EventType.PUBLISHED)
    assert (event.slug, event.version, event.content_hash) == (
        "stopping-ldn",
        1,
        version.content_hash,
    )


def test_an_older_version_cannot_replace_a_newer_live_one(version, editor_user, doctor):
    edit_section(version.article, editor_user)
    newer = services.version_submit(article=version.article, user=editor_user)
    services.publish(version=newer, attribution=attribution(), actor=doctor)
    with pytest.raises(OlderThanLive):
        services.publish(version=version, attribution=attribution(), actor=doctor)
    assert Publication.objects.get().version == newer


# --- retraction -----------------------------------------------------------------------------


def test_retract_withdraws_the_live_version_and_keeps_history(live, publisher):
    publication = services.publication_retract(
        article=live.article, user=publisher, reason="Dose guidance under review."
    )
    assert publication.status == PublicationStatus.RETRACTED
    assert publication.retracted_by == publisher
    assert [record.status for record in publication.history.order_by("history_date")] == [
        "live",
        "retracted",
    ]


def test_retract_is_refused_for_editors_and_for_unpublished_or_retracted(
    version, doctor, publisher, editor_user
):
    with pytest.raises(NotPublished):
        services.publication_retract(article=version.article, user=publisher, reason="x")
    services.publish(version=version, attribution=attribution(), actor=doctor)
    with pytest.raises(NotAllowed):
        services.publication_retract(article=version.article, user=editor_user, reason="x")
    with pytest.raises(InvalidContent):
        services.publication_retract(article=version.article, user=publisher, reason="")
    services.publication_retract(article=version.article, user=doctor, reason="x")
    with pytest.raises(AlreadyRetracted):
        services.publication_retract(article=version.article, user=publisher, reason="y")


def test_a_new_publication_after_retraction_is_live_again(live, doctor, publisher, editor_user):
    services.publication_retract(article=live.article, user=publisher, reason="x")
    edit_section(live.article, editor_user)
    newer = services.version_submit(article=live.article, user=editor_user)
    services.publish(version=newer, attribution=attribution(), actor=doctor)
    publication = Publication.objects.get()
    assert (publication.status, publication.version.number) == ("live", 2)
    assert publication.retracted_at is None


# --- overdue reviews ------------------------------------------------------------------------


def test_mark_overdue_flags_each_due_publication_once_with_a_new_etag_and_an_event(live):
    due = live.next_review_due
    assert services.publications_mark_overdue(today=due) == []
    flagged = services.publications_mark_overdue(today=due + timedelta(days=1))
    assert [publication.pk for publication in flagged] == [live.pk]
    stored = Publication.objects.get()
    assert stored.review_overdue is True
    assert json.loads(bytes(stored.payload))["review_overdue"] is True
    assert stored.etag != live.etag, "caches refetch the flagged payload"
    assert services.publications_mark_overdue(today=due + timedelta(days=2)) == []
    assert Event.objects.filter(type=EventType.REVIEW_OVERDUE).count() == 1


def test_mark_overdue_leaves_retracted_publications_alone(live, publisher):
    services.publication_retract(article=live.article, user=publisher, reason="Outdated.")
    assert services.publications_mark_overdue(today=live.next_review_due + timedelta(days=1)) == []
    assert Publication.objects.get().review_overdue is False
