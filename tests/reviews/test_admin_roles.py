"""No role can raise itself through the admin: users, groups and clinician profiles over HTTP."""

import pytest
from django.contrib.auth.models import Group, User

from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, PUBLISHING_ADMINS
from reviews import services
from reviews.exceptions import NotAClinician
from reviews.models import ClinicianProfile, Review, RoleChange
from tests import factories
from tests.clients import form_data, staff_client

pytestmark = pytest.mark.django_db

PROFILE = {
    "published_name": "Dr Self Made",
    "credentials": "MD",
    "profession": "General practitioner",
    "registering_body": "GMC",
    "registration_number": "GMC-999999",
}


def user_url(user) -> str:
    return f"/admin/auth/user/{user.pk}/change/"


def group_ids(*names: str) -> list[str]:
    return [str(Group.objects.get_or_create(name=name)[0].pk) for name in names]


def test_a_publishing_admin_cannot_make_itself_superuser(publisher):
    client = staff_client(publisher)
    page = client.get(user_url(publisher))
    client.post(user_url(publisher), form_data(page, is_superuser="on"))
    publisher.refresh_from_db()
    assert not publisher.is_superuser


def test_a_publishing_admin_cannot_add_itself_to_the_clinical_reviewers(publisher):
    client = staff_client(publisher)
    page = client.get(user_url(publisher))
    client.post(
        user_url(publisher),
        form_data(page, groups=group_ids(PUBLISHING_ADMINS, CLINICAL_REVIEWERS)),
    )
    assert not publisher.groups.filter(name=CLINICAL_REVIEWERS).exists()


def test_a_publishing_admin_cannot_create_its_own_clinician_profile_and_approve(
    publisher, submitted
):
    client = staff_client(publisher)
    page = client.get(user_url(publisher))
    client.post(
        user_url(publisher),
        form_data(page, groups=group_ids(PUBLISHING_ADMINS, CLINICAL_REVIEWERS)),
    )
    client.post(
        "/admin/reviews/clinicianprofile/add/", {"user": publisher.pk, "active": "on", **PROFILE}
    )
    client.post(
        f"/admin/reviews/review/{submitted.pk}/decide/",
        {"action": "approve", "content_hash": submitted.version.content_hash, "kind": "full"},
    )
    assert not ClinicianProfile.objects.filter(user=publisher).exists()
    assert Review.objects.get(pk=submitted.pk).state == "submitted"


def test_a_publishing_admin_cannot_set_another_users_password(publisher):
    other = factories.editor(username="someone-else")
    client = staff_client(publisher)
    client.post(
        f"/admin/auth/user/{other.pk}/password/",
        {"password1": "taken-over-9281", "password2": "taken-over-9281", "usable_password": "true"},
    )
    other.refresh_from_db()
    assert not other.check_password("taken-over-9281")
    assert other.check_password("a-long-test-password")


def test_a_publishing_admin_cannot_grant_clinician_power_to_someone_else(publisher):
    other = factories.editor(username="someone-else")
    client = staff_client(publisher)
    page = client.get(user_url(other))
    client.post(user_url(other), form_data(page, groups=group_ids(EDITORS, CLINICAL_REVIEWERS)))
    client.post("/admin/reviews/clinicianprofile/add/", {"user": other.pk, **PROFILE})
    assert not other.groups.filter(name=CLINICAL_REVIEWERS).exists()
    assert not ClinicianProfile.objects.filter(user=other).exists()


def test_not_even_a_superuser_removes_the_clinician_role_through_the_user_form():
    doctor = factories.clinician_with_profile(username="doctor")
    superuser = User.objects.create_superuser("root", "root@example.org", "a-long-password")
    client = staff_client(superuser)
    page = client.get(user_url(doctor))
    client.post(user_url(doctor), form_data(page, groups=group_ids(EDITORS)))
    assert doctor.groups.filter(name=CLINICAL_REVIEWERS).exists()


# --- what each role may still do -------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "a-long-password")


def test_a_publishing_admin_gives_another_person_a_role_and_it_is_recorded(publisher):
    other = factories.UserFactory(username="new-editor")
    client = staff_client(publisher)
    page = client.get(user_url(other))
    html = page.content.decode()
    assert 'name="roles"' in html and 'value="clinical-reviewers"' not in html
    assert "is_superuser" not in html and "user_permissions" not in html
    assert f"/admin/auth/user/{other.pk}/password/" not in html
    response = client.post(user_url(other), form_data(page, roles=[EDITORS]))
    assert response.status_code == 302, response.content[:500]
    assert set(other.groups.values_list("name", flat=True)) == {EDITORS}
    change = RoleChange.objects.get()
    assert (change.subject, change.actor, change.role, change.action) == (
        other,
        publisher,
        EDITORS,
        "granted",
    )


def test_a_publishing_admin_creates_a_staff_account(publisher):
    client = staff_client(publisher)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "new-person",
            "usable_password": "true",
            "password1": "a-long-start-password-81",
            "password2": "a-long-start-password-81",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert User.objects.filter(username="new-person", is_superuser=False).exists()


def test_a_publishing_admins_own_page_shows_its_roles_read_only(publisher):
    client = staff_client(publisher)
    html = client.get(user_url(publisher)).content.decode()
    assert 'name="roles"' not in html
    assert 'name="is_staff"' not in html and 'name="is_active"' not in html
    assert PUBLISHING_ADMINS in html
    page = client.get(user_url(publisher))
    client.post(user_url(publisher), form_data(page, roles=[EDITORS, PUBLISHING_ADMINS]))
    assert set(publisher.groups.values_list("name", flat=True)) == {PUBLISHING_ADMINS}
    assert not RoleChange.objects.exists()


def test_a_publishing_admin_saves_its_own_name_and_email(publisher):
    client = staff_client(publisher)
    page = client.get(user_url(publisher))
    response = client.post(
        user_url(publisher), form_data(page, first_name="Pat", email="pat@example.org")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    publisher.refresh_from_db()
    assert (publisher.first_name, publisher.email) == ("Pat", "pat@example.org")
    assert set(publisher.groups.values_list("name", flat=True)) == {PUBLISHING_ADMINS}
    assert not RoleChange.objects.exists()


def test_a_publishing_admin_changes_its_own_password_with_the_old_one(publisher):
    response = staff_client(publisher).get(f"/admin/auth/user/{publisher.pk}/password/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_change/"


def test_a_publishing_admin_cannot_change_a_superusers_account(publisher, superuser):
    client = staff_client(publisher)
    page = client.get(user_url(superuser))
    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode()
    response = client.post(user_url(superuser), {"username": "root", "email": "x@example.org"})
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "root@example.org"


def test_the_user_list_hides_the_superuser_filter_from_non_superusers(publisher, superuser):
    assert "is_superuser" not in staff_client(publisher).get("/admin/auth/user/").content.decode()
    assert "is_superuser" in staff_client(superuser).get("/admin/auth/user/").content.decode()


def test_a_superuser_still_makes_superusers_and_sets_passwords(superuser, publisher):
    client = staff_client(superuser)
    page = client.get(user_url(publisher))
    assert client.post(user_url(publisher), form_data(page, is_superuser="on")).status_code == 302
    publisher.refresh_from_db()
    assert publisher.is_superuser
    client.post(
        f"/admin/auth/user/{publisher.pk}/password/",
        {"password1": "reset-by-root-4411", "password2": "reset-by-root-4411"},
    )
    publisher.refresh_from_db()
    assert publisher.check_password("reset-by-root-4411")


@pytest.mark.parametrize("role", ["publisher", "superuser"])
def test_role_groups_cannot_be_renamed_deleted_or_repermissioned(role, publisher, superuser):
    client = staff_client({"publisher": publisher, "superuser": superuser}[role])
    group = Group.objects.get(name=EDITORS)
    url = f"/admin/auth/group/{group.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "renamed", "permissions": []}).status_code == 403
    assert client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 403
    group.refresh_from_db()
    assert group.name == EDITORS and group.permissions.exists()
    added = client.post("/admin/auth/group/add/", {"name": "helpers"})
    assert added.status_code == (302 if role == "superuser" else 403)


def grant_page_data(client, user, **changes):
    page = client.get("/admin/reviews/clinicianprofile/add/")
    return form_data(page, user=str(user.pk), note="GMC register checked.", **PROFILE, **changes)


def test_a_superuser_grants_the_clinician_role_and_the_clinician_approves(superuser, submitted):
    doctor = factories.UserFactory(username="new-doctor")
    client = staff_client(superuser)
    response = client.post("/admin/reviews/clinicianprofile/add/", grant_page_data(client, doctor))
    assert response.status_code == 302, response.content[:800]
    profile = ClinicianProfile.objects.get(user=doctor)
    assert profile.active and profile.history.latest().history_user == superuser
    assert doctor.groups.filter(name=CLINICAL_REVIEWERS).exists()
    change = RoleChange.objects.get()
    assert (change.actor, change.subject, change.action, change.note) == (
        superuser,
        doctor,
        "granted",
        "GMC register checked.",
    )
    staff_client(doctor).post(
        f"/admin/reviews/review/{submitted.pk}/decide/",
        {"action": "approve", "content_hash": submitted.version.content_hash, "kind": "full"},
    )
    assert Review.objects.get(pk=submitted.pk).state == "approved"


def test_a_superuser_cannot_grant_the_clinician_role_to_itself(superuser):
    client = staff_client(superuser)
    page = client.get("/admin/reviews/clinicianprofile/add/")
    assert f'value="{superuser.pk}"' not in page.content.decode()
    response = client.post(
        "/admin/reviews/clinicianprofile/add/",
        form_data(page, user=str(superuser.pk), **PROFILE),
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()
    assert not ClinicianProfile.objects.exists()
    assert not superuser.groups.exists()


def revoke(client, profile, reason: str):
    return client.post(
        "/admin/reviews/clinicianprofile/",
        {
            "action": "revoke_clinician_role",
            "_selected_action": [str(profile.pk)],
            "reason": reason,
            "confirm": "yes",
        },
        follow=True,
    )


def test_a_superuser_revokes_the_clinician_role_with_a_reason(superuser, submitted):
    doctor = factories.clinician_with_profile(username="leaving-doctor")
    profile = ClinicianProfile.objects.get(user=doctor)
    client = staff_client(superuser)
    asked = client.post(
        "/admin/reviews/clinicianprofile/",
        {"action": "revoke_clinician_role", "_selected_action": [str(profile.pk)]},
    )
    assert 'name="reason"' in asked.content.decode()
    assert "This field is required" in revoke(client, profile, "").content.decode()
    profile.refresh_from_db()
    assert profile.active
    revoke(client, profile, "Left the practice.")
    profile.refresh_from_db()
    assert not profile.active
    assert not doctor.groups.filter(name=CLINICAL_REVIEWERS).exists()
    assert RoleChange.objects.get().note == "Left the practice."
    with pytest.raises(NotAClinician):
        services.ensure_can_decide(review=submitted, user=User.objects.get(pk=doctor.pk))


def test_a_publishing_admin_reads_clinician_profiles_but_changes_nothing(publisher):
    doctor = factories.clinician_with_profile(username="a-doctor")
    profile = ClinicianProfile.objects.get(user=doctor)
    client = staff_client(publisher)
    url = f"/admin/reviews/clinicianprofile/{profile.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.get("/admin/reviews/clinicianprofile/add/").status_code == 403
    response = client.post(url, {**PROFILE, "published_name": "Dr Renamed"})
    assert response.status_code == 403
    record = profile.history.earliest()
    revert = f"/admin/reviews/clinicianprofile/{profile.pk}/history/{record.history_id}/"
    assert client.post(revert, {**PROFILE}).status_code == 403
    revoke(client, profile, "Forged.")
    profile.refresh_from_db()
    assert profile.active and profile.published_name == "Dr A-Doctor"


def test_a_superuser_edits_what_readers_see_of_a_clinician_and_history_records_it(superuser):
    doctor = factories.clinician_with_profile(username="a-doctor")
    profile = ClinicianProfile.objects.get(user=doctor)
    client = staff_client(superuser)
    url = f"/admin/reviews/clinicianprofile/{profile.pk}/change/"
    page = client.get(url)
    assert 'name="active"' not in page.content.decode()
    client.post(url, form_data(page, credentials="MBBS, MRCGP, FRCP", active=""))
    profile.refresh_from_db()
    assert profile.credentials == "MBBS, MRCGP, FRCP" and profile.active
    latest = profile.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (superuser, "Edited credentials")


def test_a_clinician_superuser_cannot_edit_its_own_profile(superuser):
    ClinicianProfile.objects.create(user=superuser, **PROFILE)
    profile = ClinicianProfile.objects.get(user=superuser)
    client = staff_client(superuser)
    response = client.post(
        f"/admin/reviews/clinicianprofile/{profile.pk}/change/",
        {**PROFILE, "credentials": "MD, PhD, FRCP"},
    )
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.credentials == "MD"


def test_a_superuser_grants_a_revoked_clinician_the_role_again(superuser):
    doctor = factories.clinician_with_profile(username="returning-doctor")
    profile = ClinicianProfile.objects.get(user=doctor)
    services.clinician_revoke(user=doctor, revoked_by=superuser, reason="On leave.")
    response = staff_client(superuser).post(
        "/admin/reviews/clinicianprofile/",
        {
            "action": "grant_clinician_role_again",
            "_selected_action": [str(profile.pk)],
            "reason": "Back from leave.",
            "confirm": "yes",
        },
        follow=True,
    )
    assert "1 clinician(s) may decide reviews again." in response.content.decode()
    profile.refresh_from_db()
    assert profile.active and doctor.groups.filter(name=CLINICAL_REVIEWERS).exists()
    assert RoleChange.objects.latest("at").note == "Back from leave."
