"""A change reason on every write to the working copy: X-Change-Reason or a `reason` field."""

import pytest

from articles.models import Article, Section

pytestmark = pytest.mark.django_db

ARTICLE = "/api/v1/articles/stopping-ldn/"
REASON = "Dose corrected after the pharmacist's review"


def etag_of(client) -> str:
    return client.get(ARTICLE)["ETag"]


def create(client, reason_field, headers):
    body = {"slug": "ldn-and-sleep", "title": "LDN and sleep", **reason_field}
    return client.post("/api/v1/articles/", body, format="json", **headers)


def create_by_put(client, reason_field, headers):
    body = {"title": "LDN and sleep", "sections": [], **reason_field}
    return client.put("/api/v1/articles/ldn-and-sleep/", body, format="json", **headers)


def replace(client, reason_field, headers):
    body = {
        "title": "Stopping LDN",
        "sections": [{"anchor": "part-0", "heading": "Part 0", "body": "Replaced."}],
        **reason_field,
    }
    return client.put(ARTICLE, body, format="json", HTTP_IF_MATCH=etag_of(client), **headers)


def change_title(client, reason_field, headers):
    body = {"title": "A new title", **reason_field}
    return client.patch(ARTICLE, body, format="json", HTTP_IF_MATCH=etag_of(client), **headers)


def add_section(client, reason_field, headers):
    body = {"anchor": "new-part", "heading": "New part", **reason_field}
    url = f"{ARTICLE}sections/"
    return client.post(url, body, format="json", HTTP_IF_MATCH=etag_of(client), **headers)


def change_section(client, reason_field, headers):
    body = {"body": "Changed.", **reason_field}
    url = f"{ARTICLE}sections/part-1/"
    return client.patch(url, body, format="json", HTTP_IF_MATCH=etag_of(client), **headers)


def delete_section(client, reason_field, headers):
    url = f"{ARTICLE}sections/part-1/"
    return client.delete(url, HTTP_IF_MATCH=etag_of(client), **headers)


def reorder(client, reason_field, headers):
    body = {"anchors": ["part-1", "part-0"], **reason_field}
    url = f"{ARTICLE}section-order/"
    return client.put(url, body, format="json", HTTP_IF_MATCH=etag_of(client), **headers)


# Each write with the reason it records when none is sent.
WRITES = {
    create: "Created",
    create_by_put: "Created",
    replace: "Replaced by a full update",
    change_title: "Edited",
    add_section: "Added new-part",
    change_section: "Edited part-1",
    delete_section: "Deleted part-1",
    reorder: "Reordered sections",
}
WITH_A_BODY = [write for write in WRITES if write is not delete_section]


def last_history_ids() -> tuple[int, int]:
    return (
        Article.history.order_by("-history_id").values_list("history_id", flat=True).first(),
        Section.history.order_by("-history_id").values_list("history_id", flat=True).first(),
    )


def reasons_since(ids: tuple[int, int]) -> set[str]:
    article_id, section_id = ids
    return {
        *Article.history.filter(history_id__gt=article_id).values_list(
            "history_change_reason", flat=True
        ),
        *Section.history.filter(history_id__gt=section_id).values_list(
            "history_change_reason", flat=True
        ),
    }


def assert_ok(response) -> None:
    assert response.status_code in {200, 201, 204}, response.content


@pytest.mark.parametrize("write", list(WRITES))
def test_the_x_change_reason_header_is_recorded_for_every_change(editor_client, article, write):
    before = last_history_ids()
    assert_ok(write(editor_client, {}, {"HTTP_X_CHANGE_REASON": REASON}))
    assert reasons_since(before) == {REASON}


@pytest.mark.parametrize("write", WITH_A_BODY)
def test_a_reason_field_is_recorded_for_every_change(editor_client, article, write):
    before = last_history_ids()
    reason = "Dosis nach Rücksprache geändert"  # the field takes any text, not only ASCII
    assert_ok(write(editor_client, {"reason": reason}, {}))
    assert reasons_since(before) == {reason}


@pytest.mark.parametrize(("write", "default"), list(WRITES.items()))
def test_without_a_reason_the_operation_is_recorded(editor_client, article, write, default):
    before = last_history_ids()
    assert_ok(write(editor_client, {}, {}))
    assert reasons_since(before) == {default}


@pytest.mark.parametrize("write", WITH_A_BODY)
def test_a_reason_sent_twice_is_refused(editor_client, article, write):
    before = last_history_ids()
    response = write(editor_client, {"reason": "one"}, {"HTTP_X_CHANGE_REASON": "other"})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "change_reason_twice"
    assert "X-Change-Reason" in body["detail"] and "reason" in body["detail"]
    assert reasons_since(before) == set()


@pytest.mark.parametrize("write", WITH_A_BODY)
@pytest.mark.parametrize(
    "reason", ["x" * 101, "Two\nlines", "A\ttab", "\x1b[31mred", "   ", "", "Bell\x07"]
)
def test_a_bad_reason_field_is_400_and_changes_nothing(editor_client, article, write, reason):
    before = last_history_ids()
    response = write(editor_client, {"reason": reason}, {})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["reason"]
    assert reasons_since(before) == set()


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("reason", ["x" * 101, "A\ttab", "   ", "", "caf\xc3\xa9", "Bell\x07"])
def test_a_bad_reason_header_is_400_and_changes_nothing(editor_client, article, write, reason):
    before = last_history_ids()
    response = write(editor_client, {}, {"HTTP_X_CHANGE_REASON": reason})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["X-Change-Reason"]
    assert reasons_since(before) == set()


def test_a_bad_reason_is_refused_before_the_if_match_check(editor_client, article):
    response = editor_client.patch(
        f"{ARTICLE}sections/part-1/",
        {"body": "Changed.", "reason": "x" * 101},
        format="json",
        HTTP_IF_MATCH='"stale"',
    )
    assert response.status_code == 400


def test_a_reason_of_the_longest_length_is_kept_whole(editor_client, article):
    reason = "r" * 100
    assert_ok(change_section(editor_client, {}, {"HTTP_X_CHANGE_REASON": reason}))
    assert Section.history.latest("history_id").history_change_reason == reason


def test_the_history_api_returns_the_reason(editor_client, article):
    assert_ok(change_section(editor_client, {}, {"HTTP_X_CHANGE_REASON": REASON}))
    entries = editor_client.get(f"{ARTICLE}history/").json()["results"]
    assert entries[0]["anchor"] == "part-1"
    assert entries[0]["reason"] == REASON


def test_a_patch_with_only_a_reason_is_refused(editor_client, article):
    response = editor_client.patch(
        f"{ARTICLE}sections/part-1/",
        {"reason": REASON},
        format="json",
        HTTP_IF_MATCH=etag_of(editor_client),
    )
    assert response.status_code == 400
    assert "heading, body, position" in response.json()["detail"]
