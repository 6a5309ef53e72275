"""GET /api/v1/articles/{slug}/history/: who changed what, when, with old and new values."""

import pytest

pytestmark = pytest.mark.django_db


def history(client, slug: str = "stopping-ldn") -> list[dict]:
    response = client.get(f"/api/v1/articles/{slug}/history/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_history_lists_every_change_newest_first(editor_client, make_article):
    make_article(sections=2)
    etag = editor_client.get("/api/v1/articles/stopping-ldn/")["ETag"]
    response = editor_client.patch(
        "/api/v1/articles/stopping-ldn/", {"title": "New title"}, format="json", HTTP_IF_MATCH=etag
    )
    etag = response["ETag"]
    editor_client.delete("/api/v1/articles/stopping-ldn/sections/part-0/", HTTP_IF_MATCH=etag)

    entries = history(editor_client)
    newest = entries[0]
    assert newest["object_type"] == "section"
    assert newest["action"] in {"deleted", "changed"}
    assert {(e["object_type"], e["anchor"], e["action"]) for e in entries} == {
        ("article", None, "created"),
        ("article", None, "changed"),
        ("section", "part-0", "created"),
        ("section", "part-0", "deleted"),
        ("section", "part-1", "created"),
        ("section", "part-1", "changed"),
    }
    title_change = next(e for e in entries if e["action"] == "changed" and e["anchor"] is None)
    assert title_change["changed_by"] == "editor"
    assert title_change["reason"] == "Edited"
    assert title_change["changes"] == [
        {"field": "title", "old": "Stopping low-dose naltrexone", "new": "New title"}
    ]
    moved = next(e for e in entries if e["anchor"] == "part-1" and e["action"] == "changed")
    assert moved["changes"] == [{"field": "position", "old": 1, "new": 0}]
    created = next(e for e in entries if e["anchor"] is None and e["action"] == "created")
    assert {"field": "title", "old": None, "new": "Stopping low-dose naltrexone"} in created[
        "changes"
    ]


@pytest.mark.parametrize("client_name", ["editor_client", "clinician_client", "publisher_client"])
def test_every_staff_role_may_read_history(request, client_name, make_article):
    make_article(sections=1)
    assert len(history(request.getfixturevalue(client_name))) == 2


def test_history_needs_authentication(api_client, make_article):
    make_article()
    response = api_client.get("/api/v1/articles/stopping-ldn/history/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_history_of_an_unknown_article_is_404(editor_client):
    response = editor_client.get("/api/v1/articles/missing/history/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_history_uses_a_fixed_number_of_queries(
    editor_client, make_article, django_assert_max_num_queries
):
    make_article(sections=30)
    with django_assert_max_num_queries(5):
        assert len(history(editor_client)) == 31
