"""POST /api/v1/articles/{slug}/revert/: the working copy made equal to a frozen version."""

import pytest

from articles import selectors, services
from articles.models import Article, Publication, Section, Version
from articles.snapshots import content_hash, working_copy_snapshot
from ldncontent.exceptions import NotAllowed
from reviews import services as review_services
from tests import factories

pytestmark = pytest.mark.django_db

ARTICLE = "/api/v1/articles/stopping-ldn/"
REVERT = f"{ARTICLE}revert/"


def etag_of(client) -> str:
    return client.get(ARTICLE)["ETag"]


def working_copy_hash(article: Article) -> str:
    article.refresh_from_db()
    sections = selectors.section_list(article=article)
    return content_hash(working_copy_snapshot(article=article, sections=sections))


def history_size() -> int:
    return Article.history.count() + Section.history.count()


@pytest.fixture
def edited(make_article, editor_user):
    """Version 1 frozen, then the working copy changed in every way a revert must undo."""
    article = make_article(slug="stopping-ldn", sections=4, external_id="cms-1")
    version = services.version_submit(article=article, user=editor_user)
    services.article_put(
        slug=article.slug,
        user=editor_user,
        if_match=selectors.working_copy_get(slug=article.slug).etag,
        fields={"title": "A new title", "topics": ["ldn", "pain"], "external_id": "cms-1"},
        sections=[
            {"anchor": "part-2", "heading": "Part 2", "body": "Body of part 2."},  # moved
            {"anchor": "part-0", "heading": "Part 0", "body": "Rewritten."},  # changed
            {"anchor": "part-1", "heading": "Part 1", "body": "Body of part 1."},  # moved
            {"anchor": "added", "heading": "Added", "body": "Not in version 1."},  # added
        ],  # part-3 deleted
    )
    article.refresh_from_db()
    return article, version


def test_revert_makes_the_working_copy_equal_to_the_version(editor_client, editor_user, edited):
    article, version = edited
    assert working_copy_hash(article) != version.content_hash
    etag = etag_of(editor_client)
    response = editor_client.post(REVERT, {"version": 1}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert working_copy_hash(article) == version.content_hash
    body = response.json()
    assert response["ETag"] == body["etag"] == etag_of(editor_client) != etag
    assert body["title"] == version.title
    assert [(s["anchor"], s["body"]) for s in body["sections"]] == [
        (item["anchor"], item["body"]) for item in version.sections
    ]
    assert article.external_id == "cms-1", "the CMS id is not content: it stays"
    assert Version.objects.count() == 1, "reverting freezes nothing"


def test_revert_records_every_changed_row_and_only_those(editor_client, editor_user, edited):
    article, _ = edited
    before = {
        "article": article.history.count(),
        **{
            anchor: Section.history.filter(article_id=article.pk, anchor=anchor).count()
            for anchor in ("part-0", "part-1", "part-2", "part-3", "added")
        },
    }
    editor_client.post(REVERT, {"version": 1}, format="json", HTTP_IF_MATCH=etag_of(editor_client))
    records = Section.history.filter(article_id=article.pk, history_id__gt=0)
    latest = {
        anchor: records.filter(anchor=anchor).latest("history_id")
        for anchor in ("part-0", "part-1", "part-2", "part-3", "added")
    }
    assert {anchor: record.history_type for anchor, record in latest.items()} == {
        "part-0": "~",
        "part-1": "~",
        "part-2": "~",
        "part-3": "+",  # created again, at its place in version 1
        "added": "-",
    }
    for anchor, record in latest.items():
        assert records.filter(anchor=anchor).count() == before[anchor] + 1
        assert record.history_change_reason == "Reverted to version 1"
        assert record.history_user == editor_user
    title_change = article.history.latest("history_id")
    assert article.history.count() == before["article"] + 1
    assert title_change.history_change_reason == "Reverted to version 1"
    entries = editor_client.get(f"{ARTICLE}history/").json()["results"]
    assert {entry["reason"] for entry in entries[:6]} == {"Reverted to version 1"}


def test_revert_records_a_reason_sent_with_it(editor_client, edited):
    etag = etag_of(editor_client)
    body = {"version": 1, "reason": "Back to the approved wording"}
    assert editor_client.post(REVERT, body, format="json", HTTP_IF_MATCH=etag).status_code == 200
    deleted = Section.history.get(anchor="added", history_type="-")
    assert deleted.history_change_reason == "Back to the approved wording"


def test_reverting_to_the_same_content_is_409(editor_client, make_article, editor_user):
    article = make_article(slug="stopping-ldn")
    services.version_submit(article=article, user=editor_user)
    edits = history_size()
    response = editor_client.post(
        REVERT, {"version": 1}, format="json", HTTP_IF_MATCH=etag_of(editor_client)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_revert"
    assert "version 1" in response.json()["detail"]
    assert history_size() == edits


def test_revert_to_an_unknown_version_is_404(editor_client, edited):
    etag = etag_of(editor_client)
    response = editor_client.post(REVERT, {"version": 7}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "version 7" in response.json()["detail"]


def test_revert_of_an_unknown_article_is_404(editor_client):
    response = editor_client.post(
        "/api/v1/articles/missing/revert/", {"version": 1}, format="json", HTTP_IF_MATCH='"x"'
    )
    assert response.status_code == 404


def test_a_version_of_another_article_is_not_found(editor_client, edited, make_article):
    other = make_article(slug="other-article", sections=1)
    etag = editor_client.get("/api/v1/articles/other-article/")["ETag"]
    response = editor_client.post(
        "/api/v1/articles/other-article/revert/", {"version": 1}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 404
    assert other.versions.count() == 0


@pytest.mark.parametrize(
    ("if_match", "status", "code"),
    [
        (None, 428, "if_match_required"),
        ("*", 428, "if_match_required"),
        ('"stale"', 412, "stale_etag"),
        ("unquoted", 400, "malformed_if_match"),
        ("W/{etag}", 412, "stale_etag"),
    ],
)
def test_revert_needs_the_current_etag(editor_client, edited, if_match, status, code):
    article, version = edited
    edits = history_size()
    etag = etag_of(editor_client)
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match.format(etag=etag)}
    response = editor_client.post(REVERT, {"version": 1}, format="json", **headers)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert history_size() == edits
    assert working_copy_hash(article) != version.content_hash


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"version": "1"},
        {"version": 0},
        {"version": 1.5},
        {"version": 2**31},
        {"version": 1, "x": 1},
    ],
)
def test_revert_refuses_a_bad_body(editor_client, edited, body):
    edits = history_size()
    response = editor_client.post(REVERT, body, format="json", HTTP_IF_MATCH=etag_of(editor_client))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert history_size() == edits


def test_revert_refuses_a_reason_sent_twice(editor_client, edited):
    response = editor_client.post(
        REVERT,
        {"version": 1, "reason": "one"},
        format="json",
        HTTP_IF_MATCH=etag_of(editor_client),
        HTTP_X_CHANGE_REASON="two",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "change_reason_twice"


@pytest.mark.parametrize("client_name", ["clinician_client", "publisher_client"])
def test_only_editors_may_revert(request, client_name, edited):
    article, version = edited
    client = request.getfixturevalue(client_name)
    response = client.post(REVERT, {"version": 1}, format="json", HTTP_IF_MATCH=etag_of(client))
    assert response.status_code == 403
    assert working_copy_hash(article) != version.content_hash


def test_the_service_checks_the_role_itself(edited):
    article, version = edited
    with pytest.raises(NotAllowed):
        services.article_revert(
            article=article,
            version=version,
            user=factories.clinician(username="someone"),
            if_match=selectors.working_copy_get(slug=article.slug).etag,
        )
    assert working_copy_hash(article) != version.content_hash


def test_revert_changes_nothing_that_is_served(editor_client, editor_user, edited, doctor):
    article, _ = edited
    review = review_services.review_submit(article=article, user=editor_user)
    review_services.review_approve(
        review=review, reviewer=doctor, content_hash=review.version.content_hash, kind="full"
    )
    served = Publication.objects.get(article=article).payload
    response = editor_client.post(
        REVERT, {"version": 1}, format="json", HTTP_IF_MATCH=etag_of(editor_client)
    )
    assert response.status_code == 200
    publication = Publication.objects.get(article=article)
    assert (publication.version.number, publication.payload) == (2, served)
