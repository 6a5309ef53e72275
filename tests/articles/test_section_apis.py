"""The authoring API for sections: add, change, move, delete and reorder under If-Match."""

import pytest

from articles.models import Section

pytestmark = pytest.mark.django_db


def sections_url(slug: str = "stopping-ldn") -> str:
    return f"/api/v1/articles/{slug}/sections/"


def section_url(anchor: str, slug: str = "stopping-ldn") -> str:
    return f"/api/v1/articles/{slug}/sections/{anchor}/"


def order_url(slug: str = "stopping-ldn") -> str:
    return f"/api/v1/articles/{slug}/section-order/"


def etag_of(client, slug: str = "stopping-ldn") -> str:
    return client.get(f"/api/v1/articles/{slug}/")["ETag"]


def anchors(article) -> list[str]:
    return list(
        Section.objects.filter(article=article)
        .order_by("position")
        .values_list("anchor", flat=True)
    )


def positions(article) -> list[int]:
    return list(
        Section.objects.filter(article=article)
        .order_by("position")
        .values_list("position", flat=True)
    )


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


@pytest.mark.parametrize("client_name", ["editor_client", "clinician_client", "publisher_client"])
def test_staff_roles_list_and_get_sections(request, client_name, make_article):
    make_article(sections=2)
    client = request.getfixturevalue(client_name)
    listed = client.get(sections_url())
    assert listed.status_code == 200
    assert [s["anchor"] for s in listed.json()] == ["part-0", "part-1"]
    one = client.get(section_url("part-1"))
    assert one.status_code == 200
    assert one.json() == {
        "anchor": "part-1",
        "heading": "Part 1",
        "body": "Body of part 1.",
        "position": 1,
    }
    assert one["ETag"] == listed["ETag"] == etag_of(client)


def test_anonymous_cannot_read_sections(api_client, make_article):
    make_article()
    assert_error(api_client.get(sections_url()), 401, "not_authenticated")
    assert_error(api_client.get(section_url("part-0")), 401, "not_authenticated")


def test_unknown_article_or_anchor_is_404(editor_client, make_article):
    make_article()
    assert_error(editor_client.get(sections_url("missing")), 404, "not_found")
    assert_error(editor_client.get(section_url("missing")), 404, "not_found")


def test_editor_adds_a_section_at_a_position(editor_client, editor_user, make_article):
    article = make_article(sections=3)
    etag = etag_of(editor_client)
    response = editor_client.post(
        sections_url(),
        {"anchor": "new", "heading": "New", "body": "Text.", "position": 1},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 201, response.content
    assert response.json()["position"] == 1
    assert response["Location"] == section_url("new")
    assert response["ETag"] != etag
    assert response["ETag"] == etag_of(editor_client)
    assert anchors(article) == ["part-0", "new", "part-1", "part-2"]
    assert positions(article) == [0, 1, 2, 3]
    record = Section.history.filter(anchor="new").get()
    assert (record.history_user, record.history_change_reason) == (editor_user, "Added new")


def test_a_section_without_position_is_appended(editor_client, make_article):
    article = make_article(sections=2)
    response = editor_client.post(
        sections_url(),
        {"anchor": "last", "heading": "Last"},
        format="json",
        HTTP_IF_MATCH=etag_of(editor_client),
    )
    assert response.status_code == 201
    assert anchors(article)[-1] == "last"


def test_adding_a_taken_anchor_is_409(editor_client, make_article):
    article = make_article(sections=2)
    response = editor_client.post(
        sections_url(),
        {"anchor": "part-0", "heading": "Again"},
        format="json",
        HTTP_IF_MATCH=etag_of(editor_client),
    )
    assert_error(response, 409, "anchor_taken")
    assert anchors(article) == ["part-0", "part-1"]


@pytest.mark.parametrize(
    "payload",
    [
        {"anchor": "Bad Anchor", "heading": "X"},
        {"anchor": "x", "heading": ""},
        {"anchor": "x", "heading": "X", "position": -1},
        {"anchor": "x", "heading": "X", "position": "1"},
        {"anchor": "x", "heading": "X", "body": ["list"]},
        {"anchor": "x", "heading": "X", "colour": "red"},
        {"heading": "X"},
    ],
)
def test_adding_a_bad_section_is_400_and_changes_nothing(editor_client, make_article, payload):
    article = make_article(sections=2)
    etag = etag_of(editor_client)
    response = editor_client.post(sections_url(), payload, format="json", HTTP_IF_MATCH=etag)
    assert_error(response, 400, "invalid")
    assert anchors(article) == ["part-0", "part-1"]
    assert etag_of(editor_client) == etag


def test_section_writes_need_a_current_if_match(editor_client, make_article):
    make_article(sections=2)
    new = {"anchor": "x", "heading": "X"}
    assert_error(editor_client.post(sections_url(), new, format="json"), 428, "if_match_required")
    assert_error(
        editor_client.post(sections_url(), new, format="json", HTTP_IF_MATCH='"old"'),
        412,
        "stale_etag",
    )
    assert_error(
        editor_client.patch(section_url("part-0"), {"body": "B"}, format="json"),
        428,
        "if_match_required",
    )
    assert_error(editor_client.delete(section_url("part-0")), 428, "if_match_required")
    assert_error(
        editor_client.put(order_url(), {"anchors": ["part-1", "part-0"]}, format="json"),
        428,
        "if_match_required",
    )


@pytest.mark.parametrize("client_name", ["clinician_client", "publisher_client"])
def test_only_editors_may_change_sections(request, client_name, make_article):
    article = make_article(sections=2)
    client = request.getfixturevalue(client_name)
    etag = etag_of(client)
    responses = [
        client.post(
            sections_url(), {"anchor": "x", "heading": "X"}, format="json", HTTP_IF_MATCH=etag
        ),
        client.patch(section_url("part-0"), {"body": "B"}, format="json", HTTP_IF_MATCH=etag),
        client.delete(section_url("part-0"), HTTP_IF_MATCH=etag),
        client.put(
            order_url(), {"anchors": ["part-1", "part-0"]}, format="json", HTTP_IF_MATCH=etag
        ),
    ]
    for response in responses:
        assert_error(response, 403, "permission_denied")
    assert anchors(article) == ["part-0", "part-1"]


def test_patch_changes_a_body_and_records_old_and_new(editor_client, make_article):
    make_article(sections=2)
    etag = etag_of(editor_client)
    response = editor_client.patch(
        section_url("part-1"), {"body": "New body."}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response.json()["body"] == "New body."
    assert response["ETag"] not in {etag, ""}
    latest = Section.history.filter(anchor="part-1").latest("history_date")
    assert latest.body == "New body."
    assert latest.prev_record.body == "Body of part 1."


def test_patch_moves_a_section(editor_client, make_article):
    article = make_article(sections=4)
    response = editor_client.patch(
        section_url("part-3"), {"position": 0}, format="json", HTTP_IF_MATCH=etag_of(editor_client)
    )
    assert response.status_code == 200
    assert anchors(article) == ["part-3", "part-0", "part-1", "part-2"]
    assert positions(article) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "payload", [{}, {"anchor": "renamed"}, {"heading": "  "}, {"position": 1.5}, {"body": None}]
)
def test_patch_refuses_bad_changes(editor_client, make_article, payload):
    make_article(sections=2)
    etag = etag_of(editor_client)
    response = editor_client.patch(
        section_url("part-0"), payload, format="json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 400, "invalid")
    assert etag_of(editor_client) == etag


def test_patch_of_an_unknown_anchor_is_404(editor_client, make_article):
    make_article()
    response = editor_client.patch(
        section_url("missing"), {"body": "B"}, format="json", HTTP_IF_MATCH=etag_of(editor_client)
    )
    assert_error(response, 404, "not_found")


def test_delete_removes_the_section_and_closes_the_gap(editor_client, editor_user, make_article):
    article = make_article(sections=3)
    response = editor_client.delete(section_url("part-0"), HTTP_IF_MATCH=etag_of(editor_client))
    assert response.status_code == 204
    assert anchors(article) == ["part-1", "part-2"]
    assert positions(article) == [0, 1]
    deleted = Section.history.get(anchor="part-0", history_type="-")
    assert deleted.history_user == editor_user


def test_delete_of_an_unknown_anchor_is_404(editor_client, make_article):
    make_article()
    response = editor_client.delete(section_url("missing"), HTTP_IF_MATCH=etag_of(editor_client))
    assert_error(response, 404, "not_found")


def test_reorder_puts_sections_in_the_given_order(editor_client, make_article):
    article = make_article(sections=3)
    assert editor_client.get(order_url()).json() == {"anchors": ["part-0", "part-1", "part-2"]}
    response = editor_client.put(
        order_url(),
        {"anchors": ["part-2", "part-1", "part-0"]},
        format="json",
        HTTP_IF_MATCH=etag_of(editor_client),
    )
    assert response.status_code == 200
    assert response.json() == {"anchors": ["part-2", "part-1", "part-0"]}
    assert anchors(article) == ["part-2", "part-1", "part-0"]
    # part-1 kept its position, so only two sections got a history record.
    assert Section.history.filter(history_change_reason="Reordered sections").count() == 2


@pytest.mark.parametrize(
    "order",
    [["part-0", "part-1"], ["part-0", "part-1", "part-2", "extra"], ["part-0", "part-0", "part-1"]],
)
def test_reorder_needs_every_anchor_exactly_once(editor_client, make_article, order):
    article = make_article(sections=3)
    response = editor_client.put(
        order_url(), {"anchors": order}, format="json", HTTP_IF_MATCH=etag_of(editor_client)
    )
    assert_error(response, 400, "invalid")
    assert anchors(article) == ["part-0", "part-1", "part-2"]


def test_etag_changes_with_a_section_edit_and_is_stable_otherwise(editor_client, make_article):
    make_article(sections=2)
    first = etag_of(editor_client)
    assert etag_of(editor_client) == first
    editor_client.patch(
        section_url("part-0"), {"heading": "New"}, format="json", HTTP_IF_MATCH=first
    )
    assert etag_of(editor_client) != first


def test_two_clients_cannot_overwrite_each_other(editor_client, make_article):
    make_article(sections=1)
    seen_by_both = etag_of(editor_client)
    first = editor_client.patch(
        section_url("part-0"), {"body": "A"}, format="json", HTTP_IF_MATCH=seen_by_both
    )
    second = editor_client.patch(
        section_url("part-0"), {"body": "B"}, format="json", HTTP_IF_MATCH=seen_by_both
    )
    assert first.status_code == 200
    assert_error(second, 412, "stale_etag")
    assert Section.objects.get(anchor="part-0").body == "A"
