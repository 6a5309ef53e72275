"""Governance's domain errors, rendered as {code, detail} by ldncontent.error_handler."""

from rest_framework import status

from ldncontent.exceptions import Conflict, DomainError


class VersionNotPublished(DomainError):
    """Feedback names a content hash never published under that slug.

    The same answer for an unknown slug, an unknown hash and a version that exists but was
    never approved: a consuming site learns nothing about unpublished work from it.
    """

    status_code = status.HTTP_404_NOT_FOUND
    code = "version_not_published"
    default_detail = (
        "No version with this content_hash was ever published under this slug: send the "
        "content_hash of the article exactly as the delivery API served it to you."
    )


class InvalidTriage(Conflict):
    """The report cannot move from its current status to the one asked for."""

    code = "invalid_triage"
    default_detail = "This report cannot move to that status from its current one."
