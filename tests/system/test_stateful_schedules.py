"""Random sequences of approvals now and later, the clock moving on, retractions and
cancellations: what delivery serves is always the latest approved version whose time has come.

A hypothesis state machine drives one article. The clock is the model's: `publish_at` is set
ahead of it, and moving it on runs the worker's job with `now` set to it, so "not before its
time" is exact. After every step the delivery API is asked for the article and compared with
the model. Each example runs in a savepoint rolled back at its end (see test_stateful.py).
"""

import itertools
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient

from articles import services as article_services
from articles.models import Article, ConsumerSite, ReviewKind
from articles.selectors import article_etag, section_list
from reviews import services as review_services
from reviews.models import Review
from scheduling import services as scheduling_services
from scheduling.models import Schedule, ScheduleState
from tests import factories

SLUG = "stopping-ldn"


class ScheduleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._example_atomic = transaction.atomic()
        self._example_atomic.__enter__()
        self.fresh = itertools.count()
        self.clock = timezone.now()
        self.open_review: Review | None = None
        # What should be served: (version number, "live" | "retracted"), or None.
        self.served: tuple[int, str] | None = None
        # The pending schedule: [version number, publish_at, retracted since it was made].
        self.pending: list | None = None
        self.closed_schedules = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example_atomic.__exit__(None, None, None)

    @initialize()
    def create_article(self) -> None:
        assert not Article.objects.exists()
        self.editor = factories.editor()
        self.clinician = factories.clinician_with_profile()
        self.publisher = factories.publishing_admin()
        site = ConsumerSite.objects.create(name="Site", contact_email="web@example.org")
        _, key = article_services.consumer_key_issue(
            site=site, name=f"key-{next(self.fresh)}", issued_by=self.publisher
        )
        self.consumer = APIClient()
        self.consumer.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        self.article = article_services.article_create(
            author=self.editor,
            slug=SLUG,
            fields={"title": "Stopping low-dose naltrexone", "topics": ["ldn"]},
            sections=[{"anchor": "part-0", "heading": "Part 0", "body": "Body."}],
        )
        self.submit()

    @precondition(lambda self: self.open_review is None)
    @rule()
    def submit(self) -> None:
        article_services.section_update(
            article=self.article,
            anchor="part-0",
            user=self.editor,
            if_match=article_etag(
                article=self.article, sections=section_list(article=self.article)
            ),
            changes={"body": f"Edit {next(self.fresh)}."},
        )
        self.open_review = review_services.review_submit(article=self.article, user=self.editor)

    def _approve(self, **fields) -> int:
        review, self.open_review = self.open_review, None
        review_services.review_approve(
            review=review,
            reviewer=self.clinician,
            content_hash=review.version.content_hash,
            kind=ReviewKind.FULL,
            **fields,
        )
        if self.pending is not None:  # a newer approval supersedes it
            self.pending = None
            self.closed_schedules += 1
        return review.version.number

    @precondition(lambda self: self.open_review is not None)
    @rule()
    def approve_now(self) -> None:
        self.served = (self._approve(), "live")

    @precondition(lambda self: self.open_review is not None)
    @rule(hours=st.integers(min_value=1, max_value=48))
    def approve_for_later(self, hours: int) -> None:
        publish_at = self.clock + timedelta(hours=hours)
        number = self._approve(publish_at=publish_at)
        self.pending = [number, publish_at, False]

    @rule(hours=st.integers(min_value=0, max_value=30), seconds=st.sampled_from([0, -1, 1]))
    def time_passes(self, hours: int, seconds: int) -> None:
        self.clock = max(self.clock, self.clock + timedelta(hours=hours, seconds=seconds))
        scheduling_services.schedules_publish_due(now=self.clock)
        if self.pending is not None and self.pending[1] <= self.clock:
            number, _, retracted_since = self.pending
            if not retracted_since:
                self.served = (number, "live")
            self.pending = None
            self.closed_schedules += 1

    @precondition(lambda self: self.served is not None and self.served[1] == "live")
    @rule()
    def retract(self) -> None:
        article_services.publication_retract(
            article=self.article, user=self.publisher, reason="Withdrawn."
        )
        self.served = (self.served[0], "retracted")
        if self.pending is not None:
            self.pending[2] = True

    @precondition(lambda self: self.pending is not None)
    @rule()
    def cancel_schedule(self) -> None:
        schedule = Schedule.objects.get(state=ScheduleState.PENDING)
        scheduling_services.schedule_cancel(schedule=schedule, user=self.publisher, reason="No.")
        self.pending = None
        self.closed_schedules += 1

    @invariant()
    def delivery_serves_the_latest_approval_whose_time_has_come(self) -> None:
        if not hasattr(self, "consumer"):
            return
        response = self.consumer.get(f"/api/v1/published/articles/{SLUG}/")
        if self.served is None:
            assert response.status_code == 404
        elif self.served[1] == "retracted":
            assert response.status_code == 410
        else:
            assert response.status_code == 200
            assert response.json()["version"] == self.served[0]
        pending = list(Schedule.objects.filter(state=ScheduleState.PENDING))
        assert [schedule.version.number for schedule in pending] == (
            [self.pending[0]] if self.pending else []
        )
        closed = Schedule.objects.exclude(state=ScheduleState.PENDING).count()
        assert closed == self.closed_schedules


@pytest.mark.django_db
def test_delivery_follows_schedules_in_random_sequences():
    run_state_machine_as_test(
        ScheduleMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
