"""Who reaches the governance API: one rule per class (the services check authority again)."""

from rest_framework.permissions import BasePermission

from articles.delivery.selectors import Consumer
from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, PUBLISHING_ADMINS, user_roles

# Editors, clinical reviewers and publishing admins read reader feedback; sign-off reviewers
# (pharmacists, lay readers) sign versions and have no part in triage.
FEEDBACK_READ_ROLES = frozenset({EDITORS, CLINICAL_REVIEWERS, PUBLISHING_ADMINS})


class IsConsumerSite(BasePermission):
    """The request carries a valid consuming-site key (`Authorization: Api-Key <key>`)."""

    message = "Send a valid consuming-site key as `Authorization: Api-Key <key>`."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Consumer)


class CanReadFeedback(BasePermission):
    """The user is an editor, a clinical reviewer or a publishing admin."""

    message = "Only editors, clinical reviewers and publishing admins may read reader feedback."

    def has_permission(self, request, view) -> bool:
        return bool(user_roles(request.user) & FEEDBACK_READ_ROLES)
