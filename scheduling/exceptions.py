"""Scheduling's domain errors, rendered as {code, detail} by ldncontent.error_handler."""

from rest_framework import status

from ldncontent.exceptions import Conflict, DomainError


class NotPending(Conflict):
    """The schedule or withdrawal is no longer waiting: it was published, done or closed."""

    code = "not_pending"
    default_detail = "This is no longer pending: it was carried out or cancelled already."


class ReleaseNotOpen(Conflict):
    """The release was published, cancelled or failed: it takes no more changes."""

    code = "release_not_open"
    default_detail = "This release is not open: it was published, cancelled or failed."


class InRelease(Conflict):
    """The schedule already belongs to a release (this one or another)."""

    code = "in_release"
    default_detail = "This schedule is already in a release: remove it from that one first."


class EarlierThanApproved(Conflict):
    """The release goes out before the time the schedule's version was approved for."""

    code = "earlier_than_approved"
    default_detail = (
        "This release goes out before the time the version was approved for: choose a release "
        "at that time or later."
    )


class NotInRelease(Conflict):
    """The schedule is not part of this release."""

    code = "not_in_release"
    default_detail = "This schedule is not part of this release."


class NewerScheduled(Conflict):
    """A newer version of the article is already scheduled, or live."""

    code = "newer_scheduled"
    default_detail = "A newer version of this article is already scheduled or live."


class ArticleNotLive(Conflict):
    """A withdrawal needs a live publication to withdraw."""

    code = "article_not_live"
    default_detail = "This article has no live version to withdraw: nothing would be retracted."


class NoEmbargoAccess(DomainError):
    """A consuming-site key without an embargo grant asked for what is not yet published."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "no_embargo_access"
    default_detail = (
        "This key may not read scheduled content before its time: ask the publisher for "
        "embargo access."
    )
