"""The real worker (`manage.py run_worker` in another process) publishes schedules at their
time: killed around the due time it loses nothing and publishes nothing twice; a time missed
while it was down is published as soon as it returns, with the delay recorded."""

import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Event, EventType, Publication
from scheduling.models import Schedule, ScheduleState
from tests.articles.test_webhooks import ROOT, _subprocess_environment
from tests.scheduling.conftest import schedule_version

pytestmark = pytest.mark.django_db(transaction=True)


def start_worker(seconds: float = 30) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--max-seconds", str(seconds)],
        cwd=ROOT,
        env={**_subprocess_environment(), "SCHEDULE_CHECK_SECONDS": "0.1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)


def wait_for_state(schedule: Schedule, state: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        schedule.refresh_from_db()
        if schedule.state == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"schedule still {schedule.state}")


def published_events(version: int) -> int:
    return Event.objects.filter(type=EventType.PUBLISHED, version=version).count()


def assert_published_once(schedule: Schedule) -> None:
    assert schedule.state == ScheduleState.PUBLISHED
    assert Publication.objects.get(article=schedule.article).version.number == 2
    assert published_events(2) == 1
    assert schedule.changes.filter(to_state=ScheduleState.PUBLISHED).count() == 1


def test_the_worker_publishes_within_seconds_of_the_time_and_not_before(
    live_article, editor_user, doctor
):
    worker = start_worker()
    try:
        schedule = schedule_version(live_article, editor_user, doctor, seconds=1.5)
        wait_for_state(schedule, ScheduleState.PUBLISHED)
    finally:
        stop(worker)
    assert schedule.published_at >= schedule.publish_at
    assert schedule.delay < timedelta(seconds=3)
    assert_published_once(schedule)


def test_a_worker_killed_around_the_due_time_loses_nothing_and_publishes_once(
    live_article, editor_user, doctor
):
    worker = start_worker()
    schedule = schedule_version(live_article, editor_user, doctor, seconds=1.0)
    try:
        time.sleep(max(0.0, (schedule.publish_at - timezone.now()).total_seconds()))
        worker.send_signal(signal.SIGKILL)  # at the due time: before, during or after publishing
        worker.wait(timeout=10)
    finally:
        stop(worker)
    schedule.refresh_from_db()
    live = Publication.objects.get(article=live_article).version.number
    # Whatever the moment of the kill, the schedule and the served version agree.
    assert (schedule.state, live) in {(ScheduleState.PENDING, 1), (ScheduleState.PUBLISHED, 2)}
    restarted = start_worker()
    try:
        wait_for_state(schedule, ScheduleState.PUBLISHED)
        time.sleep(0.5)  # a few more turns of the job: nothing is published again
    finally:
        stop(restarted)
    assert_published_once(schedule)


def test_a_time_missed_while_the_worker_was_down_publishes_when_it_returns(
    live_article, editor_user, doctor
):
    schedule = schedule_version(live_article, editor_user, doctor, seconds=0.5)
    time.sleep(2.0)
    assert Publication.objects.get(article=live_article).version.number == 1
    worker = start_worker()
    try:
        wait_for_state(schedule, ScheduleState.PUBLISHED)
    finally:
        stop(worker)
    assert schedule.delay >= timedelta(seconds=1.5)
    assert_published_once(schedule)
