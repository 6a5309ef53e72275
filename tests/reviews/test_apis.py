"""The reviewer API end to end: submit, queue, detail, decisions, comments, versions, preview."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Publication
from reviews.models import Review, SignOffRequest
from tests import factories
from tests.clients import client_for

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()
    assert response.json()["detail"]
    return response.json()


def submit(client, slug="stopping-ldn", **data):
    return client.post(f"/api/v1/articles/{slug}/submit/", data, format="json")


def approve(client, review_id, content_hash, kind="full", **data):
    return client.post(
        f"/api/v1/reviews/{review_id}/approve/",
        {"content_hash": content_hash, "kind": kind, **data},
        format="json",
    )


def edit(client, slug="stopping-ldn", anchor="part-0", body="New text."):
    etag = client.get(f"/api/v1/articles/{slug}/")["ETag"]
    response = client.patch(
        f"/api/v1/articles/{slug}/sections/{anchor}/",
        {"body": body},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200
    return response


def test_a_clinician_reviews_and_approves_over_the_api(editor_client, doctor_client, make_article):
    make_article(slug="stopping-ldn", sections=3)
    submitted = submit(editor_client, note="Ready")
    assert submitted.status_code == 201, submitted.content
    review_id = submitted.json()["id"]
    assert submitted.json()["state"] == "submitted"

    queue = doctor_client.get("/api/v1/reviews/").json()
    assert [item["id"] for item in queue["results"]] == [review_id]

    detail = doctor_client.get(f"/api/v1/reviews/{review_id}/").json()
    assert detail["diff_against_live"]["against"] is None
    assert {s["status"] for s in detail["diff_against_live"]["sections"]} == {"added"}
    assert detail["transitions"][0]["to_state"] == "submitted"

    approved = approve(doctor_client, review_id, detail["content_hash"])
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["reviewer"] == "doctor"
    publication = Publication.objects.get()
    assert publication.content_hash == detail["content_hash"]
    assert json.loads(bytes(publication.payload))["medical_review"]["reviewer_name"] == (
        "Dr Doctor"
    )


def test_the_review_detail_shows_changes_and_earlier_approvals(
    editor_client, doctor_client, make_article
):
    make_article(slug="stopping-ldn", sections=3)
    first = submit(editor_client).json()
    approve(doctor_client, first["id"], first["content_hash"])
    edit(editor_client, anchor="part-1", body="Revised dosing text.")
    second = submit(editor_client).json()
    detail = doctor_client.get(f"/api/v1/reviews/{second['id']}/").json()
    assert detail["diff_against_live"]["against"] == 1
    statuses = {s["anchor"]: s["status"] for s in detail["diff_against_live"]["sections"]}
    assert statuses == {"part-0": "unchanged", "part-1": "changed", "part-2": "unchanged"}
    changed = next(s for s in detail["diff_against_live"]["sections"] if s["anchor"] == "part-1")
    assert {"op": "insert", "text": "Revised dosing text."} in changed["body_diff"]
    approvals = {item["anchor"]: item for item in detail["earlier_approvals"]}
    assert set(approvals) == {"part-0", "part-2"}
    assert approvals["part-0"]["reviewer_name"] == "Dr Doctor"
    assert approvals["part-0"]["version"] == 1


@pytest.mark.parametrize("client_name", ["editor_client", "publisher_client", "clinician_client"])
def test_non_clinicians_cannot_approve(request, client_name, submitted):
    client = request.getfixturevalue(client_name)
    response = approve(client, submitted.pk, submitted.version.content_hash)
    assert_error(response, 403, "not_a_clinician")
    assert not Publication.objects.exists()


def test_anonymous_users_cannot_reach_the_reviewer_api(api_client, submitted):
    for response in [
        api_client.get("/api/v1/reviews/"),
        api_client.get(f"/api/v1/reviews/{submitted.pk}/"),
        approve(api_client, submitted.pk, submitted.version.content_hash),
        submit(api_client),
        api_client.get("/api/v1/articles/stopping-ldn/versions/1/preview/"),
    ]:
        assert_error(response, 401, "not_authenticated")


def test_clinicians_cannot_submit(doctor_client, make_article):
    make_article(slug="stopping-ldn")
    assert_error(submit(doctor_client), 403, "not_allowed")


def test_submitting_unchanged_content_is_409(editor_client, submitted):
    assert_error(submit(editor_client), 409, "no_changes")


def test_submit_of_an_unknown_article_is_404(editor_client):
    assert_error(submit(editor_client, slug="missing"), 404, "not_found")


@pytest.mark.parametrize(
    "payload",
    [{"note": 5}, {"colour": "red"}, {"note": "x" * 2001}],
)
def test_submit_refuses_bad_input(editor_client, make_article, payload):
    make_article(slug="stopping-ldn")
    assert_error(submit(editor_client, **payload), 400, "invalid")
    assert not Review.objects.exists()


def test_approve_with_a_stale_hash_is_409(doctor_client, submitted):
    response = approve(doctor_client, submitted.pk, "0" * 64)
    assert_error(response, 409, "content_hash_mismatch")


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "full"},
        {"content_hash": "abc", "kind": "partial"},
        {"content_hash": 5, "kind": "full"},
        {"content_hash": "abc", "kind": "full", "reviewer": "me"},
        {"content_hash": "abc", "kind": "full", "next_review_due": "soon"},
    ],
)
def test_approve_refuses_bad_input(doctor_client, submitted, payload):
    response = doctor_client.post(
        f"/api/v1/reviews/{submitted.pk}/approve/", payload, format="json"
    )
    assert_error(response, 400, "invalid")
    assert not Publication.objects.exists()


def test_approve_refuses_malformed_json(doctor_client, submitted):
    response = doctor_client.post(
        f"/api/v1/reviews/{submitted.pk}/approve/", "{", content_type="application/json"
    )
    assert_error(response, 400, "malformed_json")


def test_approve_an_already_approved_review_is_409(doctor_client, second_doctor, submitted):
    approve(doctor_client, submitted.pk, submitted.version.content_hash)
    response = approve(client_for(second_doctor), submitted.pk, submitted.version.content_hash)
    assert_error(response, 409, "invalid_transition")


def test_approve_with_a_review_date_too_far_away_is_400(doctor_client, submitted):
    due = (timezone.localdate() + timedelta(days=800)).isoformat()
    response = approve(
        doctor_client, submitted.pk, submitted.version.content_hash, next_review_due=due
    )
    assert "next_review_due" in assert_error(response, 400, "invalid")["errors"]


def test_unknown_review_is_404(doctor_client):
    assert_error(doctor_client.get("/api/v1/reviews/999/"), 404, "not_found")
    assert_error(approve(doctor_client, 999, "x"), 404, "not_found")


def test_request_changes_needs_a_comment_and_accepts_section_comments(doctor_client, submitted):
    url = f"/api/v1/reviews/{submitted.pk}/request-changes/"
    assert_error(doctor_client.post(url, {"note": "Hmm"}, format="json"), 400, "comment_required")
    response = doctor_client.post(
        url,
        {"comments": [{"section_anchor": "part-2", "body": "Add the dose range."}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["state"] == "changes_requested"
    comments = doctor_client.get(f"/api/v1/reviews/{submitted.pk}/comments/").json()
    assert [(c["section_anchor"], c["author"]) for c in comments] == [("part-2", "doctor")]


def test_request_changes_refuses_a_comment_on_an_unknown_section(doctor_client, submitted):
    response = doctor_client.post(
        f"/api/v1/reviews/{submitted.pk}/request-changes/",
        {"comments": [{"section_anchor": "nowhere", "body": "?"}]},
        format="json",
    )
    errors = assert_error(response, 400, "invalid")["errors"]
    assert "section_anchor" in errors["comments"]["0"]


def test_reject_needs_a_note(doctor_client, submitted):
    url = f"/api/v1/reviews/{submitted.pk}/reject/"
    assert_error(doctor_client.post(url, {}, format="json"), 400, "invalid")
    response = doctor_client.post(url, {"note": "Contradicts guidance."}, format="json")
    assert response.json()["state"] == "rejected"


def test_withdraw_by_the_submitter_only(editor_client, submitted):
    other = client_for(factories.editor())
    url = f"/api/v1/reviews/{submitted.pk}/withdraw/"
    assert_error(other.post(url, {}, format="json"), 403, "not_submitter")
    assert editor_client.post(url, {}, format="json").json()["state"] == "withdrawn"


def test_comments_and_resolving_them(editor_client, doctor_client, submitted):
    url = f"/api/v1/reviews/{submitted.pk}/comments/"
    created = doctor_client.post(url, {"section_anchor": "part-0", "body": "Why?"}, format="json")
    assert created.status_code == 201
    comment_id = created.json()["id"]
    reply = editor_client.post(url, {"body": "Because of new guidance."}, format="json")
    assert reply.status_code == 201
    resolved = editor_client.post(f"{url}{comment_id}/resolve/", {"resolved": True}, format="json")
    assert resolved.json()["resolved"] is True
    assert_error(
        editor_client.post(f"{url}999/resolve/", {"resolved": True}, format="json"),
        404,
        "not_found",
    )
    assert_error(editor_client.post(url, {"body": ""}, format="json"), 400, "invalid")


def test_publishing_admins_cannot_comment(publisher_client, submitted):
    response = publisher_client.post(
        f"/api/v1/reviews/{submitted.pk}/comments/", {"body": "Hi"}, format="json"
    )
    assert_error(response, 403, "not_allowed")


def test_queue_filters(editor_client, doctor, doctor_client, make_article):
    make_article(slug="a", topics=["ldn"])
    make_article(slug="b", topics=["sleep"])
    first = submit(editor_client, slug="a").json()
    second = submit(editor_client, slug="b").json()
    SignOffRequest.objects.filter(review_id=second["id"]).update(assignee=doctor)

    def ids(query=""):
        response = doctor_client.get(f"/api/v1/reviews/{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids() == [first["id"], second["id"]]
    assert ids("?topic=sleep") == [second["id"]]
    assert ids("?assigned=me") == [second["id"]]
    assert ids("?overdue=true") == []
    assert ids("?state=approved") == []
    approve(doctor_client, first["id"], first["content_hash"])
    assert ids("?state=approved") == [first["id"]]
    assert_error(doctor_client.get("/api/v1/reviews/?state=bogus"), 400, "invalid")


def test_versions_list_detail_and_diff(editor_client, doctor_client, make_article):
    make_article(slug="stopping-ldn", sections=2)
    first = submit(editor_client).json()
    approve(doctor_client, first["id"], first["content_hash"])
    edit(editor_client, anchor="part-0", body="Changed.")
    submit(editor_client)
    base = "/api/v1/articles/stopping-ldn/versions/"
    assert [v["number"] for v in editor_client.get(base).json()] == [2, 1]
    version = editor_client.get(f"{base}2/").json()
    assert version["sections"][0]["body"] == "Changed."
    live = editor_client.get(f"{base}2/diff/").json()
    assert live["against"] == 1
    assert [s["status"] for s in live["sections"]] == ["changed", "unchanged"]
    explicit = editor_client.get(f"{base}2/diff/?against=1").json()
    assert explicit == live
    assert_error(editor_client.get(f"{base}2/diff/?against=latest"), 400, "invalid")
    assert_error(editor_client.get(f"{base}2/diff/?against=9"), 404, "not_found")
    assert_error(editor_client.get(f"{base}9/"), 404, "not_found")


def test_preview_is_exactly_what_delivery_will_store(doctor_client, submitted):
    preview = doctor_client.get("/api/v1/articles/stopping-ldn/versions/1/preview/")
    assert preview.status_code == 200
    assert preview["Cache-Control"] == "private, no-store"
    approve(doctor_client, submitted.pk, submitted.version.content_hash)
    served = json.loads(bytes(Publication.objects.get().payload))
    previewed = preview.json()
    for payload in (served, previewed):
        payload["medical_review"].pop("approved_at")
        for sign_off in payload["medical_review"]["sign_offs"]:
            sign_off.pop("signed_at")
    assert previewed == served


def test_review_status_follows_the_workflow(editor_client, doctor_client, make_article, publisher):
    make_article(slug="stopping-ldn", sections=2)
    url = "/api/v1/articles/stopping-ldn/review-status/"

    def status():
        return editor_client.get(url).json()

    assert status()["status"] == "draft"
    first = submit(editor_client).json()
    assert status()["status"] == "in_review"
    assert status()["open_review_id"] == first["id"]
    approve(doctor_client, first["id"], first["content_hash"])
    assert status()["status"] == "live"
    assert {s["status"] for s in status()["sections"]} == {"same_as_live"}
    edit(editor_client, anchor="part-1")
    current = status()
    assert current["status"] == "live_with_unreviewed_changes"
    assert [s["status"] for s in current["sections"]] == ["same_as_live", "changed_since_approval"]
    second = submit(editor_client).json()
    doctor_client.post(
        f"/api/v1/reviews/{second['id']}/request-changes/",
        {"comments": [{"body": "No."}]},
        format="json",
    )
    assert status()["status"] == "changes_requested"
    client_for(publisher).post(
        "/api/v1/articles/stopping-ldn/retract/", {"reason": "Check dose."}, format="json"
    )
    assert status()["status"] == "retracted"


def test_retract_over_the_api(publisher_client, editor_client, doctor_client, submitted):
    url = "/api/v1/articles/stopping-ldn/retract/"
    assert_error(publisher_client.post(url, {"reason": "x"}, format="json"), 409, "not_published")
    approve(doctor_client, submitted.pk, submitted.version.content_hash)
    assert_error(editor_client.post(url, {"reason": "x"}, format="json"), 403, "not_allowed")
    assert_error(publisher_client.post(url, {}, format="json"), 400, "invalid")
    assert_error(publisher_client.post(url, {"reason": 3}, format="json"), 400, "invalid")
    response = publisher_client.post(url, {"reason": "Dose guidance changed."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "retracted"
    assert response.json()["retracted_by"] == "publisher"
    assert_error(
        publisher_client.post(url, {"reason": "x"}, format="json"), 409, "already_retracted"
    )


def test_review_detail_uses_a_bounded_number_of_queries(
    doctor_client, submitted, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert doctor_client.get(f"/api/v1/reviews/{submitted.pk}/").status_code == 200
