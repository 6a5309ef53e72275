"""Managing sign-offs, called directly: roles, policies, holders and assignments, who may
manage them, and what history and the role audit trail record."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from ldncontent.exceptions import InvalidContent, NotAllowed
from ldncontent.permissions import SIGN_OFF_REVIEWERS
from reviews import services
from reviews.exceptions import (
    AlreadyHoldsRole,
    AlreadySigned,
    ClinicalRoleFixed,
    InvalidTransition,
    NoSignOffRole,
    NotRequested,
    OwnRole,
    RoleInUse,
    SignOffPolicyTaken,
    SignOffRoleTaken,
)
from reviews.models import (
    RoleChange,
    SignOffPolicy,
    SignOffRequest,
    SignOffRole,
    SignOffRoleHolder,
)
from tests import factories

pytestmark = pytest.mark.django_db

HOLDER = {
    "published_name": "Sam Patel",
    "credentials": "MPharm",
    "profession": "Pharmacist",
    "registering_body": "GPhC",
    "registration_number": "2070000",
    "note": "Joined the medicines team.",
}


@pytest.fixture
def pharmacist_role(publisher):
    return services.signoff_role_create(
        actor=publisher,
        code="pharmacist",
        name="Pharmacist",
        meaning="I confirm the medicines information is accurate.",
        checklist=["Doses checked against the BNF"],
        resign_on_change=False,
    )


@pytest.fixture
def candidate(db):
    return factories.UserFactory(username="sam")


def clinical_role() -> SignOffRole:
    return SignOffRole.objects.get(code="clinical")


def roles_of(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


# --- roles ---------------------------------------------------------------------------------------


def test_a_publishing_admin_creates_a_role_and_history_says_who(pharmacist_role, publisher):
    assert (pharmacist_role.code, pharmacist_role.resign_on_change) == ("pharmacist", False)
    record = pharmacist_role.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        publisher,
        "Sign-off role created",
    )


def test_a_superuser_creates_roles_too(root):
    role = services.signoff_role_create(actor=root, code="lay-reader", name="Lay", meaning="Read.")
    assert role.checklist == [] and role.resign_on_change


@pytest.mark.parametrize(
    "make_actor",
    [factories.editor, factories.clinician_with_profile],
    ids=["editor", "clinician"],
)
def test_only_publishing_admins_create_roles(make_actor):
    with pytest.raises(NotAllowed):
        services.signoff_role_create(actor=make_actor(), code="x", name="X", meaning="X.")
    assert not SignOffRole.objects.filter(code="x").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "Pharmacist"}, "code"),
        ({"code": "a" * 41}, "code"),
        ({"name": "  "}, "name"),
        ({"meaning": ""}, "meaning"),
        ({"name": "x" * 101}, "name"),
        ({"checklist": ["Checked", "Checked"]}, "checklist"),
        ({"checklist": [" "]}, "checklist"),
        ({"checklist": "Checked"}, "checklist"),
        ({"checklist": ["x" * 301]}, "checklist"),
    ],
)
def test_a_role_is_refused_with_the_field_to_fix(publisher, fields, field):
    values = {"code": "dietitian", "name": "Dietitian", "meaning": "I confirm the diet advice."}
    with pytest.raises(InvalidContent) as refused:
        services.signoff_role_create(actor=publisher, **(values | fields))
    assert field in refused.value.errors
    assert not SignOffRole.objects.exclude(code="clinical").exists()


def test_a_role_code_is_unique(pharmacist_role, publisher):
    with pytest.raises(SignOffRoleTaken):
        services.signoff_role_create(actor=publisher, code="pharmacist", name="P", meaning="P.")
    with pytest.raises(SignOffRoleTaken):
        services.signoff_role_create(actor=publisher, code="clinical", name="C", meaning="C.")
    other = services.signoff_role_create(actor=publisher, code="lay", name="Lay", meaning="L.")
    with pytest.raises(SignOffRoleTaken):
        services.signoff_role_update(role=other, actor=publisher, changes={"code": "pharmacist"})


def test_a_role_is_updated_and_history_records_the_fields(pharmacist_role, publisher):
    role = services.signoff_role_update(
        role=pharmacist_role,
        actor=publisher,
        changes={"name": "Medicines pharmacist", "resign_on_change": True, "meaning": " Same. "},
    )
    role.refresh_from_db()
    assert (role.name, role.resign_on_change, role.meaning) == (
        "Medicines pharmacist",
        True,
        "Same.",
    )
    record = role.history.latest()
    assert record.history_change_reason == "Edited meaning, name, resign_on_change"
    count = role.history.count()
    services.signoff_role_update(
        role=role, actor=publisher, changes={"name": "Medicines pharmacist"}
    )
    assert role.history.count() == count


def test_the_clinical_role_is_reworded_but_never_renamed_deactivated_or_spared_changes(
    publisher,
):
    for changes in ({"code": "doctor"}, {"active": False}, {"resign_on_change": False}):
        with pytest.raises(ClinicalRoleFixed):
            services.signoff_role_update(role=clinical_role(), actor=publisher, changes=changes)
    services.signoff_role_update(
        role=clinical_role(),
        actor=publisher,
        changes={"checklist": ["Dosing checked"], "name": "Clinician"},
    )
    role = clinical_role()
    assert (role.code, role.active, role.resign_on_change) == ("clinical", True, True)
    assert (role.name, role.checklist) == ("Clinician", ["Dosing checked"])


def test_a_role_update_refuses_unknown_fields_and_other_roles(pharmacist_role, publisher):
    with pytest.raises(InvalidContent) as unknown:
        services.signoff_role_update(role=pharmacist_role, actor=publisher, changes={"id": 9})
    assert "id" in unknown.value.errors
    with pytest.raises(NotAllowed):
        services.signoff_role_update(
            role=pharmacist_role, actor=factories.editor(), changes={"name": "X"}
        )
    pharmacist_role.refresh_from_db()
    assert pharmacist_role.name == "Pharmacist"


def test_a_role_open_reviews_need_stays_active_and_a_used_code_never_changes(
    pharmacist_role, publisher, doctor, make_article, editor_user
):
    factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="ldn")
    review = services.review_submit(article=make_article(slug="ldn-doses"), user=editor_user)
    with pytest.raises(RoleInUse) as in_use:
        services.signoff_role_update(
            role=pharmacist_role, actor=publisher, changes={"active": False}
        )
    assert "ldn-doses v1" in in_use.value.describe()
    # Past signatures and served pages name the role by its code.
    with pytest.raises(RoleInUse):
        services.signoff_role_update(role=pharmacist_role, actor=publisher, changes={"code": "rx"})
    pharmacist_role.refresh_from_db()
    assert (pharmacist_role.code, pharmacist_role.active) == ("pharmacist", True)
    services.review_reject(review=review, reviewer=doctor, note="Start again.")
    services.signoff_role_update(role=pharmacist_role, actor=publisher, changes={"active": False})
    services.signoff_role_update(
        role=pharmacist_role, actor=publisher, changes={"name": "Medicines pharmacist"}
    )


# --- policies ------------------------------------------------------------------------------------


def test_a_publishing_admin_creates_a_topic_policy(pharmacist_role, publisher):
    lay = services.signoff_role_create(actor=publisher, code="lay", name="Lay", meaning="L.")
    policy = services.signoff_policy_create(
        actor=publisher,
        name="Medicines",
        topic="medicines",
        required_roles=[pharmacist_role],
        optional_roles=[lay],
    )
    assert policy.scope == "topic medicines"
    assert list(policy.required_roles.all()) == [pharmacist_role]
    assert list(policy.optional_roles.all()) == [lay]
    record = policy.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        publisher,
        "Sign-off policy created",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"topic": "Medicines"}, "topic"),
        ({"topic": "a" * 51}, "topic"),
        ({"audience": "teenagers"}, "audience"),
        ({"topic": "medicines", "audience": "patient"}, "scope"),
        ({"name": " "}, "name"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_a_policy_is_refused_with_the_field_to_fix(publisher, pharmacist_role, fields, field):
    with pytest.raises(InvalidContent) as refused:
        services.signoff_policy_create(
            actor=publisher, **({"name": "Medicines", "required_roles": [pharmacist_role]} | fields)
        )
    assert field in refused.value.errors
    assert not SignOffPolicy.objects.filter(name="Medicines").exists()


def test_a_policy_covers_one_scope_at_most(publisher, article, pharmacist_role):
    with pytest.raises(InvalidContent) as refused:
        services.signoff_policy_create(
            actor=publisher, name="Odd", topic="medicines", article=article
        )
    assert "topic and article" in refused.value.errors["scope"][0]
    policy = services.signoff_policy_create(actor=publisher, name="This one", article=article)
    with pytest.raises(InvalidContent):
        services.signoff_policy_update(
            policy=policy, actor=publisher, changes={"audience": "patient"}
        )
    services.signoff_policy_update(
        policy=policy, actor=publisher, changes={"audience": "patient", "article": None}
    )
    policy.refresh_from_db()
    assert policy.scope == "audience patient"


def test_a_role_is_required_or_optional_never_both(publisher, pharmacist_role):
    with pytest.raises(InvalidContent) as both:
        services.signoff_policy_create(
            actor=publisher,
            name="Both",
            required_roles=[pharmacist_role],
            optional_roles=[pharmacist_role],
        )
    assert "pharmacist" in both.value.errors["optional_roles"][0]
    with pytest.raises(InvalidContent):
        services.signoff_policy_create(
            actor=publisher, name="Opt", optional_roles=[clinical_role()]
        )
    policy = services.signoff_policy_create(
        actor=publisher, name="All", optional_roles=[pharmacist_role]
    )
    with pytest.raises(InvalidContent):
        services.signoff_policy_update(
            policy=policy, actor=publisher, changes={"required_roles": [pharmacist_role]}
        )
    services.signoff_policy_update(
        policy=policy,
        actor=publisher,
        changes={"required_roles": [pharmacist_role], "optional_roles": []},
    )
    assert list(policy.required_roles.all()) == [pharmacist_role]
    assert not policy.optional_roles.exists()
    assert policy.history.latest().history_change_reason == "Edited optional_roles, required_roles"


def test_policy_names_are_unique_and_only_publishing_admins_manage_policies(publisher):
    services.signoff_policy_create(actor=publisher, name="All articles")
    with pytest.raises(SignOffPolicyTaken):
        services.signoff_policy_create(actor=publisher, name="All articles")
    policy = services.signoff_policy_create(actor=publisher, name="Carers", audience="caregiver")
    with pytest.raises(SignOffPolicyTaken):
        services.signoff_policy_update(
            policy=policy, actor=publisher, changes={"name": "All articles"}
        )
    with pytest.raises(NotAllowed):
        services.signoff_policy_update(
            policy=policy, actor=factories.editor(), changes={"active": False}
        )
    with pytest.raises(NotAllowed):
        services.signoff_policy_create(actor=factories.clinician_with_profile(), name="Mine")
    policy.refresh_from_db()
    assert policy.active and SignOffPolicy.objects.count() == 3  # with the migration's one


def test_a_policy_update_changes_what_the_next_submission_needs(
    publisher, pharmacist_role, make_article, editor_user
):
    policy = services.signoff_policy_create(
        actor=publisher, name="Medicines", topic="medicines", required_roles=[pharmacist_role]
    )
    first = services.review_submit(
        article=make_article(slug="a", topics=["medicines"]), user=editor_user
    )
    services.signoff_policy_update(policy=policy, actor=publisher, changes={"active": False})
    second = services.review_submit(
        article=make_article(slug="b", topics=["medicines"]), user=editor_user
    )
    assert {r.role.code for r in first.sign_off_requests.all()} == {"clinical", "pharmacist"}
    assert {r.role.code for r in second.sign_off_requests.all()} == {"clinical"}


# --- holders -------------------------------------------------------------------------------------


def test_granting_a_role_makes_a_sign_off_reviewer_and_records_it(pharmacist_role, root, candidate):
    holder = services.signoff_role_grant(
        user=candidate, role=pharmacist_role, granted_by=root, **HOLDER
    )
    assert (holder.published_name, holder.registering_body, holder.active) == (
        "Sam Patel",
        "GPhC",
        True,
    )
    assert SIGN_OFF_REVIEWERS in roles_of(candidate)
    change = RoleChange.objects.get()
    assert (change.subject, change.actor, change.role, change.sign_off_role, change.action) == (
        candidate,
        root,
        SIGN_OFF_REVIEWERS,
        pharmacist_role,
        "granted",
    )
    assert change.note == "Joined the medicines team."
    record = holder.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        root,
        "Pharmacist role granted",
    )
    assert services.signer_for(user=User.objects.get(pk=candidate.pk), role=pharmacist_role)


def test_revoking_the_last_role_leaves_sign_off_reviewers(
    pharmacist_role, publisher, root, candidate
):
    lay = services.signoff_role_create(actor=publisher, code="lay", name="Lay", meaning="L.")
    for role in (pharmacist_role, lay):
        services.signoff_role_grant(user=candidate, role=role, granted_by=root, **HOLDER)
    services.signoff_role_revoke(
        user=candidate, role=pharmacist_role, revoked_by=publisher, reason="Moved on."
    )
    assert SIGN_OFF_REVIEWERS in roles_of(candidate)
    holder = services.signoff_role_revoke(
        user=candidate, role=lay, revoked_by=publisher, reason="Left."
    )
    assert not holder.active and SIGN_OFF_REVIEWERS not in roles_of(candidate)
    assert list(RoleChange.objects.values_list("action", "sign_off_role__code", "note")) == [
        ("granted", "pharmacist", HOLDER["note"]),
        ("granted", "lay", HOLDER["note"]),
        ("revoked", "pharmacist", "Moved on."),
        ("revoked", "lay", "Left."),
    ]
    assert holder.history.latest().history_change_reason == "Lay role revoked"
    with pytest.raises(NoSignOffRole):
        services.signoff_role_revoke(user=candidate, role=lay, revoked_by=publisher, reason="x")
    again = services.signoff_role_grant(
        user=candidate, role=lay, granted_by=root, **HOLDER | {"credentials": "BSc"}
    )
    assert again.pk == holder.pk and again.active and again.credentials == "BSc"


def test_grant_and_revoke_refusals(pharmacist_role, publisher, candidate, root):
    with pytest.raises(OwnRole):
        services.signoff_role_grant(user=root, role=pharmacist_role, granted_by=root, **HOLDER)
    # A publishing admin creates accounts and sets their passwords: were they to grant roles,
    # they could sign through an account of their own making.
    for not_a_superuser in (publisher, factories.editor()):
        with pytest.raises(NotAllowed, match="Only a superuser grants"):
            services.signoff_role_grant(
                user=candidate, role=pharmacist_role, granted_by=not_a_superuser, **HOLDER
            )
    with pytest.raises(ClinicalRoleFixed):
        services.signoff_role_grant(user=candidate, role=clinical_role(), granted_by=root, **HOLDER)
    with pytest.raises(InvalidContent) as blank:
        services.signoff_role_grant(
            user=candidate,
            role=pharmacist_role,
            granted_by=root,
            **HOLDER | {"published_name": " "},
        )
    assert "published_name" in blank.value.errors
    assert not SignOffRoleHolder.objects.exists() and not RoleChange.objects.exists()
    services.signoff_role_grant(user=candidate, role=pharmacist_role, granted_by=root, **HOLDER)
    with pytest.raises(AlreadyHoldsRole):
        services.signoff_role_grant(user=candidate, role=pharmacist_role, granted_by=root, **HOLDER)
    with pytest.raises(OwnRole, match="ask another publishing admin"):
        services.signoff_role_revoke(
            user=publisher, role=pharmacist_role, revoked_by=publisher, reason="Mine."
        )
    with pytest.raises(OwnRole, match="ask another superuser"):  # nobody else may
        services.signoff_role_revoke(user=root, role=pharmacist_role, revoked_by=root, reason="M.")
    with pytest.raises(InvalidContent) as no_reason:
        services.signoff_role_revoke(
            user=candidate, role=pharmacist_role, revoked_by=publisher, reason=" "
        )
    assert "reason" in no_reason.value.errors
    with pytest.raises(ClinicalRoleFixed):
        services.signoff_role_revoke(
            user=candidate, role=clinical_role(), revoked_by=root, reason="No."
        )
    assert RoleChange.objects.count() == 1


def test_an_inactive_account_is_granted_nothing(pharmacist_role, root, candidate):
    candidate.is_active = False
    candidate.save()
    with pytest.raises(InvalidContent) as refused:
        services.signoff_role_grant(user=candidate, role=pharmacist_role, granted_by=root, **HOLDER)
    assert "user" in refused.value.errors


# --- assignment ----------------------------------------------------------------------------------


@pytest.fixture
def medicines_review(publisher, pharmacist_role, make_article, editor_user):
    services.signoff_policy_create(
        actor=publisher, name="Medicines", topic="medicines", required_roles=[pharmacist_role]
    )
    article = make_article(slug="ldn-doses", topics=["ldn", "medicines"])
    return services.review_submit(article=article, user=editor_user)


@pytest.fixture
def pharmacist(pharmacist_role):
    return factories.sign_off_reviewer(role=pharmacist_role, username="sam-patel")


def request_of(review, code: str) -> SignOffRequest:
    return SignOffRequest.objects.get(review=review, role__code=code)


@pytest.mark.parametrize(
    "make_actor",
    [factories.editor, factories.publishing_admin, factories.clinician_with_profile],
    ids=["editor", "publishing_admin", "clinician"],
)
def test_editors_admins_and_clinicians_assign_a_role_with_a_due_date(
    medicines_review, pharmacist, make_actor
):
    actor = make_actor()
    due = timezone.localdate() + timedelta(days=7)
    request = services.sign_off_request_assign(
        review=medicines_review,
        role_code="pharmacist",
        assignee=pharmacist,
        due_on=due,
        assigned_by=actor,
    )
    assert (request.assignee, request.due_on) == (pharmacist, due)
    record = request_of(medicines_review, "pharmacist").history.latest()
    assert record.history_user == actor
    assert record.history_change_reason == f"Assigned to sam-patel, due {due.isoformat()}"
    services.sign_off_request_assign(
        review=medicines_review,
        role_code="pharmacist",
        assignee=None,
        due_on=None,
        assigned_by=actor,
    )
    request = request_of(medicines_review, "pharmacist")
    assert (request.assignee, request.due_on) == (None, None)
    assert request.history.latest().history_change_reason == "Unassigned, no due date"


def test_sign_off_reviewers_and_staff_without_a_role_do_not_assign(medicines_review, pharmacist):
    for actor in (pharmacist, factories.UserFactory(is_staff=True)):
        with pytest.raises(NotAllowed):
            services.sign_off_request_assign(
                review=medicines_review,
                role_code="pharmacist",
                assignee=pharmacist,
                due_on=None,
                assigned_by=actor,
            )
    assert request_of(medicines_review, "pharmacist").assignee is None


def test_the_assignee_must_be_able_to_sign_and_not_have_written_the_version(
    medicines_review, pharmacist, doctor, publisher, make_article
):
    def refused(role_code, assignee, field="assignee", due_on=None, review=medicines_review):
        with pytest.raises(InvalidContent) as error:
            services.sign_off_request_assign(
                review=review,
                role_code=role_code,
                assignee=assignee,
                due_on=due_on,
                assigned_by=publisher,
            )
        return error.value.errors[field][0]

    assert "may not sign the pharmacist role" in refused("pharmacist", doctor)
    assert "may not sign the clinical reviewer role" in refused("clinical", pharmacist)
    yesterday = timezone.localdate() - timedelta(days=1)
    assert "today or a later date" in refused("clinical", doctor, "due_on", yesterday)
    writer = factories.clinician_with_profile(username="writer")
    writer.groups.add(factories.editor().groups.get())
    own = services.review_submit(article=make_article(slug="own", author=writer), user=writer)
    assert "submitted or edited this version" in refused("clinical", writer, review=own)
    assert not SignOffRequest.objects.filter(assignee__isnull=False).exists()


def test_assignment_needs_an_open_review_a_requested_unsigned_role(
    medicines_review, pharmacist, doctor, publisher
):
    with pytest.raises(NotRequested):
        services.sign_off_request_assign(
            review=medicines_review,
            role_code="lay",
            assignee=None,
            due_on=None,
            assigned_by=publisher,
        )
    services.signoff_record(
        review=medicines_review,
        signer=pharmacist,
        role_code="pharmacist",
        content_hash=medicines_review.version.content_hash,
        checklist=["Doses checked against the BNF"],
    )
    with pytest.raises(AlreadySigned):
        services.sign_off_request_assign(
            review=medicines_review,
            role_code="pharmacist",
            assignee=pharmacist,
            due_on=None,
            assigned_by=publisher,
        )
    services.review_reject(review=medicines_review, reviewer=doctor, note="Wrong doses.")
    with pytest.raises(InvalidTransition):
        services.sign_off_request_assign(
            review=medicines_review,
            role_code="clinical",
            assignee=doctor,
            due_on=None,
            assigned_by=publisher,
        )
    assert not SignOffRequest.objects.filter(assignee__isnull=False).exists()


def test_one_person_is_not_assigned_a_second_role_of_a_version(
    medicines_review, pharmacist_role, doctor, publisher
):
    SignOffRoleHolder.objects.create(role=pharmacist_role, user=doctor, published_name="Dr D")
    doctor.groups.add(factories.UserFactory(roles=[SIGN_OFF_REVIEWERS]).groups.get())
    services.review_approve(
        review=medicines_review,
        reviewer=doctor,
        content_hash=medicines_review.version.content_hash,
        kind="full",
    )
    with pytest.raises(InvalidContent) as refused:
        services.sign_off_request_assign(
            review=medicines_review,
            role_code="pharmacist",
            assignee=doctor,
            due_on=None,
            assigned_by=publisher,
        )
    assert "one role of a version" in refused.value.errors["assignee"][0]
