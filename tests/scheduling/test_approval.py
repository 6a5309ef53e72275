"""An approval that carries `publish_at` (or a release) schedules the version instead of
publishing it: the live version is served until then, and the frozen approval goes out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Publication, ReviewKind
from ldncontent.exceptions import InvalidContent
from reviews import services as review_services
from reviews.models import ReviewState
from scheduling import services
from scheduling.exceptions import ReleaseNotOpen
from scheduling.models import Schedule, ScheduleState
from tests import factories
from tests.clients import client_for, staff_client
from tests.scheduling.conftest import new_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist(db):
    """A pharmacist whose signature every `ldn` article also needs (a Medicines policy)."""
    role = factories.sign_off_role("pharmacist")
    factories.sign_off_policy(name="Medicines", required=[role], topic="ldn")
    return factories.sign_off_reviewer(role=role, username="pharmacist")


def live_number(article) -> int:
    return Publication.objects.get(article=article).version.number


def approve(version, doctor, **fields):
    return review_services.review_approve(
        review=version.review,
        reviewer=doctor,
        content_hash=version.content_hash,
        kind=ReviewKind.CHANGE,
        **fields,
    )


def test_an_approval_with_a_future_time_schedules_and_the_live_version_stays(
    live_article, editor_user, doctor
):
    version = new_version(live_article, editor_user, "For the campaign.")
    at = timezone.now() + timedelta(hours=3)
    review = approve(version, doctor, publish_at=at)
    assert review.state == ReviewState.APPROVED
    assert live_number(live_article) == 1
    schedule = Schedule.objects.get()
    assert (schedule.version, schedule.publish_at, schedule.state) == (version, at, "pending")
    assert schedule.created_by == doctor
    assert schedule.attribution["review_kind"] == ReviewKind.CHANGE
    assert [item["role"] for item in schedule.attribution["sign_offs"]] == ["clinical"]
    assert services.schedules_publish_due(now=at - timedelta(microseconds=1)) == []
    assert services.schedules_publish_due(now=at) == [schedule.pk]
    publication = Publication.objects.get(article=live_article)
    assert publication.version == version
    assert publication.approved_at == review.decided_at


def test_an_approval_with_a_past_time_is_refused_and_nothing_changes(
    live_article, editor_user, doctor
):
    version = new_version(live_article, editor_user, "Late.")
    with pytest.raises(InvalidContent):
        approve(version, doctor, publish_at=timezone.now() - timedelta(seconds=1))
    version.review.refresh_from_db()
    assert version.review.state == ReviewState.SUBMITTED
    assert not version.review.sign_offs.exists()


def test_a_newer_approval_published_at_once_supersedes_the_schedule(
    live_article, editor_user, doctor
):
    approve(
        new_version(live_article, editor_user, "Later."),
        doctor,
        publish_at=timezone.now() + timedelta(hours=1),
    )
    approve(new_version(live_article, editor_user, "Urgent fix."), doctor)
    schedule = Schedule.objects.get()
    assert schedule.state == ScheduleState.SUPERSEDED
    assert schedule.changes.last().note.startswith("Superseded by version 3")
    assert live_number(live_article) == 3


def test_an_approval_joins_a_release(live_article, editor_user, doctor, publisher):
    release = services.release_create(
        name="Guideline", publish_at=timezone.now() + timedelta(days=1), user=publisher
    )
    approve(new_version(live_article, editor_user, "Guideline text."), doctor, release=release.pk)
    schedule = Schedule.objects.get()
    assert (schedule.release, schedule.publish_at) == (release, release.publish_at)


def test_an_approval_never_names_a_release_earlier_than_its_own_time(
    live_article, editor_user, doctor, publisher
):
    release = services.release_create(
        name="Guideline", publish_at=timezone.now() + timedelta(hours=1), user=publisher
    )
    version = new_version(live_article, editor_user, "Embargoed until June.")
    client = client_for(doctor)
    response = client.post(
        f"/api/v1/reviews/{version.review.pk}/approve/",
        {
            "content_hash": version.content_hash,
            "kind": "change",
            "publish_at": (timezone.now() + timedelta(days=180)).isoformat(),
            "release": release.pk,
        },
        format="json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "earlier_than_approved"
    assert "Guideline" in response.json()["detail"]
    version.review.refresh_from_db()
    assert version.review.state == ReviewState.SUBMITTED
    assert not version.review.sign_offs.exists(), "nothing signed"
    assert not Schedule.objects.exists()


@pytest.mark.parametrize("ends", ["cancelled", "went out"])
def test_an_approval_for_a_release_that_ended_before_the_last_sign_off_publishes_nothing(
    make_article, editor_user, doctor, publisher, pharmacist, ends
):
    release = services.release_create(
        name="Guideline", publish_at=timezone.now() + timedelta(days=1), user=publisher
    )
    article = make_article(slug="ldn-doses")
    version = review_services.review_submit(article=article, user=editor_user).version
    review_services.review_approve(
        review=version.review,
        reviewer=doctor,
        content_hash=version.content_hash,
        kind=ReviewKind.FULL,
        release=release.pk,
    )
    if ends == "cancelled":
        services.release_cancel(release=release, user=publisher, reason="Guideline delayed.")
    else:
        services.releases_publish_due(now=release.publish_at)
    with pytest.raises(ReleaseNotOpen) as refused:
        review_services.signoff_record(
            review=version.review,
            signer=pharmacist,
            role_code="pharmacist",
            content_hash=version.content_hash,
        )
    assert "Guideline" in refused.value.describe()
    assert not Publication.objects.filter(article=article).exists(), "never served at once"
    assert not Schedule.objects.exists()
    version.review.refresh_from_db()
    assert version.review.state == ReviewState.SUBMITTED
    assert list(version.review.sign_offs.values_list("role__code", flat=True)) == ["clinical"]


def test_the_time_waits_for_the_last_sign_off(make_article, editor_user, doctor, pharmacist):
    article = make_article(slug="ldn-doses")
    version = review_services.review_submit(article=article, user=editor_user).version
    at = timezone.now() + timedelta(hours=2)
    review_services.review_approve(
        review=version.review,
        reviewer=doctor,
        content_hash=version.content_hash,
        kind=ReviewKind.FULL,
        publish_at=at,
    )
    assert not Schedule.objects.exists(), "not approved until the pharmacist signs"
    with pytest.raises(InvalidContent):
        review_services.signoff_record(
            review=version.review,
            signer=pharmacist,
            role_code="pharmacist",
            content_hash=version.content_hash,
            publish_at=at,
        )
    review_services.signoff_record(
        review=version.review,
        signer=pharmacist,
        role_code="pharmacist",
        content_hash=version.content_hash,
    )
    schedule = Schedule.objects.get()
    assert schedule.publish_at == at
    assert [item["role"] for item in schedule.attribution["sign_offs"]] == [
        "clinical",
        "pharmacist",
    ]
    assert not Publication.objects.filter(article=article).exists()
    services.schedules_publish_due(now=at)
    assert Publication.objects.get(article=article).version == version


def test_the_approve_api_takes_publish_at(live_article, editor_user, doctor):
    version = new_version(live_article, editor_user, "Over the API.")
    client = client_for(doctor)
    url = f"/api/v1/reviews/{version.review.pk}/approve/"
    body = {"content_hash": version.content_hash, "kind": "change"}
    past = client.post(url, {**body, "publish_at": "2001-01-01T00:00:00Z"}, format="json")
    assert past.status_code == 400 and "publish_at" in past.json()["errors"]
    assert client.post(url, {**body, "release": 999}, format="json").status_code == 400
    at = (timezone.now() + timedelta(hours=1)).isoformat()
    response = client.post(url, {**body, "publish_at": at}, format="json")
    assert response.status_code == 200, response.json()
    assert Schedule.objects.get().version == version
    assert live_number(live_article) == 1


def test_whoever_signs_last_sees_the_time_the_approval_asked_for(
    make_article, editor_user, doctor, publisher, pharmacist
):
    release = services.release_create(
        name="Guideline launch", publish_at=timezone.now() + timedelta(days=2), user=publisher
    )
    article = make_article(slug="ldn-doses")
    review = review_services.review_submit(article=article, user=editor_user)
    client = client_for(doctor)
    approved = client.post(
        f"/api/v1/reviews/{review.pk}/approve/",
        {"content_hash": review.version.content_hash, "kind": "full", "release": release.pk},
        format="json",
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "submitted", "the pharmacist has not signed yet"

    pharmacist_client = client_for(pharmacist)
    shown = pharmacist_client.get(f"/api/v1/reviews/{review.pk}/").json()
    queued = pharmacist_client.get("/api/v1/reviews/").json()["results"][0]
    for answer in (approved.json(), shown, queued):
        requested = answer["publication_requested"]
        assert (requested["release"], requested["release_name"]) == (
            release.pk,
            "Guideline launch",
        )
        assert requested["requested_by"] == doctor.username

    page = staff_client(pharmacist).get(f"/admin/reviews/review/{review.pk}/change/")
    assert page.status_code == 200
    assert "with the release “Guideline launch”" in page.content.decode()


def test_a_review_approved_for_publication_at_once_asks_for_no_time(make_article, editor_user):
    review = review_services.review_submit(article=make_article(slug="other"), user=editor_user)
    shown = client_for(editor_user).get(f"/api/v1/reviews/{review.pk}/").json()
    assert shown["publication_requested"] is None
