"""`manage.py run_worker`: deliver webhooks and run the daily review-due check."""

import signal
import threading
import time

from django.core.management.base import BaseCommand

from articles import webhook_worker


class Command(BaseCommand):
    help = (
        "Run the outbox worker: post due webhook deliveries (signed, retried with backoff, in "
        "order per article) and flag articles overdue for review. Stops on SIGINT/SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-seconds",
            type=float,
            default=None,
            help="Stop after this many seconds (default: run until stopped).",
        )
        parser.add_argument(
            "--review-check-seconds",
            type=float,
            default=3600,
            help="How often to flag articles overdue for review (default hourly).",
        )

    def handle(self, *args, max_seconds: float | None, review_check_seconds: float, **options):
        stop = threading.Event()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: stop.set())
        if max_seconds is not None:
            deadline = time.monotonic() + max_seconds
            threading.Thread(
                target=lambda: stop.wait(max(0.0, deadline - time.monotonic())) or stop.set(),
                daemon=True,
            ).start()
        self.stdout.write("worker started", ending="\n")
        self.stdout.flush()
        webhook_worker.run(stop=stop, review_check_seconds=review_check_seconds)
        self.stdout.write("worker stopped")
