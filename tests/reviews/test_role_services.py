"""Role services called directly: who may grant, revoke and change roles, and the audit trail."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import ImmutableRecord
from ldncontent.exceptions import InvalidContent, NotAllowed
from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, PUBLISHING_ADMINS
from reviews import services
from reviews.exceptions import AlreadyAClinician, NoClinicianRole, NotAClinician, OwnRole
from reviews.models import ClinicianProfile, RoleChange
from tests import factories

pytestmark = pytest.mark.django_db

PROFILE = {
    "published_name": "Dr Amina Okafor",
    "credentials": "MBBS, MRCGP",
    "profession": "General practitioner",
    "registering_body": "General Medical Council",
    "registration_number": "7000001",
}


@pytest.fixture
def candidate(db):
    return factories.UserFactory(username="amina")


def roles_of(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def nothing_written(user) -> bool:
    return not (
        RoleChange.objects.exists()
        or ClinicianProfile.objects.filter(user=user, active=True).exists()
        or CLINICAL_REVIEWERS in roles_of(user)
    )


# --- clinician_grant ---------------------------------------------------------------------------


def test_a_superuser_grants_the_clinician_role(root, candidate, submitted):
    profile = services.clinician_grant(user=candidate, granted_by=root, note="GMC", **PROFILE)
    assert profile.active and CLINICAL_REVIEWERS in roles_of(candidate)
    record = profile.history.latest()
    assert (record.history_user, record.history_change_reason) == (root, "Clinician role granted")
    change = RoleChange.objects.get()
    assert (change.subject, change.actor, change.role, change.action, change.note) == (
        candidate,
        root,
        CLINICAL_REVIEWERS,
        "granted",
        "GMC",
    )
    assert services.ensure_can_decide(review=submitted, user=User.objects.get(pk=candidate.pk))


@pytest.mark.parametrize(
    "make_actor",
    [factories.publishing_admin, factories.editor, factories.clinician_with_profile],
    ids=["publishing_admin", "editor", "clinician"],
)
def test_only_a_superuser_grants_the_clinician_role(make_actor, candidate):
    with pytest.raises(NotAllowed, match="Only a superuser"):
        services.clinician_grant(user=candidate, granted_by=make_actor(), **PROFILE)
    assert nothing_written(candidate)


def test_no_one_grants_the_clinician_role_to_themselves(root):
    with pytest.raises(OwnRole):
        services.clinician_grant(user=root, granted_by=root, **PROFILE)
    assert nothing_written(root)


def test_a_deactivated_superuser_grants_nothing(root, candidate):
    root.is_active = False
    root.save()
    with pytest.raises(NotAllowed):
        services.clinician_grant(user=candidate, granted_by=root, **PROFILE)
    assert nothing_written(candidate)


def test_the_clinician_role_needs_an_active_account_and_a_complete_profile(root, candidate):
    with pytest.raises(InvalidContent) as blank:
        services.clinician_grant(
            user=candidate, granted_by=root, **{**PROFILE, "published_name": "  "}
        )
    assert "published_name" in blank.value.errors
    candidate.is_active = False
    candidate.save()
    with pytest.raises(InvalidContent) as inactive:
        services.clinician_grant(user=candidate, granted_by=root, **PROFILE)
    assert "user" in inactive.value.errors
    assert nothing_written(candidate) and not ClinicianProfile.objects.exists()


def test_granting_twice_is_a_conflict(root, candidate):
    services.clinician_grant(user=candidate, granted_by=root, **PROFILE)
    with pytest.raises(AlreadyAClinician):
        services.clinician_grant(user=candidate, granted_by=root, **PROFILE)
    assert RoleChange.objects.count() == 1


def test_a_revoked_clinician_is_granted_again_on_the_same_profile(root, candidate):
    first = services.clinician_grant(user=candidate, granted_by=root, **PROFILE)
    services.clinician_revoke(user=candidate, revoked_by=root, reason="On leave.")
    again = services.clinician_grant(
        user=candidate, granted_by=root, **{**PROFILE, "credentials": "MBBS, FRCP"}
    )
    assert again.pk == first.pk and again.active and again.credentials == "MBBS, FRCP"
    assert list(RoleChange.objects.values_list("action", flat=True)) == [
        "granted",
        "revoked",
        "granted",
    ]


# --- clinician_revoke --------------------------------------------------------------------------


def test_a_superuser_revokes_the_clinician_role(root, submitted):
    doctor = factories.clinician_with_profile(username="doctor-leaving")
    profile = services.clinician_revoke(user=doctor, revoked_by=root, reason="Left.")
    assert not profile.active and CLINICAL_REVIEWERS not in roles_of(doctor)
    assert RoleChange.objects.get().action == "revoked"
    with pytest.raises(NotAClinician):
        services.ensure_can_decide(review=submitted, user=User.objects.get(pk=doctor.pk))


def test_revoking_needs_a_superuser_another_account_and_a_reason(root):
    doctor = factories.clinician_with_profile(username="doctor-staying")
    with pytest.raises(NotAllowed, match="Only a superuser"):
        services.clinician_revoke(
            user=doctor, revoked_by=factories.publishing_admin(), reason="No."
        )
    with pytest.raises(InvalidContent):
        services.clinician_revoke(user=doctor, revoked_by=root, reason=" ")
    root.groups.add(*doctor.groups.all())
    ClinicianProfile.objects.create(user=root, **{**PROFILE, "registration_number": "2"})
    with pytest.raises(OwnRole):
        services.clinician_revoke(user=root, revoked_by=root, reason="Stepping down.")
    assert ClinicianProfile.objects.filter(active=True).count() == 2
    assert not RoleChange.objects.exists()


def test_revoking_someone_who_is_not_a_clinician_is_a_conflict(root, candidate):
    with pytest.raises(NoClinicianRole):
        services.clinician_revoke(user=candidate, revoked_by=root, reason="Tidying up.")


# --- clinician_profile_update -----------------------------------------------------------------


def test_a_superuser_edits_what_readers_see_and_history_records_it(root):
    doctor = factories.clinician_with_profile(username="doctor")
    profile = ClinicianProfile.objects.get(user=doctor)
    services.clinician_profile_update(
        profile=profile, changed_by=root, changes={"credentials": "MBBS, FRCP"}
    )
    profile.refresh_from_db()
    assert profile.credentials == "MBBS, FRCP"
    latest = profile.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (root, "Edited credentials")


def test_profile_edits_are_a_superusers_never_on_their_own_profile_never_active(root):
    doctor = factories.clinician_with_profile(username="doctor")
    profile = ClinicianProfile.objects.get(user=doctor)
    with pytest.raises(NotAllowed):
        services.clinician_profile_update(
            profile=profile, changed_by=factories.publishing_admin(), changes={"credentials": "X"}
        )
    with pytest.raises(InvalidContent) as active:
        services.clinician_profile_update(
            profile=profile, changed_by=root, changes={"active": False}
        )
    assert "active" in active.value.errors
    own = ClinicianProfile.objects.create(user=root, **{**PROFILE, "registration_number": "2"})
    with pytest.raises(OwnRole):
        services.clinician_profile_update(
            profile=own, changed_by=root, changes={"credentials": "MD, PhD, FRCP"}
        )
    assert ClinicianProfile.objects.get(pk=profile.pk).credentials == "MBBS, MRCGP"
    assert ClinicianProfile.objects.get(pk=own.pk).credentials == "MBBS, MRCGP"


# --- staff_roles_set ---------------------------------------------------------------------------


def test_a_publishing_admin_gives_and_takes_the_other_roles(publisher, candidate):
    services.staff_roles_set(
        user=candidate, roles=[EDITORS, PUBLISHING_ADMINS], changed_by=publisher
    )
    assert roles_of(candidate) == {EDITORS, PUBLISHING_ADMINS}
    services.staff_roles_set(user=candidate, roles=[EDITORS], changed_by=publisher, note="Moved")
    assert roles_of(candidate) == {EDITORS}
    assert list(RoleChange.objects.values_list("role", "action", "note")) == [
        (EDITORS, "granted", ""),
        (PUBLISHING_ADMINS, "granted", ""),
        (PUBLISHING_ADMINS, "revoked", "Moved"),
    ]


def test_the_clinician_role_is_never_set_with_the_other_roles(root, publisher, candidate):
    for actor in (root, publisher):
        with pytest.raises(InvalidContent) as refused:
            services.staff_roles_set(user=candidate, roles=[CLINICAL_REVIEWERS], changed_by=actor)
        assert "granted by a superuser" in refused.value.describe()
    doctor = factories.clinician_with_profile(username="doctor")
    services.staff_roles_set(user=doctor, roles=[EDITORS], changed_by=root)
    assert roles_of(doctor) == {EDITORS, CLINICAL_REVIEWERS}, "the clinician role stays"


def test_no_publishing_admin_changes_its_own_roles_or_a_superusers(publisher, root):
    with pytest.raises(OwnRole):
        services.staff_roles_set(
            user=publisher, roles=[PUBLISHING_ADMINS, EDITORS], changed_by=publisher
        )
    with pytest.raises(NotAllowed, match="superuser"):
        services.staff_roles_set(user=root, roles=[EDITORS], changed_by=publisher)
    assert roles_of(publisher) == {PUBLISHING_ADMINS} and roles_of(root) == set()
    services.staff_roles_set(user=root, roles=[EDITORS], changed_by=root)
    assert roles_of(root) == {EDITORS}


@pytest.mark.parametrize(
    "make_actor",
    [factories.editor, factories.clinician_with_profile, factories.UserFactory],
    ids=["editor", "clinician", "no_role"],
)
def test_only_publishing_admins_and_superusers_change_roles(make_actor, candidate):
    with pytest.raises(NotAllowed):
        services.staff_roles_set(user=candidate, roles=[EDITORS], changed_by=make_actor())
    assert roles_of(candidate) == set() and not RoleChange.objects.exists()


# --- the audit trail ---------------------------------------------------------------------------


def test_role_changes_are_never_changed_or_deleted(root, candidate):
    services.clinician_grant(user=candidate, granted_by=root, **PROFILE)
    change = RoleChange.objects.get()
    with pytest.raises(ImmutableRecord):
        change.save()
    with pytest.raises(ImmutableRecord):
        change.delete()
    with pytest.raises(ImmutableRecord):
        RoleChange.objects.update(note="Rewritten.")
    with pytest.raises(ImmutableRecord):
        RoleChange.objects.all().delete()


def test_the_database_refuses_a_clinician_role_given_to_oneself(root):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleChange.objects.create(
            subject=root, actor=root, role=CLINICAL_REVIEWERS, action="granted", at=timezone.now()
        )


# --- manage.py grant_clinician -----------------------------------------------------------------


def grant_clinician(*args: str) -> str:
    output = StringIO()
    call_command("grant_clinician", *args, stdout=output)
    return output.getvalue()


PROFILE_OPTIONS = [
    "--published-name=Dr Amina Okafor",
    "--credentials=MBBS, MRCGP",
    "--profession=General practitioner",
    "--registering-body=General Medical Council",
    "--registration-number=7000001",
]


def test_the_first_clinician_of_a_fresh_install_is_granted_from_the_command_line(root, candidate):
    output = grant_clinician(
        "amina", "--granted-by=root", "--note=First clinician", *PROFILE_OPTIONS
    )
    assert "amina is now a clinician, published as Dr Amina Okafor, MBBS, MRCGP" in output
    change = RoleChange.objects.get()
    assert (change.actor, change.subject, change.note) == (root, candidate, "First clinician")


def test_the_command_applies_the_services_rules(root, publisher, candidate):
    with pytest.raises(CommandError, match="for their own account"):
        grant_clinician("root", "--granted-by=root", *PROFILE_OPTIONS)
    with pytest.raises(CommandError, match="Only a superuser"):
        grant_clinician("amina", "--granted-by=publisher", *PROFILE_OPTIONS)
    with pytest.raises(CommandError, match="No user has the username 'nobody'"):
        grant_clinician("nobody", "--granted-by=root", *PROFILE_OPTIONS)
    assert not ClinicianProfile.objects.exists() and not RoleChange.objects.exists()
