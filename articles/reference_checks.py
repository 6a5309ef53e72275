"""Keeping references fresh: the worker's job that checks reference links at a bounded rate.

Each run checks at most REFERENCE_CHECKS_PER_RUN references with a URL or a DOI that were not
checked for REFERENCE_CHECK_INTERVAL_DAYS (never checked first), through REFERENCE_RESOLVER:
a function `(url) -> (resolves, detail)`, where `resolves` is True (it answers), False (it is
gone: 404 or 410) or None (inconclusive: a timeout or a server error; the last result stands
and the link is checked again after the same interval, so a flaky server cannot take every
run's budget).
A link that goes dead flags every article citing the source (`reference.flagged`).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from articles import webhook_transport
from articles.models import Reference
from articles.services.reference_flags import reference_check_record

# 404 and 410 say the resource is gone; anything else that is not an answer may pass.
_GONE = {404, 410}


def reference_link(reference: Reference) -> str:
    """The address that is checked: the URL, else the DOI through its resolver."""
    return reference.url or f"https://doi.org/{reference.doi}"


def http_resolve(url: str) -> tuple[bool | None, str]:
    """HEAD the URL through the webhook transport's vetted, deadline-bound connection."""
    result = webhook_transport.head(url=url, headers={"User-Agent": "ldncontent-link-check"})
    if result.status_code is None:
        return None, str(result.error)
    if result.status_code in _GONE:
        return False, f"HTTP {result.status_code}"
    if result.status_code < 400:
        return True, f"HTTP {result.status_code}"
    return None, f"HTTP {result.status_code}"


def due_references(*, now) -> list[Reference]:
    """The references to check now: with a link, not checked lately, oldest check first."""
    stale = now - timedelta(days=settings.REFERENCE_CHECK_INTERVAL_DAYS)
    return list(
        Reference.objects.exclude(url="", doi="")
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=stale))
        .order_by("last_checked_at", "pk")[: settings.REFERENCE_CHECKS_PER_RUN]
    )


def check_due_references() -> int:
    """Check the references that are due (network calls outside any transaction); returns
    how many were checked."""
    resolve = import_string(settings.REFERENCE_RESOLVER)
    checked = 0
    for reference in due_references(now=timezone.now()):
        resolves, detail = resolve(reference_link(reference))
        reference_check_record(reference=reference, resolves=resolves, detail=detail)
        checked += 1
    return checked
