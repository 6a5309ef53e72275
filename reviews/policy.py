"""The review-due policy: how long a full clinical review stays valid."""

import calendar
from datetime import date

from django.conf import settings


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def latest_review_due(today: date) -> date:
    """The latest next-review date a full review made today may set (REVIEW_INTERVAL_MONTHS)."""
    return add_months(today, settings.REVIEW_INTERVAL_MONTHS)
