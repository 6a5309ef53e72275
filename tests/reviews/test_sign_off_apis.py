"""The sign-off API end to end: signing, assigning, the queue, roles, policies, holders,
requirements and who am I; every role's permission and every kind of bad input."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from articles.models import Publication
from ldncontent.permissions import SIGN_OFF_REVIEWERS
from reviews import selectors, services
from reviews.models import RoleChange, SignOff, SignOffPolicy, SignOffRole, SignOffRoleHolder
from tests import factories
from tests.clients import client_for

pytestmark = pytest.mark.django_db

CHECKLIST = ["Doses checked against the BNF"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()
    assert response.json()["detail"]
    return response.json()


@pytest.fixture
def pharmacist_role(db):
    return factories.sign_off_role(
        "pharmacist", name="Pharmacist", checklist=CHECKLIST, resign_on_change=False
    )


@pytest.fixture
def pharmacist(pharmacist_role):
    return factories.sign_off_reviewer(
        role=pharmacist_role, username="sam-patel", published_name="Sam Patel"
    )


@pytest.fixture
def pharmacist_client(pharmacist):
    return client_for(pharmacist)


@pytest.fixture
def medicines_review(make_article, editor_user, pharmacist_role):
    factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="medicines")
    article = make_article(slug="ldn-doses", topics=["ldn", "medicines"])
    return services.review_submit(article=article, user=editor_user)


def sign(client, review, role="pharmacist", **data):
    data.setdefault("content_hash", review.version.content_hash)
    if role == "pharmacist":
        data.setdefault("checklist", CHECKLIST)
    if role == "clinical":
        data.setdefault("kind", "full")
    return client.post(
        f"/api/v1/reviews/{review.pk}/sign-off/", {"role": role, **data}, format="json"
    )


def assign(client, review, role="pharmacist", **data):
    return client.post(
        f"/api/v1/reviews/{review.pk}/sign-off-requests/{role}/assign/", data, format="json"
    )


# --- signing -------------------------------------------------------------------------------------


def test_two_roles_sign_over_the_api_and_the_second_publishes(
    medicines_review, pharmacist_client, doctor_client
):
    signed = sign(pharmacist_client, medicines_review)
    assert signed.status_code == 200, signed.content
    body = signed.json()
    assert body["state"] == "submitted"
    assert {r["role"]: r["signed"] for r in body["sign_off_requests"]} == {
        "clinical": False,
        "pharmacist": True,
    }
    assert [(s["role"], s["signer_name"], s["checklist"]) for s in body["sign_offs"]] == [
        ("pharmacist", "Sam Patel", CHECKLIST)
    ]
    assert not Publication.objects.exists()

    approved = sign(doctor_client, medicines_review, role="clinical", note="Fine.")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert [s["role"] for s in approved.json()["sign_offs"]] == ["pharmacist", "clinical"]
    assert Publication.objects.get().version == medicines_review.version


def test_every_answer_lists_the_required_sign_offs_first(
    make_article, editor_client, pharmacist_role
):
    lay_reader = factories.sign_off_role("lay-reader", name="Lay reader")
    factories.sign_off_policy(
        name="Medicines", required=[pharmacist_role], optional=[lay_reader], topic="medicines"
    )
    make_article(slug="ldn-doses", topics=["ldn", "medicines"])

    submitted = editor_client.post("/api/v1/articles/ldn-doses/submit/", {}, format="json")
    assert submitted.status_code == 201, submitted.content
    review_id = submitted.json()["id"]
    shown = editor_client.get(f"/api/v1/reviews/{review_id}/").json()
    queued = editor_client.get("/api/v1/reviews/").json()["results"][0]

    expected = ["clinical", "pharmacist", "lay-reader"]
    for answer in (submitted.json(), shown, queued):
        assert [request["role"] for request in answer["sign_off_requests"]] == expected


def test_approve_is_the_clinical_sign_off_and_takes_the_checklist(
    medicines_review, doctor_client, pharmacist_client
):
    clinical = SignOffRole.objects.get(code="clinical")
    clinical.checklist = ["Contraindications listed"]
    clinical.save()
    url = f"/api/v1/reviews/{medicines_review.pk}/approve/"
    hash_ = medicines_review.version.content_hash
    refused = doctor_client.post(url, {"content_hash": hash_, "kind": "full"}, format="json")
    assert "checklist" in assert_error(refused, 400, "invalid")["errors"]
    response = doctor_client.post(
        url,
        {"content_hash": hash_, "kind": "full", "checklist": ["Contraindications listed"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"  # the pharmacist has yet to sign
    assert sign(pharmacist_client, medicines_review).json()["state"] == "approved"


def test_sign_off_refusals(medicines_review, pharmacist_client, doctor_client, editor_client):
    assert_error(sign(editor_client, medicines_review), 403, "not_a_signer")
    assert_error(sign(pharmacist_client, medicines_review, role="clinical"), 403, "not_a_clinician")
    assert_error(
        sign(pharmacist_client, medicines_review, content_hash="0" * 64),
        409,
        "content_hash_mismatch",
    )
    assert_error(sign(pharmacist_client, medicines_review, role="lay"), 409, "role_not_requested")
    refused = sign(pharmacist_client, medicines_review, checklist=[])
    assert "checklist" in assert_error(refused, 400, "invalid")["errors"]
    refused = sign(pharmacist_client, medicines_review, kind="full")
    assert "kind" in assert_error(refused, 400, "invalid")["errors"]
    refused = sign(doctor_client, medicines_review, role="clinical", kind="")
    assert "kind" in assert_error(refused, 400, "invalid")["errors"]
    missing = doctor_client.post("/api/v1/reviews/999/sign-off/", {}, format="json")
    assert_error(missing, 404, "not_found")
    assert not SignOff.objects.exists()
    assert sign(pharmacist_client, medicines_review).status_code == 200
    assert_error(sign(pharmacist_client, medicines_review), 409, "already_signed")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"role": 5, "content_hash": "x"},
        {"role": "pharmacist", "content_hash": ["x"]},
        {"role": "pharmacist", "content_hash": "x", "checklist": "Doses"},
        {"role": "pharmacist", "content_hash": "x", "checklist": [1]},
        {"role": "pharmacist", "content_hash": "x", "kind": "partial"},
        {"role": "pharmacist", "content_hash": "x", "next_review_due": "soon"},
        {"role": "pharmacist", "content_hash": "x", "signer": "someone"},
        {"role": "Not A Code", "content_hash": "x"},
        {"role": "pharmacist", "content_hash": "x", "checklist": ["x"] * 21},
    ],
)
def test_sign_off_refuses_bad_input(medicines_review, pharmacist_client, payload):
    response = pharmacist_client.post(
        f"/api/v1/reviews/{medicines_review.pk}/sign-off/", payload, format="json"
    )
    assert_error(response, 400, "invalid")
    assert not SignOff.objects.exists()


# --- bad bodies, for every write -----------------------------------------------------------------


@pytest.fixture
def write_urls(medicines_review, pharmacist):
    review = medicines_review.pk
    return [
        f"/api/v1/reviews/{review}/sign-off/",
        f"/api/v1/reviews/{review}/sign-off-requests/pharmacist/assign/",
        "/api/v1/sign-off-roles/",
        "/api/v1/sign-off-policies/",
        "/api/v1/sign-off-roles/pharmacist/holders/",
        "/api/v1/sign-off-roles/pharmacist/holders/sam-patel/revoke/",
    ]


def snapshot() -> tuple:
    return (
        SignOff.objects.count(),
        list(SignOffRole.objects.values_list("code", "name", "active")),
        list(SignOffPolicy.objects.values_list("name", "active")),
        list(SignOffRoleHolder.objects.values_list("user", "active")),
        RoleChange.objects.count(),
        list(medicines_request_assignments()),
    )


def medicines_request_assignments():
    from reviews.models import SignOffRequest

    return SignOffRequest.objects.values_list("assignee", "due_on")


def test_every_write_refuses_malformed_json_a_wrong_type_and_a_list(publisher_client, write_urls):
    before = snapshot()
    for url in write_urls:
        response = publisher_client.post(url, "{", content_type="application/json")
        assert_error(response, 400, "malformed_json")
        assert_error(publisher_client.post(url, [1, 2], format="json"), 400, "invalid")
        response = publisher_client.post(url, "a=b", content_type="text/plain")
        assert_error(response, 415, "unsupported_media_type")
    for url in ("/api/v1/sign-off-roles/pharmacist/", "/api/v1/sign-off-policies/1/"):
        response = publisher_client.patch(url, "{", content_type="application/json")
        assert_error(response, 400, "malformed_json")
    assert snapshot() == before


@override_settings(API_MAX_REQUEST_BYTES=1000)
def test_every_write_refuses_an_oversized_body(publisher_client, write_urls):
    before = snapshot()
    for url in write_urls:
        response = publisher_client.post(url, {"note": "x" * 2000}, format="json")
        assert_error(response, 413, "request_too_large")
    response = publisher_client.patch(
        "/api/v1/sign-off-roles/pharmacist/", {"meaning": "x" * 2000}, format="json"
    )
    assert_error(response, 413, "request_too_large")
    assert snapshot() == before


# --- assigning and the queue ---------------------------------------------------------------------


def test_an_editor_assigns_and_the_assignee_s_queue_shows_it(
    medicines_review, editor_client, pharmacist_client, doctor_client
):
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = assign(editor_client, medicines_review, assignee="sam-patel", due_on=due)
    assert response.status_code == 200, response.content
    request = next(r for r in response.json()["sign_off_requests"] if r["role"] == "pharmacist")
    assert (request["assignee"], request["due_on"], request["overdue"]) == ("sam-patel", due, False)

    def queue(client, query="?assigned=me"):
        return [item["id"] for item in client.get(f"/api/v1/reviews/{query}").json()["results"]]

    assert queue(pharmacist_client) == [medicines_review.pk]
    assert queue(doctor_client) == []
    sign(pharmacist_client, medicines_review)
    assert queue(pharmacist_client) == []  # signed: off the queue


def test_a_late_sign_off_is_overdue_and_filtered(
    medicines_review, make_article, editor_user, editor_client, pharmacist
):
    other = services.review_submit(article=make_article(slug="sleep"), user=editor_user)
    services.sign_off_request_assign(
        review=medicines_review,
        role_code="pharmacist",
        assignee=pharmacist,
        due_on=timezone.localdate(),
        assigned_by=editor_user,
    )
    request = medicines_review.sign_off_requests.get(role__code="pharmacist")
    # Time passes: the due date is now yesterday.
    type(request).objects.filter(pk=request.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    body = editor_client.get(f"/api/v1/reviews/{medicines_review.pk}/").json()
    flags = {r["role"]: r["overdue"] for r in body["sign_off_requests"]}
    assert flags == {"clinical": False, "pharmacist": True}

    def ids(query):
        response = editor_client.get(f"/api/v1/reviews/?{query}")
        return [review["id"] for review in response.json()["results"]]

    assert ids("sign_off_overdue=true") == [medicines_review.pk]
    assert ids("sign_off_overdue=false") == [other.pk]
    assert_error(editor_client.get("/api/v1/reviews/?sign_off_overdue=maybe"), 400, "invalid")


def test_a_late_invitation_holds_nothing_up(make_article, editor_user, editor_client):
    lay = factories.sign_off_role("lay-reader", name="Lay reader")
    reader = factories.sign_off_reviewer(role=lay, username="reader")
    factories.sign_off_policy(name="Readers", optional=[lay], topic="ldn")
    review = services.review_submit(article=make_article(slug="ldn-doses"), user=editor_user)
    request = review.sign_off_requests.get(role=lay)
    assert request.history.earliest().history_user == editor_user, "recorded at submission"
    services.sign_off_request_assign(
        review=review,
        role_code="lay-reader",
        assignee=reader,
        due_on=timezone.localdate(),
        assigned_by=editor_user,
    )
    type(request).objects.filter(pk=request.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    late = editor_client.get("/api/v1/reviews/?sign_off_overdue=true").json()["results"]
    assert late == [], "publication does not wait for an invited role"
    assert not selectors.sign_off_requests_overdue(today=timezone.localdate()).exists()
    assert [
        r["id"] for r in client_for(reader).get("/api/v1/reviews/?assigned=me").json()["results"]
    ] == [review.pk], "still in the reader's own queue"


def test_assignment_refusals(medicines_review, editor_client, doctor_client, pharmacist_client):
    refused = assign(editor_client, medicines_review, assignee="doctor")
    assert "assignee" in assert_error(refused, 400, "invalid")["errors"]
    refused = assign(editor_client, medicines_review, assignee="nobody-at-all")
    assert "assignee" in assert_error(refused, 400, "invalid")["errors"]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    refused = assign(editor_client, medicines_review, assignee=None, due_on=yesterday)
    assert "due_on" in assert_error(refused, 400, "invalid")["errors"]
    assert_error(assign(pharmacist_client, medicines_review, assignee=None), 403, "not_allowed")
    assert_error(
        assign(editor_client, medicines_review, "lay", assignee=None), 409, "role_not_requested"
    )
    for payload in (
        {},
        {"assignee": 3},
        {"assignee": None, "due_on": 5},
        {"assignee": None, "x": 1},
    ):
        assert_error(assign(editor_client, medicines_review, **payload), 400, "invalid")
    assert not medicines_review.sign_off_requests.filter(assignee__isnull=False).exists()
    assert assign(doctor_client, medicines_review, "clinical", assignee=None).status_code == 200


# --- roles ---------------------------------------------------------------------------------------


ROLE = {
    "code": "lay-reader",
    "name": "Lay reader",
    "meaning": "I read this as a patient would and found it clear.",
    "checklist": ["Read it all"],
    "resign_on_change": False,
}


def test_a_publishing_admin_manages_roles_and_every_staff_role_reads_them(
    publisher_client, editor_client, pharmacist_client
):
    created = publisher_client.post("/api/v1/sign-off-roles/", ROLE, format="json")
    assert created.status_code == 201, created.content
    assert created.json() == ROLE | {"active": True}
    listed = pharmacist_client.get("/api/v1/sign-off-roles/").json()
    assert [role["code"] for role in listed] == ["clinical", "lay-reader", "pharmacist"]
    changed = publisher_client.patch(
        "/api/v1/sign-off-roles/lay-reader/", {"active": False}, format="json"
    )
    assert changed.json()["active"] is False
    assert editor_client.get("/api/v1/sign-off-roles/lay-reader/").json()["active"] is False
    assert_error(
        editor_client.post("/api/v1/sign-off-roles/", ROLE | {"code": "x"}, format="json"),
        403,
        "not_allowed",
    )
    assert_error(
        editor_client.patch("/api/v1/sign-off-roles/lay-reader/", {"name": "X"}, format="json"),
        403,
        "not_allowed",
    )
    assert_error(
        publisher_client.post("/api/v1/sign-off-roles/", ROLE, format="json"),
        409,
        "sign_off_role_taken",
    )
    assert_error(
        publisher_client.patch(
            "/api/v1/sign-off-roles/clinical/", {"active": False}, format="json"
        ),
        409,
        "clinical_role_fixed",
    )
    assert_error(publisher_client.get("/api/v1/sign-off-roles/nope/"), 404, "not_found")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        ROLE | {"code": "Lay Reader"},
        ROLE | {"code": 7},
        ROLE | {"name": ""},
        ROLE | {"checklist": "Read it"},
        ROLE | {"checklist": ["a", "a"]},
        ROLE | {"resign_on_change": "no"},
        ROLE | {"active": True},
        ROLE | {"id": 3},
    ],
)
def test_role_create_refuses_bad_input(publisher_client, payload):
    response = publisher_client.post("/api/v1/sign-off-roles/", payload, format="json")
    assert_error(response, 400, "invalid")
    assert not SignOffRole.objects.filter(name="Lay reader").exists()


@pytest.mark.parametrize(
    "payload", [{}, {"active": "false"}, {"code": "clinical", "x": 1}, {"meaning": None}]
)
def test_role_update_refuses_bad_input(publisher_client, pharmacist_role, payload):
    response = publisher_client.patch("/api/v1/sign-off-roles/pharmacist/", payload, format="json")
    assert_error(response, 400, "invalid")
    pharmacist_role.refresh_from_db()
    assert pharmacist_role.active and pharmacist_role.code == "pharmacist"


# --- policies ------------------------------------------------------------------------------------


def test_a_publishing_admin_manages_policies(publisher_client, editor_client, pharmacist_role):
    lay = factories.sign_off_role("lay-reader", name="Lay reader")
    created = publisher_client.post(
        "/api/v1/sign-off-policies/",
        {
            "name": "Medicines",
            "topic": "medicines",
            "required_roles": ["pharmacist"],
            "optional_roles": ["lay-reader"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    policy = created.json()
    assert (policy["scope"], policy["required_roles"], policy["optional_roles"]) == (
        "topic medicines",
        ["pharmacist"],
        ["lay-reader"],
    )
    url = f"/api/v1/sign-off-policies/{policy['id']}/"
    changed = publisher_client.patch(
        url, {"required_roles": ["lay-reader", "pharmacist"], "optional_roles": []}, format="json"
    )
    assert changed.json()["required_roles"] == ["lay-reader", "pharmacist"]
    assert editor_client.get(url).json()["optional_roles"] == []
    names = [item["name"] for item in editor_client.get("/api/v1/sign-off-policies/").json()]
    assert names == ["Clinical sign-off", "Medicines"]
    assert_error(editor_client.patch(url, {"active": False}, format="json"), 403, "not_allowed")
    both = publisher_client.patch(url, {"optional_roles": ["pharmacist"]}, format="json")
    assert "optional_roles" in assert_error(both, 400, "invalid")["errors"]
    scope = publisher_client.patch(url, {"audience": "patient"}, format="json")
    assert "scope" in assert_error(scope, 400, "invalid")["errors"]
    assert_error(
        publisher_client.post("/api/v1/sign-off-policies/", {"name": "Medicines"}, format="json"),
        409,
        "sign_off_policy_taken",
    )
    assert_error(publisher_client.get("/api/v1/sign-off-policies/999/"), 404, "not_found")
    assert lay.requiring_policies.count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": "P", "topic": "Not a slug"},
        {"name": "P", "topic": 3},
        {"name": "P", "audience": "teenagers"},
        {"name": "P", "article": "no-such-article"},
        {"name": "P", "required_roles": ["no-such-role"]},
        {"name": "P", "required_roles": "pharmacist"},
        {"name": "P", "required_roles": [1]},
        {"name": "P", "active": False},
        {"name": "P", "scope": "all"},
    ],
)
def test_policy_create_refuses_bad_input(publisher_client, pharmacist_role, payload):
    response = publisher_client.post("/api/v1/sign-off-policies/", payload, format="json")
    assert_error(response, 400, "invalid")
    assert not SignOffPolicy.objects.filter(name="P").exists()


def test_a_policy_by_article_slug(publisher_client, article, pharmacist_role):
    response = publisher_client.post(
        "/api/v1/sign-off-policies/",
        {"name": "This one", "article": article.slug, "required_roles": ["pharmacist"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["article"], response.json()["scope"]) == (
        article.slug,
        f"article {article}",
    )


# --- holders -------------------------------------------------------------------------------------


GRANT = {"username": "new-pharmacist", "published_name": "Ngozi Obi", "registering_body": "GPhC"}


def test_a_superuser_grants_a_publishing_admin_revokes_and_me_shows_it(
    root_client, publisher_client, pharmacist_role
):
    newcomer = factories.UserFactory(username="new-pharmacist")
    url = "/api/v1/sign-off-roles/pharmacist/holders/"
    granted = root_client.post(url, GRANT | {"note": "Hired."}, format="json")
    assert granted.status_code == 201, granted.content
    assert granted.json()["username"] == "new-pharmacist" and granted.json()["active"]
    me = client_for(newcomer).get("/api/v1/auth/me/").json()
    assert me["roles"] == [SIGN_OFF_REVIEWERS]
    assert me["sign_off_roles"] == [
        {
            "role": "pharmacist",
            "role_name": "Pharmacist",
            "published_name": "Ngozi Obi",
            "credentials": "",
        }
    ]
    assert [h["username"] for h in publisher_client.get(url).json()] == ["new-pharmacist"]
    assert_error(root_client.post(url, GRANT, format="json"), 409, "already_holds_role")
    revoked = publisher_client.post(
        f"{url}new-pharmacist/revoke/", {"reason": "Left."}, format="json"
    )
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["active"] is False
    assert client_for(newcomer).get("/api/v1/auth/me/").json()["sign_off_roles"] == []
    assert_error(
        publisher_client.post(f"{url}new-pharmacist/revoke/", {"reason": "x"}, format="json"),
        409,
        "no_sign_off_role",
    )
    assert_error(
        publisher_client.post(f"{url}nobody/revoke/", {"reason": "x"}, format="json"),
        404,
        "not_found",
    )
    assert list(RoleChange.objects.values_list("action", flat=True)) == ["granted", "revoked"]


def test_grant_refusals(
    root_client, root, publisher_client, editor_client, pharmacist_role, doctor
):
    factories.UserFactory(username="new-pharmacist")
    url = "/api/v1/sign-off-roles/pharmacist/holders/"
    assert_error(editor_client.post(url, GRANT, format="json"), 403, "not_allowed")
    # Publishing admins create accounts: they do not also give them signing authority.
    refused = assert_error(publisher_client.post(url, GRANT, format="json"), 403, "not_allowed")
    assert "Only a superuser grants" in refused["detail"]
    own = GRANT | {"username": root.username}
    refused = assert_error(root_client.post(url, own, format="json"), 403, "own_role")
    assert refused["detail"].endswith("ask another superuser."), "only superusers grant"
    clinical = "/api/v1/sign-off-roles/clinical/holders/"
    assert_error(root_client.post(clinical, GRANT, format="json"), 409, "clinical_role_fixed")
    for payload in (
        {},
        GRANT | {"username": "nobody-at-all"},
        GRANT | {"username": 5},
        GRANT | {"published_name": ""},
        GRANT | {"active": True},
    ):
        assert_error(root_client.post(url, payload, format="json"), 400, "invalid")
    revoke = f"{url}new-pharmacist/revoke/"
    for payload in ({}, {"reason": 1}, {"reason": "x", "note": "y"}):
        assert_error(publisher_client.post(revoke, payload, format="json"), 400, "invalid")
    assert not SignOffRoleHolder.objects.exists() and not RoleChange.objects.exists()
    # The clinical role's holders are the clinicians.
    listed = editor_client.get(clinical).json()
    assert [(h["username"], h["published_name"]) for h in listed] == [("doctor", "Dr Doctor")]


# --- requirements --------------------------------------------------------------------------------


def test_the_working_copy_s_requirements_follow_the_policies(
    editor_client, make_article, pharmacist_role
):
    lay = factories.sign_off_role("lay-reader", name="Lay reader")
    factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="medicines")
    factories.sign_off_policy(name="Carers", optional=[lay], audience="caregiver")
    make_article(slug="doses", topics=["medicines"], audience="caregiver")
    url = "/api/v1/articles/doses/sign-off-requirements/"
    assert editor_client.get(url).json() == [
        {
            "role": "clinical",
            "role_name": "Clinical reviewer",
            "required": True,
            "needed_for_change": True,
            "policies": ["Clinical sign-off"],
        },
        {
            "role": "pharmacist",
            "role_name": "Pharmacist",
            "required": True,
            "needed_for_change": True,  # it signed no earlier version of the article
            "policies": ["Medicines"],
        },
        {
            "role": "lay-reader",
            "role_name": "Lay reader",
            "required": False,
            "needed_for_change": True,
            "policies": ["Carers"],
        },
    ]
    assert_error(
        editor_client.get("/api/v1/articles/nope/sign-off-requirements/"), 404, "not_found"
    )


# --- who may call what ---------------------------------------------------------------------------


def test_anonymous_and_role_less_staff_are_refused_everywhere(api_client, medicines_review):
    nobody = client_for(factories.UserFactory(is_staff=True))
    reads = [
        "/api/v1/sign-off-roles/",
        "/api/v1/sign-off-roles/pharmacist/",
        "/api/v1/sign-off-roles/pharmacist/holders/",
        "/api/v1/sign-off-policies/",
        f"/api/v1/articles/{medicines_review.article.slug}/sign-off-requirements/",
    ]
    for url in reads:
        assert_error(api_client.get(url), 401, "not_authenticated")
        assert_error(nobody.get(url), 403, "permission_denied")


# --- query counts --------------------------------------------------------------------------------


def test_list_reads_take_a_fixed_number_of_queries(
    editor_client, editor_user, make_article, pharmacist_role, django_assert_max_num_queries
):
    lay = factories.sign_off_role("lay-reader", name="Lay reader")
    for n in range(6):
        factories.sign_off_role(f"role-{n}")
        factories.sign_off_reviewer(role=pharmacist_role, username=f"pharmacist-{n}")
        factories.sign_off_policy(
            name=f"Policy {n}", required=[pharmacist_role], optional=[lay], topic=f"topic-{n}"
        )
        article = make_article(slug=f"article-{n}", topics=[f"topic-{n}"])
        review = services.review_submit(article=article, user=editor_user)
        services.sign_off_request_assign(
            review=review,
            role_code="pharmacist",
            assignee=factories.sign_off_reviewer(role=pharmacist_role, username=f"p-{n}"),
            due_on=timezone.localdate(),
            assigned_by=editor_user,
        )
    reads = {
        "/api/v1/reviews/": 8,
        "/api/v1/reviews/?sign_off_overdue=true": 8,
        "/api/v1/reviews/?assigned=me": 8,
        "/api/v1/sign-off-roles/": 4,
        "/api/v1/sign-off-policies/": 6,
        "/api/v1/sign-off-roles/pharmacist/holders/": 5,
        "/api/v1/articles/article-0/sign-off-requirements/": 8,
    }
    for url, limit in reads.items():
        with django_assert_max_num_queries(limit):
            assert editor_client.get(url).status_code == 200, url


def test_a_blank_article_or_account_names_nothing(publisher_client, medicines_review):
    policy = SignOffPolicy.objects.get(name="Medicines")
    response = publisher_client.patch(
        f"/api/v1/sign-off-policies/{policy.pk}/", {"article": ""}, format="json"
    )
    assert "article" in assert_error(response, 400, "invalid")["errors"]
    response = assign(publisher_client, medicines_review, assignee="")
    assert "assignee" in assert_error(response, 400, "invalid")["errors"]
    policy.refresh_from_db()
    assert policy.topic == "medicines"
