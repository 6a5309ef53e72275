"""The authoring API for articles: roles, happy paths, If-Match rules and bad input."""

import json

import pytest
from django.test import override_settings

from articles.models import Article, Section

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/articles/"


def detail_url(slug: str) -> str:
    return f"/api/v1/articles/{slug}/"


def new_article(**overrides) -> dict:
    payload = {
        "slug": "ldn-and-sleep",
        "title": "LDN and sleep",
        "summary": "How low-dose naltrexone can affect sleep.",
        "topics": ["ldn", "sleep"],
        "audience": "patient",
        "sections": [
            {"anchor": "introduction", "heading": "Introduction", "body": "Some people dream."},
            {"anchor": "timing", "heading": "When to take it", "body": "Often at night."},
        ],
    }
    payload.update(overrides)
    return payload


def etag_of(client, slug: str) -> str:
    return client.get(detail_url(slug))["ETag"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


# --- list -----------------------------------------------------------------------------------


def test_anonymous_users_are_asked_to_authenticate(api_client, make_article):
    make_article()
    body = assert_error(api_client.get(LIST_URL), 401, "not_authenticated")
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize("client_name", ["editor_client", "clinician_client", "publisher_client"])
def test_every_staff_role_may_list_articles(request, client_name, make_article):
    make_article(slug="stopping-ldn")
    response = request.getfixturevalue(client_name).get(LIST_URL)
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["results"]] == ["stopping-ldn"]
    assert "sections" not in response.json()["results"][0]


def test_a_user_without_a_role_is_refused(api_client, make_article):
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory())
    assert_error(api_client.get(LIST_URL), 403, "permission_denied")


def test_list_filters_by_topic_audience_external_id_and_title_words(editor_client, make_article):
    make_article(slug="a", topics=["ldn", "sleep"], audience="patient", external_id="cms-1")
    make_article(slug="b", topics=["ldn-dosing"], audience="clinician", title="Dosing LDN")
    make_article(slug="c", topics=[], audience="caregiver")

    def slugs(query: str) -> list[str]:
        response = editor_client.get(LIST_URL + query)
        assert response.status_code == 200
        return [item["slug"] for item in response.json()["results"]]

    assert slugs("?topic=ldn") == ["a"]  # "ldn-dosing" is another topic
    assert slugs("?topic=ldn-dosing") == ["b"]
    assert slugs("?audience=clinician") == ["b"]
    assert slugs("?external_id=cms-1") == ["a"]
    assert slugs("?search=dosing") == ["b"]
    assert_error(editor_client.get(LIST_URL + "?audience=martians"), 400, "invalid")
    # A blank audience names none: refused, not taken as no filter.
    assert_error(editor_client.get(LIST_URL + "?audience="), 400, "invalid")


def test_list_is_paginated(editor_client, make_article):
    for index in range(3):
        make_article(slug=f"article-{index}", sections=0)
    page = editor_client.get(LIST_URL + "?page_size=2").json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]


def test_list_uses_a_fixed_number_of_queries(
    editor_client, make_article, django_assert_max_num_queries
):
    for index in range(10):
        make_article(slug=f"article-{index}", sections=1)
    with django_assert_max_num_queries(4):
        assert editor_client.get(LIST_URL).status_code == 200


# --- create ---------------------------------------------------------------------------------


def test_editor_creates_an_article_with_sections(editor_client, editor_user):
    response = editor_client.post(LIST_URL, new_article(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == detail_url("ldn-and-sleep")
    assert response["ETag"] == body["etag"]
    assert body["author"] == "editor"
    assert [s["anchor"] for s in body["sections"]] == ["introduction", "timing"]
    assert [s["position"] for s in body["sections"]] == [0, 1]
    article = Article.objects.get(slug="ldn-and-sleep")
    record = article.history.get()
    assert record.history_user == editor_user
    assert record.history_change_reason == "Created"


@pytest.mark.parametrize("client_name", ["clinician_client", "publisher_client"])
def test_only_editors_may_create_articles(request, client_name):
    response = request.getfixturevalue(client_name).post(LIST_URL, new_article(), format="json")
    body = assert_error(response, 403, "permission_denied")
    assert "editors" in body["detail"]
    assert not Article.objects.exists()


def test_anonymous_create_is_refused(api_client):
    assert_error(api_client.post(LIST_URL, new_article(), format="json"), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": 123}, "title"),
        ({"title": "   "}, "title"),
        ({"topics": "ldn"}, "topics"),
        ({"topics": ["Not A Slug"]}, "topics"),
        ({"audience": "martians"}, "audience"),
        ({"slug": "Not a slug"}, "slug"),
        ({"slug": None}, "slug"),
        ({"colour": "blue"}, "colour"),
        ({"author": "someone-else"}, "author"),
        ({"etag": '"forged"'}, "etag"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
        ({"sections": {"anchor": "x"}}, "sections"),
        ({"sections": [{"anchor": "x", "heading": "X", "position": 3}]}, "sections"),
        ({"sections": [{"anchor": "Bad Anchor", "heading": "X"}]}, "sections"),
        ({"sections": [{"anchor": "x", "heading": ""}]}, "sections"),
        ({"sections": [{"anchor": "x", "heading": "X", "body": 5}]}, "sections"),
    ],
)
def test_create_refuses_bad_fields_and_writes_nothing(editor_client, overrides, field):
    body = assert_error(
        editor_client.post(LIST_URL, new_article(**overrides), format="json"), 400, "invalid"
    )
    assert any(key.startswith(field) for key in body["errors"]), body
    assert not Article.objects.exists()
    assert not Section.objects.exists()


def test_create_refuses_duplicate_anchors(editor_client):
    sections = [
        {"anchor": "dose", "heading": "Dose"},
        {"anchor": "dose", "heading": "Dose again"},
    ]
    body = assert_error(
        editor_client.post(LIST_URL, new_article(sections=sections), format="json"), 400, "invalid"
    )
    assert "anchor" in body["errors"]["sections"]["1"], "as the serializers nest them"
    assert not Article.objects.exists()


@override_settings(SECTION_BODY_MAX_CHARS=100)
def test_create_refuses_a_body_over_the_size_limit(editor_client):
    sections = [{"anchor": "long", "heading": "Long", "body": "x" * 101}]
    body = assert_error(
        editor_client.post(LIST_URL, new_article(sections=sections), format="json"), 400, "invalid"
    )
    assert "100" in json.dumps(body["errors"])
    assert not Article.objects.exists()


@override_settings(ARTICLE_MAX_SECTIONS=2)
def test_create_refuses_too_many_sections(editor_client):
    sections = [{"anchor": f"s{i}", "heading": f"S{i}"} for i in range(3)]
    assert_error(
        editor_client.post(LIST_URL, new_article(sections=sections), format="json"),
        400,
        "too_many_sections",
    )
    assert not Article.objects.exists()


def test_create_refuses_malformed_json(editor_client):
    response = editor_client.post(LIST_URL, data='{"slug": "x", ', content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_create_refuses_a_json_body_that_is_not_an_object(editor_client):
    response = editor_client.post(LIST_URL, data="[1, 2]", content_type="application/json")
    assert_error(response, 400, "invalid")


def test_create_refuses_a_body_that_is_not_json(editor_client):
    response = editor_client.post(LIST_URL, data="slug=x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
    assert not Article.objects.exists()


@override_settings(API_MAX_REQUEST_BYTES=1000)
def test_create_refuses_an_oversized_request(editor_client):
    payload = new_article(summary="x" * 900, sections=[{"anchor": "a", "heading": "A"}] * 5)
    response = editor_client.post(LIST_URL, payload, format="json")
    assert_error(response, 413, "request_too_large")
    assert not Article.objects.exists()


def test_create_refuses_a_taken_slug(editor_client, make_article):
    make_article(slug="ldn-and-sleep", sections=1)
    assert_error(editor_client.post(LIST_URL, new_article(), format="json"), 409, "slug_taken")
    assert Section.objects.count() == 1


def test_create_refuses_a_taken_external_id(editor_client, make_article):
    make_article(slug="other", external_id="cms-9")
    response = editor_client.post(LIST_URL, new_article(external_id="cms-9"), format="json")
    assert_error(response, 409, "external_id_taken")
    assert Article.objects.count() == 1


# --- retrieve -------------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["editor_client", "clinician_client", "publisher_client"])
def test_staff_roles_get_an_article_with_its_etag(request, client_name, make_article):
    make_article(slug="stopping-ldn", sections=2)
    response = request.getfixturevalue(client_name).get(detail_url("stopping-ldn"))
    assert response.status_code == 200
    assert response["ETag"] == response.json()["etag"]
    assert response["ETag"].startswith('"')
    assert [s["anchor"] for s in response.json()["sections"]] == ["part-0", "part-1"]


def test_get_of_an_unknown_slug_is_a_coded_404(editor_client):
    body = assert_error(editor_client.get(detail_url("nothing-here")), 404, "not_found")
    assert "nothing-here" in body["detail"]


def test_get_article_uses_few_queries(editor_client, make_article, django_assert_max_num_queries):
    make_article(slug="stopping-ldn", sections=20)
    with django_assert_max_num_queries(3):
        assert editor_client.get(detail_url("stopping-ldn")).status_code == 200


# --- PUT (CMS push) -------------------------------------------------------------------------


def replacement(**overrides) -> dict:
    payload = {
        "title": "Stopping LDN",
        "summary": "",
        "topics": ["ldn"],
        "audience": "patient",
        "sections": [
            {"anchor": "part-2", "heading": "Part 2", "body": "Body of part 2."},
            {"anchor": "part-0", "heading": "Part zero", "body": "Body of part 0."},
            {"anchor": "new-part", "heading": "New part", "body": "Fresh text."},
        ],
    }
    payload.update(overrides)
    return payload


def test_put_replaces_the_document_matching_sections_by_anchor(
    editor_client, editor_user, make_article
):
    article = make_article(slug="stopping-ldn", sections=3)
    kept_pk = Section.objects.get(article=article, anchor="part-0").pk
    etag = etag_of(editor_client, "stopping-ldn")
    response = editor_client.put(
        detail_url("stopping-ldn"), replacement(), format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Stopping LDN"
    assert [(s["anchor"], s["position"]) for s in body["sections"]] == [
        ("part-2", 0),
        ("part-0", 1),
        ("new-part", 2),
    ]
    assert response["ETag"] != etag
    # Matched by anchor: the same row was updated, part-1 was deleted.
    assert Section.objects.get(article=article, anchor="part-0").pk == kept_pk
    assert not Section.objects.filter(article=article, anchor="part-1").exists()
    deleted = Section.history.filter(article_id=article.pk, anchor="part-1", history_type="-")
    assert deleted.get().history_user == editor_user


def test_put_records_history_only_for_what_changed(editor_client, make_article):
    article = make_article(slug="stopping-ldn", sections=2)
    etag = etag_of(editor_client, "stopping-ldn")
    same = {
        "title": article.title,
        "topics": ["ldn"],
        "sections": [
            {"anchor": "part-0", "heading": "Part 0", "body": "Body of part 0."},
            {"anchor": "part-1", "heading": "Part 1", "body": "Changed."},
        ],
    }
    response = editor_client.put(
        detail_url("stopping-ldn"), same, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert article.history.count() == 1
    assert Section.history.filter(anchor="part-0").count() == 1
    assert Section.history.filter(anchor="part-1").count() == 2


def test_put_without_if_match_is_428_and_changes_nothing(editor_client, make_article):
    make_article(slug="stopping-ldn")
    response = editor_client.put(detail_url("stopping-ldn"), replacement(), format="json")
    body = assert_error(response, 428, "if_match_required")
    assert "If-Match" in body["detail"]
    assert Article.objects.get().title == "Stopping low-dose naltrexone"


def test_put_with_a_stale_etag_is_412_and_changes_nothing(editor_client, make_article):
    make_article(slug="stopping-ldn")
    stale = etag_of(editor_client, "stopping-ldn")
    fresh = editor_client.patch(
        detail_url("stopping-ldn"), {"title": "First writer"}, format="json", HTTP_IF_MATCH=stale
    )
    assert fresh.status_code == 200
    response = editor_client.put(
        detail_url("stopping-ldn"), replacement(), format="json", HTTP_IF_MATCH=stale
    )
    body = assert_error(response, 412, "stale_etag")
    assert "GET it again" in body["detail"]
    assert Article.objects.get().title == "First writer"


def test_put_refuses_if_match_star(editor_client, make_article):
    make_article(slug="stopping-ldn")
    response = editor_client.put(
        detail_url("stopping-ldn"), replacement(), format="json", HTTP_IF_MATCH="*"
    )
    assert_error(response, 428, "if_match_required")


def test_put_to_a_new_slug_creates_the_article(editor_client):
    response = editor_client.put(
        detail_url("brand-new"), replacement(external_id="cms-77"), format="json"
    )
    assert response.status_code == 201, response.content
    assert Article.objects.get(slug="brand-new").external_id == "cms-77"


def test_put_with_if_match_to_a_new_slug_is_412_and_creates_nothing(editor_client):
    response = editor_client.put(
        detail_url("mistyped-slug"), replacement(), format="json", HTTP_IF_MATCH='"abc"'
    )
    assert_error(response, 412, "stale_etag")
    assert "leave If-Match out" in response.json()["detail"]
    assert not Article.objects.exists()


def test_put_to_an_invalid_new_slug_is_refused(editor_client):
    assert_error(
        editor_client.put(detail_url("Bad_Slug"), replacement(), format="json"), 400, "invalid"
    )
    assert not Article.objects.exists()


def test_put_with_invalid_sections_changes_nothing(editor_client, make_article):
    make_article(slug="stopping-ldn", sections=2)
    etag = etag_of(editor_client, "stopping-ldn")
    bad = replacement(sections=[{"anchor": "ok", "heading": "OK"}, {"anchor": "x", "heading": " "}])
    response = editor_client.put(detail_url("stopping-ldn"), bad, format="json", HTTP_IF_MATCH=etag)
    assert_error(response, 400, "invalid")
    assert etag_of(editor_client, "stopping-ldn") == etag


def test_put_needs_the_sections_field(editor_client, make_article):
    make_article(slug="stopping-ldn")
    etag = etag_of(editor_client, "stopping-ldn")
    payload = replacement()
    del payload["sections"]
    response = editor_client.put(
        detail_url("stopping-ldn"), payload, format="json", HTTP_IF_MATCH=etag
    )
    assert "sections" in assert_error(response, 400, "invalid")["errors"]


@pytest.mark.parametrize("client_name", ["clinician_client", "publisher_client"])
def test_only_editors_may_put(request, client_name, make_article):
    make_article(slug="stopping-ldn")
    client = request.getfixturevalue(client_name)
    etag = etag_of(client, "stopping-ldn")
    response = client.put(
        detail_url("stopping-ldn"), replacement(), format="json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 403, "permission_denied")


# --- PATCH ----------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(editor_client, make_article):
    make_article(slug="stopping-ldn", summary="Old summary.")
    etag = etag_of(editor_client, "stopping-ldn")
    response = editor_client.patch(
        detail_url("stopping-ldn"), {"topics": ["ldn", "ldn"]}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response.json()["topics"] == ["ldn"]
    assert response.json()["summary"] == "Old summary."


@pytest.mark.parametrize(
    "payload",
    [{"sections": []}, {"slug": "renamed"}, {"title": None}, {"author": "x"}, {"topics": [1]}],
)
def test_patch_refuses_fields_it_cannot_set(editor_client, make_article, payload):
    make_article(slug="stopping-ldn")
    etag = etag_of(editor_client, "stopping-ldn")
    response = editor_client.patch(
        detail_url("stopping-ldn"), payload, format="json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 400, "invalid")
    assert etag_of(editor_client, "stopping-ldn") == etag


def test_patch_without_if_match_is_428(editor_client, make_article):
    make_article(slug="stopping-ldn")
    response = editor_client.patch(detail_url("stopping-ldn"), {"title": "X"}, format="json")
    assert_error(response, 428, "if_match_required")


def test_patch_of_an_unknown_slug_is_404(editor_client):
    response = editor_client.patch(
        detail_url("missing"), {"title": "X"}, format="json", HTTP_IF_MATCH='"x"'
    )
    assert_error(response, 404, "not_found")


def test_patch_refuses_an_external_id_of_another_article(editor_client, make_article):
    make_article(slug="one", external_id="cms-1")
    make_article(slug="two")
    etag = etag_of(editor_client, "two")
    response = editor_client.patch(
        detail_url("two"), {"external_id": "cms-1"}, format="json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 409, "external_id_taken")


def test_clinician_may_not_patch(clinician_client, make_article):
    make_article(slug="stopping-ldn")
    etag = etag_of(clinician_client, "stopping-ldn")
    response = clinician_client.patch(
        detail_url("stopping-ldn"), {"title": "X"}, format="json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 403, "permission_denied")


def test_the_readme_read_modify_write_flow_keeps_everything_it_did_not_change(
    editor_client, make_article
):
    """The README's PUT example: GET, keep the writable fields, change one body, PUT back."""
    make_article(slug="stopping-ldn", sections=3, summary="Taper slowly.", topics=["ldn", "pain"])
    read = editor_client.get("/api/v1/articles/stopping-ldn/")
    article = read.json()
    document = {
        **{name: article[name] for name in ("title", "summary", "topics", "audience")},
        "external_id": article["external_id"],
        "sections": [
            {name: section[name] for name in ("anchor", "heading", "body")}
            for section in article["sections"]
        ],
    }
    document["sections"][1]["body"] = "Lower the dose in small steps."

    written = editor_client.put(
        "/api/v1/articles/stopping-ldn/", document, format="json", HTTP_IF_MATCH=read["ETag"]
    )

    assert written.status_code == 200, written.content
    after = written.json()
    assert [section["anchor"] for section in after["sections"]] == ["part-0", "part-1", "part-2"]
    assert after["sections"][1]["body"] == "Lower the dose in small steps."
    assert after["sections"][0]["body"] == article["sections"][0]["body"]
    assert (after["summary"], after["topics"]) == ("Taper slowly.", ["ldn", "pain"])
