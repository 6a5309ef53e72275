"""The worker's scheduling job (in WORKER_PERIODIC_JOBS): what is due goes out now."""

from datetime import datetime

from django.utils import timezone

from scheduling import services


def run_due(*, now: datetime | None = None) -> None:
    """Publish due releases and schedules, then retract due withdrawals."""
    now = now or timezone.now()
    services.releases_publish_due(now=now)
    services.schedules_publish_due(now=now)
    services.withdrawals_run_due(now=now)
