"""Who reaches the scheduling API: one rule per class (the services check authority again)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from articles.delivery.selectors import Consumer
from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, PUBLISHING_ADMINS, user_roles

# Editors see what is coming too (they plan their next edits around it); publishing admins
# and clinical reviewers change it.
READ_ROLES = frozenset({EDITORS, CLINICAL_REVIEWERS, PUBLISHING_ADMINS})
WRITE_ROLES = frozenset({CLINICAL_REVIEWERS, PUBLISHING_ADMINS})


class CanReadSchedules(BasePermission):
    """The user is an editor, a clinical reviewer or a publishing admin."""

    message = "Only editors, clinical reviewers and publishing admins see what is scheduled."

    def has_permission(self, request, view) -> bool:
        return bool(user_roles(request.user) & READ_ROLES)


class WritesNeedScheduler(BasePermission):
    """Reads pass; writes need a clinical reviewer or a publishing admin."""

    message = "Only clinical reviewers and publishing admins change schedules and releases."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or bool(user_roles(request.user) & WRITE_ROLES)


class IsConsumerSite(BasePermission):
    """The request carries a valid consuming-site key (`Authorization: Api-Key <key>`)."""

    message = "Send a valid consuming-site key as `Authorization: Api-Key <key>`."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Consumer)
