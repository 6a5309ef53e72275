"""Role rules for staff: one rule per class, combined in views with & and |."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from ldncontent.exceptions import NotAllowed

EDITORS = "editors"
CLINICAL_REVIEWERS = "clinical-reviewers"
PUBLISHING_ADMINS = "publishing-admins"
# People who sign a version for a role other than the clinical one (pharmacist, plain-language
# editor, lay reader): they read articles and reviews and sign; the group follows their
# sign-off roles (reviews.services.signoff_role_grant).
SIGN_OFF_REVIEWERS = "sign-off-reviewers"
STAFF_ROLES = (EDITORS, CLINICAL_REVIEWERS, PUBLISHING_ADMINS, SIGN_OFF_REVIEWERS)


def user_roles(user) -> frozenset[str]:
    """The user's role groups, read once per request object."""
    if not user or not user.is_authenticated:
        return frozenset()
    roles = getattr(user, "_ldn_roles", None)
    if roles is None:
        roles = frozenset(user.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))
        user._ldn_roles = roles
    return roles


class DenyAll(BasePermission):
    """Nothing is allowed unless a view opens itself on purpose."""

    message = "This operation is not open to you."

    def has_permission(self, request, view) -> bool:
        return False


class IsEditor(BasePermission):
    """The user is in the `editors` group."""

    message = "Only editors may change articles."

    def has_permission(self, request, view) -> bool:
        return EDITORS in user_roles(request.user)


class HasStaffRole(BasePermission):
    """The user is an editor, a clinical reviewer, a publishing admin or a sign-off reviewer."""

    message = "Your account has no role here: ask a publishing admin to add you to a group."

    def has_permission(self, request, view) -> bool:
        return bool(user_roles(request.user))


class WritesNeedEditor(BasePermission):
    """Reads pass; writes need the `editors` group."""

    message = "Only editors may change articles: your role may read them."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or EDITORS in user_roles(request.user)


def require_role(user, *roles: str, action: str) -> None:
    """Refuse `action` unless the user has one of `roles` (services check authority again)."""
    if not user_roles(user) & set(roles):
        raise NotAllowed(f"Only {' or '.join(roles)} may {action}.")


class IsPublishingAdmin(BasePermission):
    """The user is in the `publishing-admins` group."""

    message = "Only publishing admins may manage webhooks."

    def has_permission(self, request, view) -> bool:
        return PUBLISHING_ADMINS in user_roles(request.user)
