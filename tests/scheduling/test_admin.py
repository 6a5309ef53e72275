"""Scheduling in the admin: the board of what is coming, actions through the services, and
embargo grants by publishing admins only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling import services
from scheduling.models import EmbargoGrant, Release, ScheduleState
from tests.clients import staff_client
from tests.scheduling.conftest import schedule_version

pytestmark = pytest.mark.django_db


def test_the_board_shows_schedules_and_release_warnings(
    scheduled, publisher, editor_user, doctor, django_assert_max_num_queries
):
    release = services.release_create(
        name="Guideline 2027", publish_at=timezone.now() + timedelta(days=1), user=publisher
    )
    services.release_schedule_add(release=release, schedule=scheduled, user=publisher)
    schedule_version(scheduled.article, editor_user, doctor, text="Newer <b>text</b>.")
    client = staff_client(editor_user)
    with django_assert_max_num_queries(15):
        response = client.get("/admin/scheduling/schedule/board/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Guideline 2027" in page
    assert "stopping-ldn version 2 left the release: superseded" in page
    assert "stopping-ldn" in page


def test_staff_cancel_a_schedule_from_the_admin_with_a_reason(scheduled, publisher, editor_user):
    url = "/admin/scheduling/schedule/"
    body = {"action": "cancel_schedules", "_selected_action": [scheduled.pk], "reason": ""}
    staff_client(editor_user).post(url, {**body, "reason": "No."})
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.PENDING, "editors see, they do not cancel"
    client = staff_client(publisher)
    client.post(url, body)
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.PENDING, "a reason is required"
    client.post(url, {**body, "reason": "The campaign moved."})
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.CANCELLED
    assert scheduled.changes.last().note == "The campaign moved."


def test_a_release_is_opened_and_filled_in_the_admin(scheduled, publisher):
    client = staff_client(publisher)
    at = timezone.now() + timedelta(days=1)
    response = client.post(
        "/admin/scheduling/release/add/",
        {"name": "Guideline", "publish_at_0": at.strftime("%Y-%m-%d"), "publish_at_1": "09:00:00"},
    )
    assert response.status_code == 302, response.content[:500]
    release = Release.objects.get()
    client.post(
        "/admin/scheduling/schedule/",
        {"action": "add_to_release", "_selected_action": [scheduled.pk], "release": release.pk},
    )
    scheduled.refresh_from_db()
    assert scheduled.release == release


def test_only_publishing_admins_grant_embargo_access(consumer_key, publisher, doctor):
    assert staff_client(doctor).get("/admin/scheduling/embargogrant/add/").status_code == 403
    response = staff_client(publisher).post(
        "/admin/scheduling/embargogrant/add/",
        {"api_key": consumer_key[0].pk, "note": "Pre-caches the guideline launch."},
    )
    assert response.status_code == 302
    grant = EmbargoGrant.objects.get()
    assert (grant.api_key, grant.granted_by) == (consumer_key[0], publisher)
