"""Roles: the clinician role granted and revoked by a superuser, the other roles given by
publishing admins, every change recorded as a RoleChange row.

No one changes their own roles: the clinician role (the clinical-reviewers group with an
active clinician profile) only ever comes from another superuser, through `clinician_grant`.
"""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from ldncontent.exceptions import InvalidContent, NotAllowed
from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, PUBLISHING_ADMINS, require_role
from reviews.exceptions import AlreadyAClinician, NoClinicianRole, OwnRole
from reviews.models import ClinicianProfile, RoleAction, RoleChange

GRANTABLE_ROLES = (EDITORS, PUBLISHING_ADMINS)
PROFILE_FIELDS = (
    "published_name",
    "credentials",
    "profession",
    "registering_body",
    "registration_number",
)


def _lock_user(user):
    return get_user_model()._default_manager.select_for_update().get(pk=user.pk)


def _record_role_change(
    *, subject, actor, role: str, action: str, note: str, sign_off_role=None
) -> RoleChange:
    return RoleChange.objects.create(
        subject=subject,
        actor=actor,
        role=role,
        sign_off_role=sign_off_role,
        action=action,
        at=timezone.now(),
        note=note,
    )


def _ensure_superuser_acts_for_another(*, actor, subject, action: str) -> None:
    if not (actor.is_active and actor.is_superuser):
        raise NotAllowed(f"Only a superuser may {action}.")
    if actor.pk == subject.pk:
        raise OwnRole(f"No one may {action} for their own account: ask another superuser.")


def _validated_profile(profile: ClinicianProfile) -> None:
    try:
        profile.full_clean(exclude=["user"])
    except DjangoValidationError as error:
        raise InvalidContent(errors=error.message_dict) from error


def _is_clinician(user, profile: ClinicianProfile | None) -> bool:
    in_group = user.groups.filter(name=CLINICAL_REVIEWERS).exists()
    return in_group or (profile is not None and profile.active)


@transaction.atomic
def clinician_grant(
    *,
    user,
    granted_by,
    published_name: str,
    profession: str,
    registering_body: str,
    registration_number: str,
    credentials: str = "",
    note: str = "",
) -> ClinicianProfile:
    """Give `user` the clinician role: the clinical-reviewers group and an active profile.

    Only a superuser, never for their own account; an inactive profile is activated again with
    these details. Recorded in the role audit trail and in the profile's history.
    """
    _ensure_superuser_acts_for_another(
        actor=granted_by, subject=user, action="grant the clinician role"
    )
    user = _lock_user(user)
    if not user.is_active:
        raise InvalidContent(
            errors={"user": ["This account is deactivated: activate it before granting roles."]}
        )
    profile = ClinicianProfile.objects.select_for_update().filter(user=user).first()
    in_group = user.groups.filter(name=CLINICAL_REVIEWERS).exists()
    if in_group and profile is not None and profile.active:
        raise AlreadyAClinician()
    if profile is None:
        profile = ClinicianProfile(user=user)
    profile.published_name = published_name.strip()
    profile.credentials = credentials.strip()
    profile.profession = profession.strip()
    profile.registering_body = registering_body.strip()
    profile.registration_number = registration_number.strip()
    profile.active = True
    _validated_profile(profile)
    profile._history_user = granted_by
    profile._change_reason = "Clinician role granted"
    profile.save()
    user.groups.add(Group.objects.get_or_create(name=CLINICAL_REVIEWERS)[0])
    _record_role_change(
        subject=user,
        actor=granted_by,
        role=CLINICAL_REVIEWERS,
        action=RoleAction.GRANTED,
        note=note.strip(),
    )
    return profile


@transaction.atomic
def clinician_revoke(*, user, revoked_by, reason: str) -> ClinicianProfile | None:
    """Take the clinician role away: out of clinical-reviewers, profile deactivated (kept, as
    approvals name it). Only a superuser, never for their own account, and with a reason."""
    _ensure_superuser_acts_for_another(
        actor=revoked_by, subject=user, action="revoke the clinician role"
    )
    if not reason.strip():
        raise InvalidContent(errors={"reason": ["Say why the clinician role is revoked."]})
    user = _lock_user(user)
    profile = ClinicianProfile.objects.select_for_update().filter(user=user).first()
    if not _is_clinician(user, profile):
        raise NoClinicianRole()
    if profile is not None and profile.active:
        profile.active = False
        profile._history_user = revoked_by
        profile._change_reason = "Clinician role revoked"
        profile.save(update_fields=["active"])
    user.groups.remove(*Group.objects.filter(name=CLINICAL_REVIEWERS))
    _record_role_change(
        subject=user,
        actor=revoked_by,
        role=CLINICAL_REVIEWERS,
        action=RoleAction.REVOKED,
        note=reason.strip(),
    )
    return profile


@transaction.atomic
def clinician_profile_update(
    *, profile: ClinicianProfile, changed_by, changes: dict[str, str]
) -> ClinicianProfile:
    """Change what readers see of a clinician (name, credentials) or their registration.

    Only a superuser, never on their own profile; `active` changes only by grant and revoke.
    """
    _ensure_superuser_acts_for_another(
        actor=changed_by, subject=profile.user, action="edit a clinician profile"
    )
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise InvalidContent(
            errors={
                name: ["Not editable here: grant or revoke the clinician role."] for name in unknown
            }
        )
    profile = ClinicianProfile.objects.select_for_update().get(pk=profile.pk)
    changed = {
        name: value.strip()
        for name, value in changes.items()
        if getattr(profile, name) != value.strip()
    }
    if not changed:
        return profile
    for name, value in changed.items():
        setattr(profile, name, value)
    _validated_profile(profile)
    profile._history_user = changed_by
    profile._change_reason = "Edited " + ", ".join(sorted(changed))
    profile.save(update_fields=list(changed))
    return profile


@transaction.atomic
def staff_roles_set(*, user, roles: Sequence[str], changed_by, note: str = "") -> frozenset[str]:
    """Give `user` exactly these of the editors and publishing-admins roles.

    Publishing admins and superusers may; a publishing admin never for their own account nor a
    superuser's. The clinician role is not changed here: see clinician_grant.
    """
    wanted = frozenset(roles)
    if not wanted <= set(GRANTABLE_ROLES):
        raise InvalidContent(
            errors={
                "roles": [
                    f"Only {' and '.join(GRANTABLE_ROLES)} are given here; the clinician role "
                    f"({CLINICAL_REVIEWERS}) is granted by a superuser on the clinician profiles."
                ]
            }
        )
    if not changed_by.is_superuser:
        require_role(changed_by, PUBLISHING_ADMINS, action="change other people's roles")
        if changed_by.pk == user.pk:
            raise OwnRole()
        if user.is_superuser:
            raise NotAllowed("Only a superuser may change a superuser's account.")
    user = _lock_user(user)
    current = frozenset(user.groups.filter(name__in=GRANTABLE_ROLES).values_list("name", flat=True))
    for role in sorted(wanted - current):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        _record_role_change(
            subject=user, actor=changed_by, role=role, action=RoleAction.GRANTED, note=note
        )
    for role in sorted(current - wanted):
        user.groups.remove(*Group.objects.filter(name=role))
        _record_role_change(
            subject=user, actor=changed_by, role=role, action=RoleAction.REVOKED, note=note
        )
    return wanted
