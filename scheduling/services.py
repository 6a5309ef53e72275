"""Scheduling's writes: schedule, cancel and publish at the due time; releases; withdrawals.

Every write locks the article before anything of scheduling's (as publishing and the review
workflow do), so concurrent writers cannot deadlock. The due-time jobs take each item in its
own transaction under its article's lock and check its state again there: two workers wait
for each other, and the second finds the item done, so nothing is published or retracted
twice.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from articles import services as article_services
from articles.models import Article, EventType, Publication, PublicationStatus, Version
from articles.rendering import Attribution
from ldncontent.exceptions import DomainError, InvalidContent
from ldncontent.permissions import CLINICAL_REVIEWERS, PUBLISHING_ADMINS, require_role
from scheduling.exceptions import (
    ArticleNotLive,
    EarlierThanApproved,
    InRelease,
    NewerScheduled,
    NotInRelease,
    NotPending,
    ReleaseNotOpen,
)
from scheduling.models import (
    EmbargoGrant,
    PublishRequest,
    Release,
    ReleaseState,
    Schedule,
    ScheduleChange,
    ScheduleState,
    Withdrawal,
    WithdrawalState,
)

logger = logging.getLogger(__name__)

# Publishing admins and clinical reviewers manage schedules, releases and withdrawals.
SCHEDULING_ROLES = (PUBLISHING_ADMINS, CLINICAL_REVIEWERS)


def attribution_freeze(attribution: Attribution) -> dict:
    """The attribution as plain JSON data (dates and times as ISO 8601)."""
    frozen = asdict(attribution)
    for name in ("approved_at", "last_reviewed", "next_review_due"):
        value = frozen[name]
        frozen[name] = value.isoformat() if value is not None else None
    frozen["sign_offs"] = [dict(sign_off) for sign_off in attribution.sign_offs]
    return frozen


def attribution_thaw(frozen: dict) -> Attribution:
    """The Attribution a frozen one was made from."""
    return Attribution(
        reviewer_name=frozen["reviewer_name"],
        reviewer_credentials=frozen["reviewer_credentials"],
        review_kind=frozen["review_kind"],
        approved_at=datetime.fromisoformat(frozen["approved_at"])
        if frozen["approved_at"]
        else None,
        last_reviewed=date.fromisoformat(frozen["last_reviewed"])
        if frozen["last_reviewed"]
        else None,
        next_review_due=date.fromisoformat(frozen["next_review_due"])
        if frozen["next_review_due"]
        else None,
        sign_offs=tuple(frozen.get("sign_offs", ())),
    )


def _record(*, schedule: Schedule, actor, from_state: str, note: str = "") -> None:
    ScheduleChange.objects.create(
        schedule=schedule,
        actor=actor,
        at=timezone.now(),
        from_state=from_state,
        to_state=schedule.state,
        note=note,
    )


def _lock_article(article_id: int) -> Article:
    return Article.objects.select_for_update().get(pk=article_id)


def _live_publication(article: Article) -> Publication | None:
    return Publication.objects.select_related("version").filter(article=article).first()


def _announce_cancelled(*, schedule: Schedule, note: str) -> None:
    article_services.event_emit(
        type=EventType.SCHEDULE_CANCELLED,
        article=schedule.article,
        version=schedule.version,
        data={"schedule_id": schedule.pk, "state": schedule.state, "note": note},
    )


def _close(*, schedule: Schedule, state: str, actor, note: str) -> Schedule:
    """Close a locked pending schedule without publishing; it leaves its open release with a
    warning there, so staff see the release lost it."""
    schedule.state = state
    release = schedule.release
    if release is not None and release.state in (ReleaseState.OPEN, ReleaseState.FAILED):
        release = Release.objects.select_for_update().get(pk=release.pk)
        release.warnings = [
            *release.warnings,
            f"{schedule.article.slug} version {schedule.version.number} left the release: "
            f"{schedule.get_state_display().lower()} ({note})",
        ]
        release.save(update_fields=["warnings"])
        schedule.release = None
    schedule.save(update_fields=["state", "release"])
    _record(schedule=schedule, actor=actor, from_state=ScheduleState.PENDING, note=note)
    _announce_cancelled(schedule=schedule, note=note)
    return schedule


def _pending_schedules(article: Article):
    # Only the schedule rows: PostgreSQL cannot lock the nullable side of the outer joins that
    # callers' select_related (release) adds.
    return Schedule.objects.select_for_update(of=("self",)).filter(
        article=article, state=ScheduleState.PENDING
    )


@transaction.atomic
def schedule_create(
    *,
    version: Version,
    attribution: Attribution,
    publish_at: datetime,
    actor,
    release: Release | None = None,
) -> Schedule:
    """Freeze an approved version with its attribution, to be published at `publish_at` (or
    with `release`, at the release's time). A pending schedule of an older version of the
    article is superseded; the live version is served until then."""
    require_role(actor, CLINICAL_REVIEWERS, action="schedule approved versions")
    article = _lock_article(version.article_id)
    now = timezone.now()
    if release is not None:
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.state != ReleaseState.OPEN:
            raise ReleaseNotOpen()
        publish_at = release.publish_at
    if publish_at <= now:
        raise InvalidContent(
            errors={"publish_at": ["Choose a time in the future, or publish now."]}
        )
    live = _live_publication(article)
    if live is not None and live.version.number >= version.number:
        raise NewerScheduled(
            f"Version {live.version.number} is already live: version {version.number} cannot "
            "be scheduled after it."
        )
    for pending in _pending_schedules(article).select_related("version", "article", "release"):
        if pending.version.number >= version.number:
            raise NewerScheduled(
                f"Version {pending.version.number} is already scheduled: version "
                f"{version.number} cannot replace it."
            )
        _close(
            schedule=pending,
            state=ScheduleState.SUPERSEDED,
            actor=actor,
            note=f"Superseded by the approval of version {version.number}",
        )
    schedule = Schedule.objects.create(
        article=article,
        version=version,
        content_hash=version.content_hash,
        attribution=attribution_freeze(attribution),
        publish_at=publish_at,
        release=release,
        created_by=actor,
        created_at=now,
    )
    _record(
        schedule=schedule,
        actor=actor,
        from_state="",
        note=f"Scheduled with release {release.name}" if release else "Scheduled",
    )
    article_services.event_emit(
        type=EventType.SCHEDULED,
        article=article,
        version=version,
        data={
            "schedule_id": schedule.pk,
            "publish_at": publish_at.isoformat(),
            "release_id": release.pk if release else None,
        },
    )
    return schedule


@transaction.atomic
def schedule_cancel(*, schedule: Schedule, user, reason: str) -> Schedule:
    """Cancel a pending schedule: its version is not published (the live one stays)."""
    require_role(user, *SCHEDULING_ROLES, action="cancel scheduled publications")
    if not reason.strip():
        raise InvalidContent(errors={"reason": ["Say why the schedule is cancelled."]})
    _lock_article(schedule.article_id)
    schedule = (
        Schedule.objects.select_for_update(of=("self",))
        .select_related("article", "version", "release")
        .get(pk=schedule.pk)
    )
    if schedule.state != ScheduleState.PENDING:
        raise NotPending(f"This schedule is {schedule.get_state_display().lower()}.")
    return _close(schedule=schedule, state=ScheduleState.CANCELLED, actor=user, note=reason.strip())


@transaction.atomic
def schedules_close_for_article(*, article: Article, actor, state: str, note: str) -> int:
    """Close every pending schedule of the article (a newer version published at once
    supersedes them, a due withdrawal cancels them), in the caller's transaction; returns how
    many."""
    _lock_article(article.pk)
    pending = list(_pending_schedules(article).select_related("article", "version", "release"))
    for schedule in pending:
        _close(schedule=schedule, state=state, actor=actor, note=note)
    return len(pending)


@transaction.atomic
def publish_request_record(
    *, version: Version, publish_at: datetime | None, release_id: int | None, requested_by
) -> PublishRequest:
    """Remember when a clinical approval asked for the version to be published (a time, a
    release, or both: the release's time, which may not come before the time asked for),
    until its last required sign-off lands."""
    errors = {}
    release = None
    if release_id is not None:
        release = Release.objects.filter(
            pk=release_id, state=ReleaseState.OPEN, publish_at__gt=timezone.now()
        ).first()
        if release is None:
            errors["release"] = [f"No open release still to come has the id {release_id}."]
    if publish_at is not None and publish_at <= timezone.now():
        errors["publish_at"] = ["Choose a time in the future, or leave it out to publish now."]
    if errors:
        raise InvalidContent(errors=errors)
    if release is not None and publish_at is not None and release.publish_at < publish_at:
        raise EarlierThanApproved(
            f"The release {release.name!r} goes out at {release.publish_at.isoformat()}, "
            f"before the publish_at asked for ({publish_at.isoformat()}): name a release at "
            "that time or later, or leave one of them out."
        )
    request, _ = PublishRequest.objects.update_or_create(
        version=version,
        defaults={
            "publish_at": publish_at,
            "release": release,
            "requested_by": requested_by,
            "requested_at": timezone.now(),
        },
    )
    return request


def _release_ended(release: Release) -> str:
    """How a release that takes no more versions ended, for an error message."""
    if release.state == ReleaseState.OPEN:
        return "is due and going out"
    return {
        ReleaseState.PUBLISHED: "has gone out",
        ReleaseState.CANCELLED: "was cancelled",
        ReleaseState.FAILED: "failed",
    }[release.state]


@transaction.atomic
def approval_publish(
    *, version: Version, attribution: Attribution, actor, now: datetime
) -> Schedule | None:
    """Publish an approved version now, or schedule it when its approval asked for a time
    still to come (the live version keeps being served until then).

    Called by the review workflow, in its transaction, when the last required sign-off lands.
    Publishing now supersedes pending schedules of older versions of the article. An approval
    asked for a release that has since gone out, been cancelled or failed is refused
    (ReleaseNotOpen), undoing that sign-off: nobody approved publishing it at any other time.
    """
    article = _lock_article(version.article_id)  # before the release, as the worker does
    request = PublishRequest.objects.select_related("release").filter(version=version).first()
    if request is not None:
        release = request.release
        if release is not None:
            release = _lock_release(release)
            if release.state != ReleaseState.OPEN or release.publish_at <= now:
                raise ReleaseNotOpen(
                    f"The clinical approval of version {version.number} asked for it to go out "
                    f"with the release {release.name!r}, which {_release_ended(release)}: "
                    "nothing was signed or published. A reviewer may request changes so that "
                    "the version is submitted and approved again for another time."
                )
            return schedule_create(
                version=version,
                attribution=attribution,
                publish_at=release.publish_at,
                actor=actor,
                release=release,
            )
        if request.publish_at is not None and request.publish_at > now:
            return schedule_create(
                version=version,
                attribution=attribution,
                publish_at=request.publish_at,
                actor=actor,
            )
    schedules_close_for_article(
        article=article,
        actor=actor,
        state=ScheduleState.SUPERSEDED,
        note=f"Superseded by version {version.number}, approved and published at once",
    )
    article_services.publish(version=version, attribution=attribution, actor=actor)
    return None


def _stale_reason(*, schedule: Schedule, live: Publication | None) -> tuple[str, str] | None:
    """Why a due schedule must not be published any more, as (state, note), or None.

    `articles` knows nothing of schedules, so a newer version published or a retraction
    made after the schedule was created is caught here, at the due time.
    """
    if live is None:
        return None
    if live.version.number > schedule.version.number:
        return (
            ScheduleState.SUPERSEDED,
            f"Version {live.version.number} was published after this schedule was made",
        )
    if live.status == PublicationStatus.RETRACTED and live.retracted_at >= schedule.created_at:
        return ScheduleState.CANCELLED, "The article was retracted after this schedule was made"
    if live.version.number == schedule.version.number and live.status == PublicationStatus.LIVE:
        return ScheduleState.SUPERSEDED, "This version is already live"
    return None


def _publish_locked(*, schedule: Schedule, now: datetime) -> None:
    """Publish a locked, pending, due schedule exactly as approved, and record when."""
    article_services.publish(
        version=schedule.version,
        attribution=attribution_thaw(schedule.attribution),
        actor=schedule.created_by,
    )
    schedule.state = ScheduleState.PUBLISHED
    schedule.published_at = timezone.now()
    schedule.delay = max(now - schedule.publish_at, timedelta(0))
    schedule.save(update_fields=["state", "published_at", "delay"])
    _record(
        schedule=schedule,
        actor=None,
        from_state=ScheduleState.PENDING,
        note=f"Published {schedule.delay.total_seconds():.1f} s after its time",
    )


def _each_isolated(kind: str, due: Iterable[tuple], run_one: Callable[..., bool]) -> list[int]:
    """Run `run_one(*row)` for each due row, each in its own transaction; the ids it carried
    out. An unexpected failure of one (a damaged row, a deadlock) is logged and left pending,
    to be tried again at the next turn: it holds up nothing else that is due."""
    done = []
    for row in due:
        try:
            if run_one(*row):
                done.append(row[0])
        except Exception:
            logger.exception("%s %s failed; it stays pending and is tried again", kind, row[0])
    return done


def _schedule_publish_due_one(*, schedule_id: int, article_id: int, now: datetime) -> bool:
    """Publish one due schedule in its own transaction; False when another worker has it or it
    is no longer pending and due (checked again under the lock)."""
    with transaction.atomic():
        article = _lock_article(article_id)
        schedule = (
            Schedule.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("version", "created_by", "release")
            .filter(
                pk=schedule_id,
                state=ScheduleState.PENDING,
                release__isnull=True,
                publish_at__lte=now,
            )
            .first()
        )
        if schedule is None:
            return False
        schedule.article = article
        stale = _stale_reason(schedule=schedule, live=_live_publication(article))
        if stale is not None:
            _close(schedule=schedule, state=stale[0], actor=None, note=stale[1])
            return False
        try:
            with transaction.atomic():  # a refusal undoes the publication, not the record
                _publish_locked(schedule=schedule, now=now)
        except DomainError as error:
            _close(
                schedule=schedule,
                state=ScheduleState.CANCELLED,
                actor=None,
                note=f"Not published: {error.describe()}",
            )
            return False
        return True


def schedules_publish_due(*, now: datetime) -> list[int]:
    """Publish every pending schedule outside a release whose time has come (the worker's job);
    returns the ids published. A time missed while no worker ran is published now, late,
    with the delay recorded."""
    due = list(
        Schedule.objects.filter(
            state=ScheduleState.PENDING, release__isnull=True, publish_at__lte=now
        )
        .order_by("publish_at", "id")
        .values_list("id", "article_id")
    )
    return _each_isolated(
        "schedule",
        due,
        lambda schedule_id, article_id: _schedule_publish_due_one(
            schedule_id=schedule_id, article_id=article_id, now=now
        ),
    )


# Releases.


def _lock_release(release: Release) -> Release:
    return Release.objects.select_for_update().get(pk=release.pk)


@transaction.atomic
def release_create(*, name: str, publish_at: datetime, user) -> Release:
    """Open a release: schedules added to it go out together at `publish_at`."""
    require_role(user, *SCHEDULING_ROLES, action="create releases")
    errors = {}
    if not name.strip():
        errors["name"] = ["Name the release."]
    now = timezone.now()
    if publish_at <= now:
        errors["publish_at"] = ["Choose a time in the future."]
    if errors:
        raise InvalidContent(errors=errors)
    return Release.objects.create(
        name=name.strip(), publish_at=publish_at, created_by=user, created_at=now
    )


@transaction.atomic
def release_schedule_add(*, release: Release, schedule: Schedule, user) -> Schedule:
    """Add a pending schedule (an approved, scheduled version) to an open release: it then
    goes out at the release's time, with the others. A release earlier than the schedule's
    time is refused: joining a release never publishes a version before its approved time."""
    require_role(user, *SCHEDULING_ROLES, action="change releases")
    _lock_article(schedule.article_id)
    release = _lock_release(release)
    if release.state != ReleaseState.OPEN:
        raise ReleaseNotOpen()
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.state != ScheduleState.PENDING:
        raise NotPending(f"This schedule is {schedule.get_state_display().lower()}.")
    if schedule.release_id is not None:
        raise InRelease()
    if release.publish_at <= timezone.now():
        raise ReleaseNotOpen("This release is due: it takes no more schedules.")
    if release.publish_at < schedule.publish_at:
        raise EarlierThanApproved(
            f"The release {release.name!r} goes out at {release.publish_at.isoformat()}, "
            f"before {schedule.publish_at.isoformat()}, the time version "
            f"{schedule.version.number} was approved for: choose a release at that time or "
            "later."
        )
    approved_for = schedule.publish_at
    schedule.release = release
    schedule.publish_at = release.publish_at
    schedule.save(update_fields=["release", "publish_at"])
    _record(
        schedule=schedule,
        actor=user,
        from_state=ScheduleState.PENDING,
        note=f"Added to release {release.name}; its time was {approved_for.isoformat()}",
    )
    return schedule


@transaction.atomic
def release_schedule_remove(*, release: Release, schedule: Schedule, user) -> Schedule:
    """Take a schedule out of an open (or failed) release: it stays pending and goes out on
    its own at the release's time, unless it is cancelled."""
    require_role(user, *SCHEDULING_ROLES, action="change releases")
    _lock_article(schedule.article_id)
    release = _lock_release(release)
    if release.state not in (ReleaseState.OPEN, ReleaseState.FAILED):
        raise ReleaseNotOpen()
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.release_id != release.pk:
        raise NotInRelease()
    schedule.release = None
    schedule.save(update_fields=["release"])
    _record(
        schedule=schedule,
        actor=user,
        from_state=schedule.state,
        note=f"Removed from release {release.name}",
    )
    return schedule


@transaction.atomic
def release_cancel(*, release: Release, user, reason: str) -> Release:
    """Cancel an open release and every schedule still in it (they were to go out together)."""
    require_role(user, *SCHEDULING_ROLES, action="cancel releases")
    if not reason.strip():
        raise InvalidContent(errors={"reason": ["Say why the release is cancelled."]})
    article_ids = sorted(
        Schedule.objects.filter(release=release, state=ScheduleState.PENDING).values_list(
            "article_id", flat=True
        )
    )
    for article_id in article_ids:
        _lock_article(article_id)
    release = _lock_release(release)
    if release.state not in (ReleaseState.OPEN, ReleaseState.FAILED):
        raise ReleaseNotOpen()
    release.state = ReleaseState.CANCELLED
    release._change_reason = reason.strip()[:100]
    release.save(update_fields=["state"])
    cancelled = Schedule.objects.select_for_update(of=("self",)).select_related(
        "article", "version"
    )
    for schedule in cancelled.filter(release=release, state=ScheduleState.PENDING):
        schedule.state = ScheduleState.CANCELLED
        schedule.save(update_fields=["state"])
        note = f"Release {release.name} cancelled: {reason.strip()}"
        _record(schedule=schedule, actor=user, from_state=ScheduleState.PENDING, note=note)
        _announce_cancelled(schedule=schedule, note=note)
    return release


def _release_publish_locked(*, release: Release, now: datetime) -> list[int]:
    """Publish every pending schedule of a locked release, in the caller's transaction."""
    schedules = list(
        Schedule.objects.select_for_update(of=("self",))
        .select_related("article", "version", "created_by", "release")
        .filter(release=release, state=ScheduleState.PENDING)
        .order_by("article_id")
    )
    published = []
    for schedule in schedules:
        stale = _stale_reason(schedule=schedule, live=_live_publication(schedule.article))
        if stale is not None:
            _close(schedule=schedule, state=stale[0], actor=None, note=stale[1])
            release.refresh_from_db(fields=["warnings"])
            continue
        _publish_locked(schedule=schedule, now=now)
        published.append(schedule.pk)
    release.state = ReleaseState.PUBLISHED
    release.published_at = timezone.now()
    release.delay = max(now - release.publish_at, timedelta(0))
    if not published:
        release.warnings = [*release.warnings, "Nothing was left to publish."]
    release.save(update_fields=["state", "published_at", "delay", "warnings"])
    return published


# How often one run reads a due release's articles again when schedules keep joining it.
RELEASE_LOCK_TRIES = 3


def _release_publish_due_one(*, release_id: int, now: datetime) -> bool:
    """Publish one due release, all or none, in one transaction (its events take one range of
    positions in the changes feed, as the event sequence row stays locked until commit)."""

    def pending_articles() -> list[int]:
        return sorted(
            Schedule.objects.filter(release_id=release_id, state=ScheduleState.PENDING).values_list(
                "article_id", flat=True
            )
        )

    try:
        for _ in range(RELEASE_LOCK_TRIES):
            article_ids = pending_articles()
            with transaction.atomic():
                for article_id in article_ids:  # in id order, so two releases never deadlock
                    _lock_article(article_id)
                release = (
                    Release.objects.select_for_update(skip_locked=True)
                    .filter(pk=release_id, state=ReleaseState.OPEN, publish_at__lte=now)
                    .first()
                )
                if release is None:
                    return False
                # A schedule that joined after the articles were read has its article unlocked:
                # publishing it would lock that article after the release (against the lock
                # order), so read and lock again.
                if not set(pending_articles()) <= set(article_ids):
                    continue
                _release_publish_locked(release=release, now=now)
                return True
        return False  # the release kept changing: tried again at the next turn
    except DomainError as error:
        # Nothing of the release was published; it is marked failed so staff see why.
        with transaction.atomic():
            release = Release.objects.select_for_update().get(pk=release_id)
            if release.state != ReleaseState.OPEN:
                return False
            release.state = ReleaseState.FAILED
            release.warnings = [
                *release.warnings,
                f"Nothing was published: {error.describe()}",
            ]
            release.save(update_fields=["state", "warnings"])
        logger.warning("release %s failed: %s", release_id, error.describe())
        return False


def releases_publish_due(*, now: datetime) -> list[int]:
    """Publish every open release whose time has come (the worker's job); returns their ids."""
    due = Release.objects.filter(state=ReleaseState.OPEN, publish_at__lte=now).order_by(
        "publish_at", "id"
    )
    return _each_isolated(
        "release",
        due.values_list("id"),
        lambda release_id: _release_publish_due_one(release_id=release_id, now=now),
    )


# Withdrawals.


@transaction.atomic
def withdrawal_set(*, article: Article, withdraw_at: datetime, reason: str, user) -> Withdrawal:
    """Set when the article's live version is retracted, with the reason; replaces a pending
    withdrawal of the article."""
    require_role(user, *SCHEDULING_ROLES, action="set withdrawals")
    errors = {}
    if not reason.strip():
        errors["reason"] = ["Say why the article will be retracted."]
    now = timezone.now()
    if withdraw_at <= now:
        errors["withdraw_at"] = ["Choose a time in the future, or retract now."]
    if errors:
        raise InvalidContent(errors=errors)
    article = _lock_article(article.pk)
    live = _live_publication(article)
    if live is None or live.status != PublicationStatus.LIVE:
        raise ArticleNotLive()
    for pending in Withdrawal.objects.select_for_update().filter(
        article=article, state=WithdrawalState.PENDING
    ):
        pending.state = WithdrawalState.CANCELLED
        pending.closed_at = now
        pending.note = "Replaced by a new withdrawal time"
        pending._history_user = user
        pending.save(update_fields=["state", "closed_at", "note"])
    withdrawal = Withdrawal(
        article=article,
        withdraw_at=withdraw_at,
        reason=reason.strip(),
        created_by=user,
        created_at=now,
    )
    withdrawal._history_user = user
    withdrawal.save()
    return withdrawal


@transaction.atomic
def withdrawal_cancel(*, withdrawal: Withdrawal, user, reason: str = "") -> Withdrawal:
    """Cancel a pending withdrawal: the article stays live."""
    require_role(user, *SCHEDULING_ROLES, action="cancel withdrawals")
    _lock_article(withdrawal.article_id)
    withdrawal = Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)
    if withdrawal.state != WithdrawalState.PENDING:
        raise NotPending(f"This withdrawal is {withdrawal.get_state_display().lower()}.")
    withdrawal.state = WithdrawalState.CANCELLED
    withdrawal.closed_at = timezone.now()
    withdrawal.note = reason.strip() or "Cancelled"
    withdrawal._history_user = user
    withdrawal.save(update_fields=["state", "closed_at", "note"])
    return withdrawal


def _withdrawal_run_one(*, withdrawal_id: int, article_id: int, now: datetime) -> bool:
    with transaction.atomic():
        _lock_article(article_id)
        withdrawal = (
            Withdrawal.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("article", "created_by")
            .filter(pk=withdrawal_id, state=WithdrawalState.PENDING, withdraw_at__lte=now)
            .first()
        )
        if withdrawal is None:
            return False
        try:
            with transaction.atomic():
                article_services.publication_withdraw_due(
                    article=withdrawal.article,
                    set_by=withdrawal.created_by,
                    reason=withdrawal.reason,
                )
        except DomainError as error:
            withdrawal.state = WithdrawalState.CANCELLED
            withdrawal.note = f"Not retracted: {error.describe()}"
        else:
            withdrawal.state = WithdrawalState.DONE
            lateness = max(now - withdrawal.withdraw_at, timedelta(0))
            withdrawal.note = f"Retracted {lateness.total_seconds():.1f} s after its time"
            schedules_close_for_article(
                article=withdrawal.article,
                actor=None,
                state=ScheduleState.CANCELLED,
                note="The article was withdrawn",
            )
        withdrawal.closed_at = timezone.now()
        withdrawal.save(update_fields=["state", "closed_at", "note"])
        return withdrawal.state == WithdrawalState.DONE


def withdrawals_run_due(*, now: datetime) -> list[int]:
    """Retract every article whose withdrawal time has come (the worker's job)."""
    due = Withdrawal.objects.filter(state=WithdrawalState.PENDING, withdraw_at__lte=now).order_by(
        "withdraw_at", "id"
    )
    return _each_isolated(
        "withdrawal",
        due.values_list("id", "article_id"),
        lambda withdrawal_id, article_id: _withdrawal_run_one(
            withdrawal_id=withdrawal_id, article_id=article_id, now=now
        ),
    )


# Embargo access.


@transaction.atomic
def embargo_grant(*, api_key, user, note: str = "") -> EmbargoGrant:
    """Let a consuming-site key read what is scheduled, and its content, before its time."""
    require_role(user, PUBLISHING_ADMINS, action="grant embargo access")
    if api_key.revoked:
        raise InvalidContent(errors={"api_key": ["This key is revoked."]})
    grant, _ = EmbargoGrant.objects.update_or_create(
        api_key=api_key,
        defaults={"granted_by": user, "granted_at": timezone.now(), "note": note.strip()},
    )
    return grant


@transaction.atomic
def embargo_revoke(*, grant: EmbargoGrant, user) -> None:
    """Take embargo access away from a key: it reads content only once published again."""
    require_role(user, PUBLISHING_ADMINS, action="revoke embargo access")
    EmbargoGrant.objects.filter(pk=grant.pk).delete()
