"""GET /api/v1/articles/{slug}/history/: who changed what, when, with old and new values."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Section

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


def test_a_history_page_reads_only_the_records_it_shows(editor_client, make_article):
    """Paginated in the database: a page of 10 reads at most its 10 records and the 10 before
    them, not every record with its body."""
    article = make_article(sections=1)
    for number in range(60):
        # Writing through the ORM here is the fixture: the services are tested elsewhere.
        section = Section.objects.get(article=article)
        section.body = f"Edit {number}: " + "LDN text. " * 500
        section._change_reason = f"edit {number}"
        section.save()

    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get("/api/v1/articles/stopping-ldn/history/?page=2&page_size=10")
    page = response.json()

    assert page["count"] == 62  # the article, the section's creation and 60 edits
    assert [entry["reason"] for entry in page["results"]] == [
        f"edit {number}" for number in range(49, 39, -1)
    ]
    changed = page["results"][0]["changes"]
    assert [change["field"] for change in changed] == ["body"]
    assert changed[0]["old"].startswith("Edit 48: ") and changed[0]["new"].startswith("Edit 49: ")
    body_reads = [query["sql"] for query in queries if '."body"' in query["sql"]]
    assert len(body_reads) == 1, body_reads  # only the records of the page and the ones before
    ids = body_reads[0].split('."history_id" IN (')[1].split(")")[0].split(",")
    assert len(ids) <= 20


def test_history_pages_together_give_every_record_once_newest_first(editor_client, make_article):
    article = make_article(sections=3)
    for number in range(7):
        section = Section.objects.get(article=article, anchor=f"part-{number % 3}")
        section.body = f"Edit {number}"
        section.save()
    pages = [
        editor_client.get(f"/api/v1/articles/stopping-ldn/history/?page={page}&page_size=4").json()[
            "results"
        ]
        for page in (1, 2, 3)
    ]
    entries = [entry for page in pages for entry in page]
    assert len(entries) == 11
    assert len({(entry["object_type"], entry["history_id"]) for entry in entries}) == 11
    stamps = [entry["changed_at"] for entry in entries]
    assert stamps == sorted(stamps, reverse=True)
    assert all(
        [change["field"] for change in entry["changes"]] == ["body"]
        for entry in entries
        if entry["action"] == "changed"
    )
