"""The worker's scheduling job (in WORKER_PERIODIC_JOBS): what is due goes out now."""

from django.utils import timezone

from scheduling import services


def run_due() -> None:
    """Publish due releases and schedules, then retract due withdrawals."""
    now = timezone.now()
    services.releases_publish_due(now=now)
    services.schedules_publish_due(now=now)
    services.withdrawals_run_due(now=now)
