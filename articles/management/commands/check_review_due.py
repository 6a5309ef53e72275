"""`manage.py check_review_due`: flag published articles whose clinical review date has passed."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.services import publications_mark_overdue


class Command(BaseCommand):
    help = (
        "Flag live articles past their next review date (review_overdue: true in what is "
        "served) and record one review-overdue event each. Run it daily; it is idempotent."
    )

    def handle(self, *args, **options):
        flagged = publications_mark_overdue(today=timezone.localdate())
        for publication in flagged:
            self.stdout.write(
                f"{publication.slug}: review was due {publication.next_review_due.isoformat()}"
            )
        self.stdout.write(f"{len(flagged)} article(s) newly flagged as overdue for review.")
