"""Jobs the worker runs for the reviews app (listed in settings.WORKER_PERIODIC_JOBS)."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles.models import Publication
from ldncontent.permissions import PUBLISHING_ADMINS
from reviews import notices, selectors


def overdue_digest() -> None:
    """Queue today's digest of overdue items for each person who has some: their sign-offs past
    due, and, for publishing admins, the articles past their next review date.

    Run as often as the worker likes (it runs it hourly): each person's digest is keyed by the
    day, so it is queued once a day, with what is overdue when it is first queued.
    """
    today = timezone.localdate()
    with transaction.atomic():
        requests = defaultdict(list)
        for request in selectors.sign_off_requests_overdue(today=today):
            requests[request.assignee].append(request)
        overdue_articles = list(Publication.objects.overdue(today=today).order_by("slug"))
        admins = (
            set(
                get_user_model()
                .objects.filter(groups__name=PUBLISHING_ADMINS, is_active=True)
                .exclude(email="")
            )
            if overdue_articles
            else set()
        )
        recipients = {*requests, *admins}
        for recipient in sorted(recipients, key=lambda user: user.pk):
            if not recipient.is_active:
                continue
            notices.notify_overdue_digest(
                recipient=recipient,
                today=today,
                requests=requests.get(recipient, []),
                publications=overdue_articles if recipient in admins else [],
            )
