"""Schedules, releases and withdrawals through their services, with a controllable clock:
`now` is passed to the due-time jobs, so "not before its time" is tested to the microsecond."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import Event, EventType, Publication, PublicationStatus, ReviewKind
from ldncontent.exceptions import InvalidContent, NotAllowed
from reviews import services as review_services
from scheduling import jobs, services
from scheduling.exceptions import (
    ArticleNotLive,
    EarlierThanApproved,
    NewerScheduled,
    NotPending,
    ReleaseNotOpen,
)
from scheduling.models import ReleaseState, Schedule, ScheduleState, WithdrawalState
from tests.scheduling.conftest import attribution_for, new_version, publish_live, schedule_version

pytestmark = pytest.mark.django_db


def live_number(article) -> int:
    return Publication.objects.get(article=article).version.number


def test_a_schedule_is_served_exactly_from_its_time_and_not_before(scheduled):
    article = scheduled.article
    just_before = scheduled.publish_at - timedelta(microseconds=1)
    assert services.schedules_publish_due(now=just_before) == []
    assert live_number(article) == 1, "the live version is served until then"
    assert services.schedules_publish_due(now=scheduled.publish_at) == [scheduled.pk]
    publication = Publication.objects.get(article=article)
    assert publication.version.number == 2
    assert publication.content_hash == scheduled.content_hash
    assert publication.reviewer_name == "Dr Doctor"
    assert publication.sign_offs == scheduled.attribution["sign_offs"]
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.PUBLISHED
    assert scheduled.delay == timedelta(0)
    assert [(c.from_state, c.to_state) for c in scheduled.changes.all()] == [
        ("", "pending"),
        ("pending", "published"),
    ]


def test_a_missed_time_publishes_at_once_with_the_delay_recorded(scheduled):
    late = scheduled.publish_at + timedelta(minutes=7)
    assert services.schedules_publish_due(now=late) == [scheduled.pk]
    scheduled.refresh_from_db()
    assert scheduled.delay == timedelta(minutes=7)


def test_a_schedule_is_never_published_twice(scheduled):
    due = scheduled.publish_at
    assert services.schedules_publish_due(now=due) == [scheduled.pk]
    assert services.schedules_publish_due(now=due + timedelta(seconds=1)) == []
    assert Event.objects.filter(type=EventType.PUBLISHED, version=2).count() == 1


def test_scheduling_emits_version_scheduled_and_keeps_the_frozen_hash(scheduled):
    event = Event.objects.get(type=EventType.SCHEDULED)
    assert (event.version, event.content_hash) == (2, scheduled.version.content_hash)
    assert event.data["schedule_id"] == scheduled.pk


def test_the_publish_time_must_be_in_the_future(live_article, editor_user, doctor):
    with pytest.raises(InvalidContent):
        schedule_version(live_article, editor_user, doctor, seconds=-1)


def test_only_a_clinical_reviewer_schedules(live_article, editor_user, publisher, doctor):
    version = new_version(live_article, editor_user, "Text.")
    with pytest.raises(NotAllowed):
        services.schedule_create(
            version=version,
            attribution=attribution_for(doctor),
            publish_at=timezone.now() + timedelta(hours=1),
            actor=publisher,
        )


def test_a_newer_approval_supersedes_the_pending_schedule(scheduled, editor_user, doctor):
    newer = schedule_version(scheduled.article, editor_user, doctor, text="Newer.")
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.SUPERSEDED
    assert scheduled.changes.last().note == "Superseded by the approval of version 3"
    assert Event.objects.filter(type=EventType.SCHEDULE_CANCELLED).count() == 1
    assert services.schedules_publish_due(now=newer.publish_at) == [newer.pk]
    assert live_number(scheduled.article) == 3


def test_an_older_version_cannot_replace_a_newer_schedule(live_article, editor_user, doctor):
    older = new_version(live_article, editor_user, "Older.")
    schedule_version(live_article, editor_user, doctor, text="Newer.")
    with pytest.raises(NewerScheduled):
        services.schedule_create(
            version=older,
            attribution=attribution_for(doctor),
            publish_at=timezone.now() + timedelta(hours=1),
            actor=doctor,
        )


def test_a_version_published_meanwhile_supersedes_the_schedule_at_its_time(
    scheduled, editor_user, doctor
):
    version = new_version(scheduled.article, editor_user, "Published at once.")
    review = version.review
    review_services.review_approve(
        review=review, reviewer=doctor, content_hash=version.content_hash, kind=ReviewKind.CHANGE
    )
    assert services.schedules_publish_due(now=scheduled.publish_at) == []
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.SUPERSEDED
    assert live_number(scheduled.article) == 3


def test_a_retraction_after_scheduling_cancels_the_schedule(scheduled, publisher):
    article_services.publication_retract(
        article=scheduled.article, user=publisher, reason="Guidance withdrawn."
    )
    assert services.schedules_publish_due(now=scheduled.publish_at) == []
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.CANCELLED
    publication = Publication.objects.get(article=scheduled.article)
    assert (publication.status, publication.version.number) == (PublicationStatus.RETRACTED, 1)


def test_a_clinician_who_lost_the_role_publishes_nothing(scheduled, doctor):
    doctor.groups.clear()
    assert services.schedules_publish_due(now=scheduled.publish_at) == []
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.CANCELLED
    assert scheduled.changes.last().note.startswith("Not published: Only clinical-reviewers")
    assert live_number(scheduled.article) == 1


def test_staff_cancel_a_pending_schedule_with_a_reason(scheduled, publisher, editor_user):
    with pytest.raises(NotAllowed):
        services.schedule_cancel(schedule=scheduled, user=editor_user, reason="No.")
    with pytest.raises(InvalidContent):
        services.schedule_cancel(schedule=scheduled, user=publisher, reason=" ")
    services.schedule_cancel(schedule=scheduled, user=publisher, reason="Campaign moved.")
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduleState.CANCELLED
    with pytest.raises(NotPending):
        services.schedule_cancel(schedule=scheduled, user=publisher, reason="Again.")
    assert services.schedules_publish_due(now=scheduled.publish_at) == []


def test_one_broken_due_item_holds_up_nothing_else(
    make_article, editor_user, doctor, publisher, caplog
):
    broken = schedule_version(
        publish_live(make_article, editor_user, doctor, slug="broken"), editor_user, doctor
    )
    Schedule.objects.filter(pk=broken.pk).update(attribution={})  # a row damaged by hand
    sound = schedule_version(
        publish_live(make_article, editor_user, doctor, slug="sound"), editor_user, doctor
    )
    other = publish_live(make_article, editor_user, doctor, slug="withdrawn")
    at = timezone.now() + timedelta(hours=2)
    withdrawal = services.withdrawal_set(
        article=other, withdraw_at=at, reason="Out of date.", user=publisher
    )

    jobs.run_due(now=at)

    assert live_number(sound.article) == 2
    assert Publication.objects.get(article=other).status == PublicationStatus.RETRACTED
    withdrawal.refresh_from_db()
    assert withdrawal.state == WithdrawalState.DONE
    broken.refresh_from_db()
    assert broken.state == ScheduleState.PENDING, "tried again at the next turn"
    assert live_number(broken.article) == 1
    assert f"schedule {broken.pk} failed" in caplog.text


# Releases.


@pytest.fixture
def release(publisher):
    return services.release_create(
        name="Guideline 2027", publish_at=timezone.now() + timedelta(hours=2), user=publisher
    )


@pytest.fixture
def three_scheduled(make_article, editor_user, doctor):
    return [
        schedule_version(
            publish_live(make_article, editor_user, doctor, slug=slug), editor_user, doctor
        )
        for slug in ("stopping-ldn", "starting-ldn", "ldn-and-pain")
    ]


def test_a_release_publishes_all_its_schedules_in_one_transaction_with_contiguous_events(
    release, three_scheduled, publisher
):
    for schedule in three_scheduled:
        services.release_schedule_add(release=release, schedule=schedule, user=publisher)
    # A schedule in a release waits for the release, even past its own time.
    assert services.schedules_publish_due(now=release.publish_at) == []
    assert services.releases_publish_due(now=release.publish_at - timedelta(seconds=1)) == []
    assert services.releases_publish_due(now=release.publish_at) == [release.pk]
    published = list(Event.objects.filter(type=EventType.PUBLISHED, version=2).order_by("position"))
    positions = [event.position for event in published]
    assert len(positions) == 3 and positions == list(range(positions[0], positions[0] + 3))
    assert {event.slug for event in published} == {"stopping-ldn", "starting-ldn", "ldn-and-pain"}
    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED and release.warnings == []


def test_a_release_is_all_or_none(release, three_scheduled, publisher, doctor):
    for schedule in three_scheduled:
        services.release_schedule_add(release=release, schedule=schedule, user=publisher)
    doctor.groups.clear()  # every schedule's publisher lost the role: the first refusal stops all
    assert services.releases_publish_due(now=release.publish_at) == []
    release.refresh_from_db()
    assert release.state == ReleaseState.FAILED
    assert release.warnings[-1].startswith("Nothing was published: Only clinical-reviewers")
    assert not Event.objects.filter(type=EventType.PUBLISHED, version=2).exists()
    assert set(Schedule.objects.values_list("state", flat=True)) == {ScheduleState.PENDING}


def test_a_schedule_superseded_after_joining_leaves_the_release_with_a_warning(
    release, three_scheduled, publisher, editor_user, doctor
):
    for schedule in three_scheduled:
        services.release_schedule_add(release=release, schedule=schedule, user=publisher)
    first = three_scheduled[0]
    schedule_version(first.article, editor_user, doctor, text="Corrected again.")
    release.refresh_from_db()
    assert release.warnings == [
        "stopping-ldn version 2 left the release: superseded "
        "(Superseded by the approval of version 3)"
    ]
    assert release.schedules.count() == 2
    assert services.releases_publish_due(now=release.publish_at) == [release.pk]
    assert live_number(first.article) == 1, "the superseded version is not published"


def test_a_release_never_brings_a_version_forward(publisher, live_article, editor_user, doctor):
    schedule = schedule_version(live_article, editor_user, doctor, seconds=3 * 3600)
    early = services.release_create(
        name="Early", publish_at=timezone.now() + timedelta(hours=2), user=publisher
    )
    with pytest.raises(EarlierThanApproved):
        services.release_schedule_add(release=early, schedule=schedule, user=publisher)
    schedule.refresh_from_db()
    assert schedule.release is None and schedule.changes.count() == 1
    later = services.release_create(
        name="Later", publish_at=timezone.now() + timedelta(hours=4), user=publisher
    )
    approved_for = schedule.publish_at
    services.release_schedule_add(release=later, schedule=schedule, user=publisher)
    schedule.refresh_from_db()
    assert schedule.publish_at == later.publish_at
    assert approved_for.isoformat() in schedule.changes.last().note


def test_a_cancelled_release_cancels_its_schedules(release, three_scheduled, publisher):
    services.release_schedule_add(release=release, schedule=three_scheduled[0], user=publisher)
    services.release_cancel(release=release, user=publisher, reason="Guideline delayed.")
    three_scheduled[0].refresh_from_db()
    assert three_scheduled[0].state == ScheduleState.CANCELLED
    with pytest.raises(ReleaseNotOpen):
        services.release_schedule_add(release=release, schedule=three_scheduled[1], user=publisher)
    assert services.releases_publish_due(now=release.publish_at) == []


def test_a_schedule_removed_from_a_release_goes_out_on_its_own(release, scheduled, publisher):
    services.release_schedule_add(release=release, schedule=scheduled, user=publisher)
    services.release_schedule_remove(release=release, schedule=scheduled, user=publisher)
    scheduled.refresh_from_db()
    assert scheduled.publish_at == release.publish_at and scheduled.release is None
    assert services.schedules_publish_due(now=release.publish_at) == [scheduled.pk]


# Withdrawals.


def test_a_withdrawal_retracts_at_its_time_through_the_retraction_path(live_article, publisher):
    at = timezone.now() + timedelta(hours=1)
    withdrawal = services.withdrawal_set(
        article=live_article, withdraw_at=at, reason="Superseded by NICE guidance.", user=publisher
    )
    assert services.withdrawals_run_due(now=at - timedelta(microseconds=1)) == []
    assert services.withdrawals_run_due(now=at) == [withdrawal.pk]
    publication = Publication.objects.get(article=live_article)
    assert publication.status == PublicationStatus.RETRACTED
    assert publication.retraction_reason == "Superseded by NICE guidance."
    assert Event.objects.filter(type=EventType.RETRACTED).count() == 1
    withdrawal.refresh_from_db()
    assert withdrawal.state == WithdrawalState.DONE
    assert services.withdrawals_run_due(now=at + timedelta(hours=1)) == []


def test_a_withdrawal_needs_a_live_article_and_a_reason(make_article, publisher, editor_user):
    article = make_article(slug="never-published")
    at = timezone.now() + timedelta(hours=1)
    with pytest.raises(InvalidContent):
        services.withdrawal_set(article=article, withdraw_at=at, reason="", user=publisher)
    with pytest.raises(NotAllowed):
        services.withdrawal_set(article=article, withdraw_at=at, reason="x", user=editor_user)
    with pytest.raises(ArticleNotLive):
        services.withdrawal_set(article=article, withdraw_at=at, reason="x", user=publisher)


def test_a_withdrawal_goes_ahead_when_whoever_set_it_has_left(live_article, publisher):
    at = timezone.now() + timedelta(hours=1)
    withdrawal = services.withdrawal_set(
        article=live_article, withdraw_at=at, reason="The guidance ends.", user=publisher
    )
    publisher.groups.clear()
    publisher.is_active = False
    publisher.save()
    assert services.withdrawals_run_due(now=at) == [withdrawal.pk]
    publication = Publication.objects.get(article=live_article)
    assert (publication.status, publication.retracted_by) == (
        PublicationStatus.RETRACTED,
        publisher,
    )


def test_a_cancelled_withdrawal_retracts_nothing(live_article, publisher):
    at = timezone.now() + timedelta(hours=1)
    withdrawal = services.withdrawal_set(
        article=live_article, withdraw_at=at, reason="Campaign ends.", user=publisher
    )
    services.withdrawal_cancel(withdrawal=withdrawal, user=publisher, reason="Extended.")
    assert services.withdrawals_run_due(now=at) == []
    assert Publication.objects.get(article=live_article).status == PublicationStatus.LIVE
