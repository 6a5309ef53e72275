"""The scheduling API: schedules, releases and withdrawals for staff; upcoming for keys with
embargo access; and no delivery endpoint serves a scheduled version before its time."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from articles import services as article_services
from scheduling import services
from scheduling.models import EmbargoGrant, ScheduleState
from tests import factories

pytestmark = pytest.mark.django_db


def in_an_hour() -> str:
    return (timezone.now() + timedelta(hours=1)).isoformat()


def test_staff_list_schedules_soonest_first(
    scheduled, editor_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = editor_client.get("/api/v1/schedules/?state=pending")
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == scheduled.pk
    assert (item["article"], item["version"], item["state"]) == ("stopping-ldn", 2, "pending")
    assert item["content_hash"] == scheduled.content_hash
    assert editor_client.get("/api/v1/schedules/?state=published").json()["count"] == 0
    assert editor_client.get("/api/v1/schedules/?state=nonsense").status_code == 400
    # An id past the database's integers is a 400, not a database overflow.
    assert editor_client.get(f"/api/v1/schedules/?release={2**63}").status_code == 400


def test_a_schedule_shows_its_audit_trail(scheduled, editor_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = editor_client.get(f"/api/v1/schedules/{scheduled.pk}/")
    assert response.status_code == 200
    assert [change["to_state"] for change in response.json()["changes"]] == ["pending"]
    assert editor_client.get("/api/v1/schedules/999999/").status_code == 404


def test_staff_cancel_a_schedule_and_editors_may_not(scheduled, editor_client, publisher_client):
    url = f"/api/v1/schedules/{scheduled.pk}/cancel/"
    assert editor_client.post(url, {"reason": "No."}, format="json").status_code == 403
    assert publisher_client.post(url, {}, format="json").status_code == 400
    assert publisher_client.post(url, {"reason": 5}, format="json").status_code == 400
    response = publisher_client.post(url, {"reason": "Moved."}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    again = publisher_client.post(url, {"reason": "Moved."}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "not_pending")


def test_a_release_is_built_and_cancelled_over_the_api(
    scheduled, publisher_client, editor_client, django_assert_max_num_queries
):
    created = publisher_client.post(
        "/api/v1/releases/", {"name": "Guideline 2027", "publish_at": in_an_hour()}, format="json"
    )
    assert created.status_code == 201, created.json()
    release_id = created.json()["id"]
    assert (
        editor_client.post(
            "/api/v1/releases/", {"name": "x", "publish_at": in_an_hour()}, format="json"
        ).status_code
        == 403
    )
    added = publisher_client.post(
        f"/api/v1/releases/{release_id}/add/", {"schedule": scheduled.pk}, format="json"
    )
    assert added.status_code == 200
    assert [item["id"] for item in added.json()["schedules"]] == [scheduled.pk]
    twice = publisher_client.post(
        f"/api/v1/releases/{release_id}/add/", {"schedule": scheduled.pk}, format="json"
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "in_release")
    with django_assert_max_num_queries(4):
        listed = editor_client.get("/api/v1/releases/")
    assert listed.json()["results"][0]["schedules"][0]["release"] == release_id
    removed = publisher_client.post(
        f"/api/v1/releases/{release_id}/remove/", {"schedule": scheduled.pk}, format="json"
    )
    assert removed.json()["schedules"] == []
    cancelled = publisher_client.post(
        f"/api/v1/releases/{release_id}/cancel/", {"reason": "Delayed."}, format="json"
    )
    assert cancelled.json()["state"] == "cancelled"
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.PENDING, "it had left the release"


def test_past_times_unknown_fields_and_bad_types_are_refused(publisher_client):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    for body in (
        {"name": "x", "publish_at": past},
        {"name": "x", "publish_at": "tomorrow"},
        {"name": "x", "publish_at": in_an_hour(), "state": "published"},
        {"name": ["x"], "publish_at": in_an_hour()},
    ):
        response = publisher_client.post("/api/v1/releases/", body, format="json")
        assert response.status_code == 400, body
    assert not services.Release.objects.exists()


def test_withdrawals_over_the_api(live_article, publisher_client, editor_client, clinician_client):
    url = "/api/v1/articles/stopping-ldn/withdrawal/"
    body = {"withdraw_at": in_an_hour(), "reason": "Campaign ends."}
    assert editor_client.post(url, body, format="json").status_code == 403
    response = publisher_client.post(url, body, format="json")
    assert response.status_code == 201
    withdrawal_id = response.json()["id"]
    assert editor_client.get("/api/v1/withdrawals/?state=pending").json()["count"] == 1
    cancel = f"/api/v1/withdrawals/{withdrawal_id}/cancel/"
    assert editor_client.post(cancel, {}, format="json").status_code == 403
    assert publisher_client.post(cancel, {}, format="json").json()["state"] == "cancelled"
    assert publisher_client.post(cancel, {}, format="json").status_code == 409
    unknown = publisher_client.post("/api/v1/articles/nope/withdrawal/", body, format="json")
    assert unknown.status_code == 404


# Embargo and delivery.


def test_no_delivery_endpoint_serves_a_scheduled_version_before_its_time(
    scheduled, consumer, consumer_key
):
    EmbargoGrant.objects.create(
        api_key=consumer_key[0], granted_by=factories.key_issuer(), granted_at=timezone.now()
    )
    scheduled_hash = scheduled.content_hash
    bodies = [
        consumer.get("/api/v1/published/articles/"),
        consumer.get("/api/v1/published/articles/?topic=ldn"),
        consumer.get("/api/v1/published/articles/stopping-ldn/"),
        consumer.get("/api/v1/published/articles/stopping-ldn/sections/part-0/"),
        consumer.get("/api/v1/published/changes/"),
    ]
    for response in bodies:
        assert response.status_code == 200
        raw = response.content.decode()
        assert scheduled_hash not in raw and "The scheduled text." not in raw
    services.schedules_publish_due(now=scheduled.publish_at)
    detail = consumer.get("/api/v1/published/articles/stopping-ldn/")
    assert detail.json()["content_hash"] == scheduled_hash


def test_upcoming_needs_an_embargo_grant(scheduled, consumer, consumer_key):
    denied = consumer.get("/api/v1/published/upcoming/")
    assert (denied.status_code, denied.json()["code"]) == (403, "no_embargo_access")
    assert consumer.get("/api/v1/published/upcoming/stopping-ldn/").status_code == 403
    assert APIClient().get("/api/v1/published/upcoming/").status_code == 401
    EmbargoGrant.objects.create(
        api_key=consumer_key[0], granted_by=factories.key_issuer(), granted_at=timezone.now()
    )
    listed = consumer.get("/api/v1/published/upcoming/")
    assert listed.json() == [
        {
            "slug": "stopping-ldn",
            "version": 2,
            "content_hash": scheduled.content_hash,
            "publish_at": scheduled.publish_at.isoformat().replace("+00:00", "Z"),
        }
    ]
    document = consumer.get("/api/v1/published/upcoming/stopping-ldn/").json()
    assert document["content_hash"] == scheduled.content_hash
    assert document["sections"][0]["markdown"] == "The scheduled text."
    services.schedules_publish_due(now=scheduled.publish_at)
    served = consumer.get("/api/v1/published/articles/stopping-ldn/").json()
    assert {key: value for key, value in served.items() if key != "medical_review"} == {
        key: value for key, value in document.items() if key != "medical_review"
    }
    assert consumer.get("/api/v1/published/upcoming/").json() == []
    assert consumer.get("/api/v1/published/upcoming/stopping-ldn/").status_code == 404


def test_upcoming_is_never_stored_by_a_shared_cache(scheduled, consumer, consumer_key):
    for path in ("/api/v1/published/upcoming/", "/api/v1/published/upcoming/stopping-ldn/"):
        refused = consumer.get(path)
        assert refused.status_code == 403
        assert refused["Cache-Control"] == "private, no-store"
        assert "Authorization" in refused["Vary"]
    EmbargoGrant.objects.create(
        api_key=consumer_key[0], granted_by=factories.key_issuer(), granted_at=timezone.now()
    )
    for path in ("/api/v1/published/upcoming/", "/api/v1/published/upcoming/stopping-ldn/"):
        granted = consumer.get(path)
        assert granted.status_code == 200
        assert granted["Cache-Control"] == "private, no-store"
        assert "Authorization" in granted["Vary"]


def test_upcoming_leaves_out_what_will_not_go_out(scheduled, consumer, consumer_key, publisher):
    EmbargoGrant.objects.create(
        api_key=consumer_key[0], granted_by=factories.key_issuer(), granted_at=timezone.now()
    )
    article_services.publication_retract(
        article=scheduled.article, user=publisher, reason="Withdrawn by the manufacturer."
    )
    # The schedule is closed at its time (a retraction made after it cancels it); until
    # then no site pre-caches a version that will never be served.
    assert consumer.get("/api/v1/published/upcoming/").json() == []
    assert consumer.get("/api/v1/published/upcoming/stopping-ldn/").status_code == 404


def test_a_revoked_key_with_a_grant_reads_nothing(scheduled, consumer, consumer_key):
    EmbargoGrant.objects.create(
        api_key=consumer_key[0], granted_by=factories.key_issuer(), granted_at=timezone.now()
    )
    article_services.consumer_key_revoke(key=consumer_key[0], revoked_by=factories.key_issuer())
    assert consumer.get("/api/v1/published/upcoming/").status_code == 401
