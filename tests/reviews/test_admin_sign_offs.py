"""Sign-off policies in the admin over HTTP: the review page's sign-offs panel, sign and assign
forms, the queue's filters, and the role, policy and holder admins, all through the services."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Publication
from reviews import services
from reviews.models import (
    RoleChange,
    SignOff,
    SignOffPolicy,
    SignOffRequest,
    SignOffRole,
    SignOffRoleHolder,
)
from tests import factories
from tests.clients import form_data, staff_client

pytestmark = pytest.mark.django_db

CHECK = "Doses checked against the BNF"


@pytest.fixture
def pharmacist_role(db):
    return factories.sign_off_role(
        "pharmacist",
        name="Pharmacist",
        meaning="I confirm the medicines information is accurate.",
        checklist=[CHECK],
    )


@pytest.fixture
def pharmacist(pharmacist_role):
    return factories.sign_off_reviewer(
        role=pharmacist_role, username="sam-patel", registering_body="GPhC"
    )


@pytest.fixture
def medicines_review(make_article, editor_user, pharmacist_role):
    lay = factories.sign_off_role("lay-reader", name="Lay reader")
    factories.sign_off_policy(
        name="Medicines", required=[pharmacist_role], optional=[lay], topic="medicines"
    )
    article = make_article(slug="ldn-doses", topics=["ldn", "medicines"])
    return services.review_submit(article=article, user=editor_user)


def page_of(review) -> str:
    return f"/admin/reviews/review/{review.pk}/change/"


def decide(client, review, **data):
    return client.post(f"/admin/reviews/review/{review.pk}/decide/", data, follow=True)


def row(html: str, role: str) -> str:
    start = html.index(f'<tr class="ldn-sign-off" data-role="{role}"')
    return html[start : html.index("</tr>", start)]


def test_the_panel_lists_every_request_and_offers_each_signer_only_their_role(
    medicines_review, doctor, pharmacist, editor_user
):
    html = staff_client(pharmacist).get(page_of(medicines_review)).content.decode()
    assert 'data-role="clinical" data-state="awaiting"' in html
    assert 'data-role="pharmacist" data-state="awaiting"' in html
    assert "invited (optional)" in row(html, "lay-reader")
    assert "Medicines" in row(html, "pharmacist")
    form = html[html.index('id="ldn-sign-pharmacist"') :]
    form = form[: form.index("</form>")]
    assert "I confirm the medicines information is accurate." in form
    assert f'name="checklist" value="{CHECK}" required' in form
    assert f'name="content_hash" value="{medicines_review.version.content_hash}"' in form
    assert 'id="ldn-approve-form"' not in html
    assert 'id="ldn-request-changes-form"' in html

    html = staff_client(doctor).get(page_of(medicines_review)).content.decode()
    assert 'id="ldn-approve-form"' in html and 'id="ldn-sign-pharmacist"' not in html
    html = staff_client(editor_user).get(page_of(medicines_review)).content.decode()
    assert 'class="ldn-sign-form"' not in html and 'id="ldn-why-not"' in html


def test_a_two_role_sign_off_in_the_admin_publishes_on_the_last_signature(
    medicines_review, doctor, pharmacist
):
    version = medicines_review.version
    response = decide(
        staff_client(doctor),
        medicines_review,
        action="approve",
        content_hash=version.content_hash,
        kind="full",
        note="Accurate.",
    )
    assert "still to sign pharmacist" in response.content.decode()
    assert not Publication.objects.exists()

    client = staff_client(pharmacist)
    unchecked = decide(
        client,
        medicines_review,
        action="sign",
        role="pharmacist",
        content_hash=version.content_hash,
    )
    assert "Confirm every statement of the checklist" in unchecked.content.decode()
    assert not Publication.objects.exists()
    html = client.get(page_of(medicines_review)).content.decode()
    assert 'data-role="clinical" data-state="signed"' in html
    assert "Dr Doctor" in row(html, "clinical") and "full clinical review" in row(html, "clinical")
    preview = html[html.index('id="ldn-preview-sign-offs"') :]
    assert "Clinical reviewer: Dr Doctor" in preview and "Pharmacist: (pharmacist)" in preview

    signed = decide(
        client,
        medicines_review,
        action="sign",
        role="pharmacist",
        content_hash=version.content_hash,
        checklist=[CHECK],
    )
    assert "Signed as pharmacist. Approved and published." in signed.content.decode()
    payload = json.loads(bytes(Publication.objects.get().payload))
    assert [item["role"] for item in payload["medical_review"]["sign_offs"]] == [
        "clinical",
        "pharmacist",
    ]
    html = client.get(page_of(medicines_review)).content.decode()
    pharmacist_row = row(html, "pharmacist")
    assert "<strong>Sam Patel</strong>, MPharm" in pharmacist_row
    assert f"☑ {CHECK}" in pharmacist_row
    assert "I confirm the medicines information is accurate." in pharmacist_row
    assert 'class="ldn-sign-form"' not in html


def test_a_stale_hash_is_refused_for_a_non_clinical_sign_off(medicines_review, pharmacist):
    response = decide(
        staff_client(pharmacist),
        medicines_review,
        action="sign",
        role="pharmacist",
        content_hash="0" * 64,
        checklist=[CHECK],
    )
    assert "content hash you signed is not the one" in response.content.decode()
    assert not SignOff.objects.exists()


def test_a_signer_of_any_role_may_request_changes_or_reject(medicines_review, pharmacist):
    decide(staff_client(pharmacist), medicines_review, action="reject", note="Dose is wrong.")
    medicines_review.refresh_from_db()
    assert (medicines_review.state, medicines_review.reviewer) == ("rejected", pharmacist)


def test_a_pharmacist_cannot_sign_the_clinical_role(medicines_review, pharmacist):
    response = decide(
        staff_client(pharmacist),
        medicines_review,
        action="approve",
        content_hash=medicines_review.version.content_hash,
        kind="full",
    )
    assert "Only an active clinician" in response.content.decode()
    assert not SignOff.objects.exists()


def test_assigning_a_sign_off_with_a_due_date_and_the_queue_filters(
    medicines_review, pharmacist, publisher, make_article, editor_user
):
    other = services.review_submit(article=make_article(slug="sleep"), user=editor_user)
    client = staff_client(publisher)
    html = client.get(page_of(medicines_review)).content.decode()
    assert 'id="ldn-assign-pharmacist"' in html
    assert f'<option value="{pharmacist.pk}">Sam Patel (sam-patel)</option>' in html
    due = timezone.localdate() + timedelta(days=3)
    response = decide(
        client,
        medicines_review,
        action="assign",
        role="pharmacist",
        assignee=str(pharmacist.pk),
        due_on=due.isoformat(),
    )
    assert "The pharmacist sign-off is assigned to sam-patel." in response.content.decode()
    request = SignOffRequest.objects.get(review=medicines_review, role__code="pharmacist")
    assert (request.assignee, request.due_on) == (pharmacist, due)
    assert request.history.latest().history_user == publisher

    mine = staff_client(pharmacist).get("/admin/reviews/review/?state__exact=submitted&assigned=me")
    assert page_of(medicines_review) in mine.content.decode()
    assert page_of(other) not in mine.content.decode()
    queue = client.get("/admin/reviews/review/?state__exact=submitted").content.decode()
    assert 'data-role="pharmacist">Pharmacist → sam-patel (due' in queue

    SignOffRequest.objects.filter(pk=request.pk).update(due_on=timezone.localdate() - timedelta(1))
    late = client.get("/admin/reviews/review/?state__exact=submitted&sign_off_overdue=yes")
    assert page_of(medicines_review) in late.content.decode()
    assert page_of(other) not in late.content.decode()
    assert "ldn-outstanding ldn-overdue" in late.content.decode()
    html = client.get(page_of(medicines_review)).content.decode()
    assert "(overdue)" in row(html, "pharmacist")

    services.signoff_record(
        review=medicines_review,
        signer=pharmacist,
        role_code="pharmacist",
        content_hash=medicines_review.version.content_hash,
        checklist=[CHECK],
    )
    # Signed: no longer the pharmacist's to do, nor overdue.
    done = staff_client(pharmacist).get("/admin/reviews/review/?state__exact=submitted&assigned=me")
    assert page_of(medicines_review) not in done.content.decode()
    late = client.get("/admin/reviews/review/?state__exact=submitted&sign_off_overdue=yes")
    assert page_of(medicines_review) not in late.content.decode()


def test_an_assignment_the_service_refuses_is_a_message(medicines_review, publisher, doctor):
    response = decide(
        staff_client(publisher),
        medicines_review,
        action="assign",
        role="pharmacist",
        assignee=str(doctor.pk),
        due_on="",
    )
    assert "may not sign the pharmacist role" in response.content.decode()
    assert SignOffRequest.objects.get(role__code="pharmacist").assignee is None
    forged = decide(
        staff_client(publisher), medicines_review, action="assign", role="pharmacist", assignee="x"
    )
    assert "not a person" in forged.content.decode()


def test_a_sign_off_reviewer_sees_no_assign_form(medicines_review, pharmacist):
    html = staff_client(pharmacist).get(page_of(medicines_review)).content.decode()
    assert "ldn-assign-form" not in html
    decide(
        staff_client(pharmacist),
        medicines_review,
        action="assign",
        role="pharmacist",
        assignee=str(pharmacist.pk),
    )
    assert SignOffRequest.objects.get(role__code="pharmacist").assignee is None


# --- roles, policies and holders -----------------------------------------------------------------


def test_a_publishing_admin_creates_and_edits_a_role_with_a_checklist(publisher):
    client = staff_client(publisher)
    add = client.get("/admin/reviews/signoffrole/add/")
    client.post(
        "/admin/reviews/signoffrole/add/",
        form_data(
            add,
            code="plain-language",
            name="Plain-language editor",
            meaning="I confirm the reading age suits the audience.",
            checklist="Reading age checked\n\n  Jargon explained  ",
            resign_on_change="on",
        ),
    )
    role = SignOffRole.objects.get(code="plain-language")
    assert role.checklist == ["Reading age checked", "Jargon explained"]
    assert role.history.latest().history_user == publisher
    url = f"/admin/reviews/signoffrole/{role.pk}/change/"
    client.post(url, form_data(client.get(url), checklist="Reading age checked", active=""))
    role.refresh_from_db()
    assert (role.checklist, role.active) == (["Reading age checked"], False)


def test_the_clinical_role_keeps_its_code_and_stays_active(publisher):
    role = SignOffRole.objects.get(code="clinical")
    client = staff_client(publisher)
    url = f"/admin/reviews/signoffrole/{role.pk}/change/"
    page = client.get(url)
    assert "Every version needs this sign-off" in page.content.decode()
    forged = form_data(page, meaning="I checked it.", code="doctor", active="")
    response = client.post(url, forged, follow=True)
    assert response.status_code == 200
    role.refresh_from_db()
    assert (role.code, role.active, role.meaning) == ("clinical", True, "I checked it.")


def test_a_duplicate_role_code_is_a_message_not_an_error(publisher, pharmacist_role):
    client = staff_client(publisher)
    add = client.get("/admin/reviews/signoffrole/add/")
    response = client.post(
        "/admin/reviews/signoffrole/add/",
        form_data(add, code="pharmacist", name="Another", meaning="Means it."),
        follow=True,
    )
    assert response.status_code == 200
    assert SignOffRole.objects.filter(code="pharmacist").count() == 1


def test_a_publishing_admin_creates_a_policy_with_a_scope_and_roles(publisher, pharmacist_role):
    client = staff_client(publisher)
    add = client.get("/admin/reviews/signoffpolicy/add/")
    client.post(
        "/admin/reviews/signoffpolicy/add/",
        form_data(
            add,
            name="Medicines",
            topic="medicines",
            required_roles=[str(pharmacist_role.pk)],
            optional_roles=None,  # a browser posts nothing for no box ticked
        ),
    )
    policy = SignOffPolicy.objects.get(name="Medicines")
    assert (policy.topic, list(policy.required_roles.all()), policy.active) == (
        "medicines",
        [pharmacist_role],
        True,
    )
    url = f"/admin/reviews/signoffpolicy/{policy.pk}/change/"
    two_scopes = client.post(url, form_data(client.get(url), audience="clinician"), follow=True)
    assert "one topic, one audience or one article" in two_scopes.content.decode()
    policy.refresh_from_db()
    assert policy.audience == ""
    listed = client.get("/admin/reviews/signoffpolicy/").content.decode()
    assert "topic medicines" in listed


def test_editing_a_policy_keeps_its_inactive_roles(publisher, pharmacist_role):
    policy = factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="x")
    services.signoff_role_update(role=pharmacist_role, actor=publisher, changes={"active": False})
    client = staff_client(publisher)
    url = f"/admin/reviews/signoffpolicy/{policy.pk}/change/"
    client.post(url, form_data(client.get(url), description="Reworded only."))
    policy.refresh_from_db()
    assert policy.description == "Reworded only."
    assert list(policy.required_roles.all()) == [pharmacist_role], "reactivating brings it back"


def test_editors_read_policies_but_change_none(editor_user, pharmacist_role):
    policy = factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="x")
    client = staff_client(editor_user)
    assert client.get("/admin/reviews/signoffpolicy/").status_code == 200
    assert client.get("/admin/reviews/signoffpolicy/add/").status_code == 403
    url = f"/admin/reviews/signoffpolicy/{policy.pk}/change/"
    client.post(url, {"name": "Hijacked", "required_roles": [], "active": ""})
    assert SignOffPolicy.objects.filter(name="Medicines", active=True).exists()


def test_a_superuser_grants_and_a_publishing_admin_revokes_a_role_with_a_reason(
    root, publisher, pharmacist_role
):
    someone = factories.UserFactory(username="sam", is_staff=True)
    assert staff_client(publisher).get("/admin/reviews/signoffroleholder/add/").status_code == 403
    client = staff_client(root)
    role_page = client.get(f"/admin/reviews/signoffrole/{pharmacist_role.pk}/change/")
    assert f"/admin/reviews/signoffroleholder/add/?role={pharmacist_role.pk}" in (
        role_page.content.decode()
    )
    add = client.get(f"/admin/reviews/signoffroleholder/add/?role={pharmacist_role.pk}")
    roles_offered = add.context["adminform"].form.fields["role"].queryset
    assert "clinical" not in {role.code for role in roles_offered}
    client.post(
        "/admin/reviews/signoffroleholder/add/",
        form_data(
            add,
            user=str(someone.pk),
            published_name="Sam Patel",
            credentials="MPharm",
            note="GPhC register checked.",
        ),
    )
    holder = SignOffRoleHolder.objects.get(user=someone)
    assert (holder.role, holder.profession, holder.active) == (pharmacist_role, "Pharmacist", True)
    assert someone.groups.filter(name="sign-off-reviewers").exists()

    staff_client(publisher).post(
        "/admin/reviews/signoffroleholder/",
        {
            "action": "revoke_sign_off_role",
            "_selected_action": [str(holder.pk)],
            "reason": "Left.",
            "confirm": "yes",
        },
    )
    holder.refresh_from_db()
    assert not holder.active
    assert not someone.groups.filter(name="sign-off-reviewers").exists()
    assert [(change.action, change.note) for change in RoleChange.objects.order_by("at")] == [
        ("granted", "GPhC register checked."),
        ("revoked", "Left."),
    ]


def test_no_one_grants_a_sign_off_role_to_themselves(root, pharmacist_role):
    client = staff_client(root)
    add = client.get("/admin/reviews/signoffroleholder/add/")
    response = client.post(
        "/admin/reviews/signoffroleholder/add/",
        form_data(add, user=str(root.pk), role=str(pharmacist_role.pk), published_name="Me"),
        follow=True,
    )
    assert response.status_code == 200
    assert not SignOffRoleHolder.objects.exists()


def test_sign_offs_are_read_only_in_the_admin(medicines_review, doctor, pharmacist):
    services.review_approve(
        review=medicines_review,
        reviewer=doctor,
        content_hash=medicines_review.version.content_hash,
        kind="full",
    )
    sign_off = SignOff.objects.get()
    client = staff_client(pharmacist)
    assert client.get("/admin/reviews/signoff/").status_code == 200
    page = client.get(f"/admin/reviews/signoff/{sign_off.pk}/change/")
    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split('id="content-main"')[1]
    assert (
        client.post(f"/admin/reviews/signoff/{sign_off.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert SignOff.objects.count() == 1


def test_a_holders_page_is_read_only_and_a_forged_edit_changes_nothing(publisher, pharmacist):
    holder = SignOffRoleHolder.objects.get(user=pharmacist)
    client = staff_client(publisher)
    url = f"/admin/reviews/signoffroleholder/{holder.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page and "Sam Patel" in page
    client.post(url, {"published_name": "Forged", "credentials": "Forged"})
    holder.refresh_from_db()
    assert holder.published_name == "Sam Patel"
