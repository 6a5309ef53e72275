"""If-Match on every write to the working copy, read as RFC 9110 says: strong comparison only."""

import pytest

from articles.models import Article, Section

pytestmark = pytest.mark.django_db

ARTICLE = "/api/v1/articles/stopping-ldn/"


def replace(client, headers):
    document = {
        "title": "Stopping LDN",
        "sections": [{"anchor": "part-0", "heading": "Part 0", "body": "Replaced."}],
    }
    return client.put(ARTICLE, document, format="json", **headers)


def change_title(client, headers):
    return client.patch(ARTICLE, {"title": "A new title"}, format="json", **headers)


def add_section(client, headers):
    new = {"anchor": "new-part", "heading": "New part"}
    return client.post(f"{ARTICLE}sections/", new, format="json", **headers)


def change_section(client, headers):
    return client.patch(f"{ARTICLE}sections/part-1/", {"body": "B"}, format="json", **headers)


def delete_section(client, headers):
    return client.delete(f"{ARTICLE}sections/part-1/", **headers)


def reorder(client, headers):
    order = {"anchors": ["part-1", "part-0"]}
    return client.put(f"{ARTICLE}section-order/", order, format="json", **headers)


WRITES = [replace, change_title, add_section, change_section, delete_section, reorder]


def current_etag(client) -> str:
    return client.get(ARTICLE)["ETag"]


def recorded_edits() -> int:
    return Article.history.count() + Section.history.count()


def assert_refused(response, status: int, code: str, client, etag: str, edits: int) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert current_etag(client) == etag, "nothing changed"
    assert recorded_edits() == edits
    return body["detail"]


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(
    "header",
    [
        "{bare}",  # the ETag without its double quotes
        "W/{bare}",
        '"{bare}',
        '{etag} "other"',  # two tags need a comma between them
        "{etag}, *",  # `*` stands alone
        '"with space"',
        "{etag};",
    ],
)
def test_a_malformed_if_match_is_400_and_changes_nothing(editor_client, article, write, header):
    etag = current_etag(editor_client)
    edits = recorded_edits()
    value = header.format(etag=etag, bare=etag.strip('"'))
    response = write(editor_client, {"HTTP_IF_MATCH": value})
    detail = assert_refused(response, 400, "malformed_if_match", editor_client, etag, edits)
    assert "double quotes" in detail


@pytest.mark.parametrize("write", WRITES)
def test_a_weak_tag_never_matches_a_write(editor_client, article, write):
    etag = current_etag(editor_client)
    edits = recorded_edits()
    response = write(editor_client, {"HTTP_IF_MATCH": f"W/{etag}"})
    detail = assert_refused(response, 412, "stale_etag", editor_client, etag, edits)
    assert "weak" in detail


@pytest.mark.parametrize("write", WRITES)
def test_if_match_star_is_refused_with_428(editor_client, article, write):
    etag = current_etag(editor_client)
    edits = recorded_edits()
    response = write(editor_client, {"HTTP_IF_MATCH": "*"})
    assert_refused(response, 428, "if_match_required", editor_client, etag, edits)


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(
    "header",
    ['"stale", {etag}', ', {etag} ,, W/"other" ,', "\t{etag}\t", 'W/{etag}, "a,b", {etag}'],
)
def test_a_list_matches_when_it_names_the_current_etag(editor_client, article, write, header):
    etag = current_etag(editor_client)
    response = write(editor_client, {"HTTP_IF_MATCH": header.format(etag=etag)})
    assert response.status_code in {200, 201, 204}, response.content
    assert response["ETag"] != etag


@pytest.mark.parametrize("write", WRITES)
def test_a_comma_inside_quotes_is_part_of_one_stale_tag(editor_client, article, write):
    etag = current_etag(editor_client)
    edits = recorded_edits()
    response = write(editor_client, {"HTTP_IF_MATCH": '"a,b"'})
    assert_refused(response, 412, "stale_etag", editor_client, etag, edits)


@pytest.mark.parametrize("write", WRITES)
def test_a_blank_if_match_is_428(editor_client, article, write):
    etag = current_etag(editor_client)
    edits = recorded_edits()
    for value in ("", "  ", ",", " , "):
        response = write(editor_client, {"HTTP_IF_MATCH": value})
        assert_refused(response, 428, "if_match_required", editor_client, etag, edits)


def test_put_to_a_new_slug_refuses_a_malformed_if_match_with_400(editor_client):
    document = {"title": "New", "sections": []}
    url = "/api/v1/articles/brand-new/"
    malformed = editor_client.put(url, document, format="json", HTTP_IF_MATCH="abc")
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "malformed_if_match"
    weak = editor_client.put(url, document, format="json", HTTP_IF_MATCH='W/"abc"')
    assert weak.status_code == 412
    assert not Article.objects.filter(slug="brand-new").exists()


def test_submitting_with_a_malformed_if_match_is_400(editor_client, article):
    response = editor_client.post(f"{ARTICLE}submit/", {}, format="json", HTTP_IF_MATCH="abc")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_if_match"
    assert not article.versions.exists()
