"""Scheduling's reads: schedules, releases and withdrawals for staff, upcoming for embargo."""

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from articles.models import PublicationStatus
from scheduling.models import (
    EmbargoGrant,
    Release,
    ReleaseState,
    Schedule,
    ScheduleChange,
    ScheduleState,
    Withdrawal,
)


def schedule_list(
    *, state: str | None = None, slug: str | None = None, release_id: int | None = None
) -> QuerySet[Schedule]:
    """Schedules, soonest first, optionally of one state, article or release."""
    schedules = Schedule.objects.select_related("article", "version", "created_by", "release")
    if state:
        schedules = schedules.filter(state=state)
    if slug:
        schedules = schedules.filter(article__slug=slug)
    if release_id is not None:
        schedules = schedules.filter(release_id=release_id)
    return schedules.order_by("publish_at", "id")


def schedule_get(*, schedule_id: int) -> Schedule:
    """One schedule with its audit trail, or 404."""
    schedule = (
        Schedule.objects.select_related("article", "version", "created_by", "release")
        .prefetch_related(
            Prefetch("changes", queryset=ScheduleChange.objects.select_related("actor"))
        )
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None:
        raise Http404(f"No schedule has the id {schedule_id}.")
    return schedule


def release_list(*, state: str | None = None) -> QuerySet[Release]:
    """Releases, soonest first, with their schedules."""
    releases = Release.objects.select_related("created_by").prefetch_related(
        Prefetch(
            "schedules",
            queryset=Schedule.objects.select_related("article", "version", "created_by").order_by(
                "article__slug"
            ),
        )
    )
    if state:
        releases = releases.filter(state=state)
    return releases.order_by("publish_at", "id")


def release_get(*, release_id: int) -> Release:
    """One release with its schedules, or 404."""
    release = release_list().filter(pk=release_id).first()
    if release is None:
        raise Http404(f"No release has the id {release_id}.")
    return release


def withdrawal_list(*, state: str | None = None, slug: str | None = None) -> QuerySet[Withdrawal]:
    """Timed withdrawals, soonest first."""
    withdrawals = Withdrawal.objects.select_related("article", "created_by")
    if state:
        withdrawals = withdrawals.filter(state=state)
    if slug:
        withdrawals = withdrawals.filter(article__slug=slug)
    return withdrawals.order_by("withdraw_at", "id")


def withdrawal_get(*, withdrawal_id: int) -> Withdrawal:
    """One withdrawal, or 404."""
    withdrawal = withdrawal_list().filter(pk=withdrawal_id).first()
    if withdrawal is None:
        raise Http404(f"No withdrawal has the id {withdrawal_id}.")
    return withdrawal


def upcoming_list() -> QuerySet[Schedule]:
    """What is scheduled and will go out (pending, in an open release or on its own).

    Left out: what the worker will close at its time instead of publishing it (a newer
    version is live, or the article was retracted after it was scheduled).
    """
    return (
        Schedule.objects.select_related("article", "version", "release")
        .filter(state=ScheduleState.PENDING)
        .exclude(release__state__in=[ReleaseState.CANCELLED, ReleaseState.FAILED])
        .exclude(article__publication__version__number__gt=F("version__number"))
        .exclude(
            article__publication__status=PublicationStatus.RETRACTED,
            article__publication__retracted_at__gte=F("created_at"),
        )
        .order_by("publish_at", "id")
    )


def upcoming_get(*, slug: str) -> Schedule:
    """The pending schedule of the article with this slug, or 404."""
    schedule = upcoming_list().filter(article__slug=slug).first()
    if schedule is None:
        raise Http404(f"Nothing is scheduled for the article {slug!r}.")
    return schedule


def embargo_granted(*, key_id: str) -> bool:
    """Whether this consuming-site key may read what is scheduled before its time."""
    return EmbargoGrant.objects.filter(api_key_id=key_id).exists()


def board(*, now=None) -> dict:
    """The admin board: pending schedules and open releases, soonest first."""
    now = now or timezone.now()
    return {
        "now": now,
        "schedules": list(schedule_list(state=ScheduleState.PENDING)),
        "releases": list(release_list().filter(state__in=[ReleaseState.OPEN, ReleaseState.FAILED])),
        "withdrawals": list(withdrawal_list(state="pending")),
    }
