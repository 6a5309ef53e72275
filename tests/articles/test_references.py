"""References: the sources an article cites as `[^key]`, kept with the working copy, frozen
with each version, diffed, served numbered with the payload and kept fresh by link checks."""

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles import reference_checks
from articles import services as article_services
from articles.citations import citation_order
from articles.exceptions import UnknownCitation
from articles.importing import ImportedReference, parse_article
from articles.models import (
    PUBLIC_EVENT_TYPES,
    Event,
    EventType,
    Publication,
    Reference,
    ReferenceCheckResult,
    ReviewKind,
    Section,
    Version,
)
from articles.rendering import Attribution, payload_bytes, render_payload
from articles.selectors import article_etag, section_list
from ldncontent.exceptions import InvalidContent
from reviews import services as review_services
from tests.articles import fake_resolver
from tests.clients import form_data, staff_client

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
NICE = {
    "key": "nice-ng193",
    "kind": "guideline",
    "title": "Chronic pain in over 16s",
    "authors_or_publisher": "NICE",
    "guideline_id": "NG193",
    "url": "https://www.nice.org.uk/guidance/ng193",
    "published_on": "2021-04-07",
}
TRIAL = {
    "key": "younger-2013",
    "kind": "journal_article",
    "title": "Low-dose naltrexone for fibromyalgia",
    "authors_or_publisher": "Younger J, Noor N, McCue R, Mackey S",
    "doi": "10.1002/art.37734",
    "pmid": "23359310",
    "published_on": "2013-02-01",
}


def article_url(slug: str = "stopping-ldn") -> str:
    return f"/api/v1/articles/{slug}/"


def references_url(slug: str = "stopping-ldn") -> str:
    return f"/api/v1/articles/{slug}/references/"


def reference_url(key: str, slug: str = "stopping-ldn") -> str:
    return f"/api/v1/articles/{slug}/references/{key}/"


def etag_of(client, slug: str = "stopping-ldn") -> str:
    return client.get(article_url(slug))["ETag"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()
    return response.json()


def add_reference(client, values: dict, slug: str = "stopping-ldn"):
    return client.post(
        references_url(slug), values, format="json", HTTP_IF_MATCH=etag_of(client, slug)
    )


def cite(client, anchor: str, body: str, slug: str = "stopping-ldn"):
    return client.patch(
        f"/api/v1/articles/{slug}/sections/{anchor}/",
        {"body": body},
        format="json",
        HTTP_IF_MATCH=etag_of(client, slug),
    )


def current_etag(article) -> str:
    return article_etag(article=article, sections=section_list(article=article))


def with_references(article, editor, *references: dict, bodies: dict[str, str]):
    """Give the article these references and section bodies, through the services."""
    for values in references:
        article_services.reference_create(
            article=article,
            user=editor,
            if_match=current_etag(article),
            values={
                **values,
                **{
                    name: date.fromisoformat(values[name])
                    for name in ("published_on", "accessed_on")
                    if name in values
                },
            },
        )
    for anchor, body in bodies.items():
        article_services.section_update(
            article=article,
            anchor=anchor,
            user=editor,
            if_match=current_etag(article),
            changes={"body": body},
        )
    return article


def approve(review, doctor, kind=ReviewKind.FULL):
    return review_services.review_approve(
        review=review,
        reviewer=doctor,
        content_hash=review.version.content_hash,
        kind=kind,
        **evidence_for(review),
    )


def evidence_for(review) -> dict:
    """An evidence check of every reference the version cites."""
    cited = citation_order(section["body"] for section in review.version.sections)
    return {"evidence": [{"reference_key": key, "verdict": "still_supports"} for key in cited]}


# --- the authoring API ----------------------------------------------------------------------


def test_editor_adds_reads_changes_and_deletes_a_reference(editor_client, article):
    before = etag_of(editor_client)
    created = add_reference(editor_client, NICE)
    assert created.status_code == 201, created.content
    assert created["Location"] == reference_url("nice-ng193")
    assert created.json()["guideline_id"] == "NG193"
    assert created.json()["status"] == "current"
    assert created.json()["flagged"] is False
    assert created["ETag"] != before
    assert created["ETag"] == etag_of(editor_client)

    listed = editor_client.get(references_url())
    assert [item["key"] for item in listed.json()] == ["nice-ng193"]
    assert editor_client.get(reference_url("nice-ng193")).json()["title"] == NICE["title"]

    changed = editor_client.patch(
        reference_url("nice-ng193"),
        {"title": "Chronic pain (NG193)"},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "Chronic pain (NG193)"
    assert changed["ETag"] != created["ETag"]

    deleted = editor_client.delete(reference_url("nice-ng193"), HTTP_IF_MATCH=changed["ETag"])
    assert deleted.status_code == 204
    assert not Reference.objects.exists()
    history = Reference.history.filter(key="nice-ng193").order_by("history_id")
    assert [record.history_type for record in history] == ["+", "~", "-"]
    assert history.last().history_user.username == "editor"


def test_reference_writes_need_a_current_if_match(editor_client, article):
    assert_error(
        editor_client.post(references_url(), NICE, format="json"), 428, "if_match_required"
    )
    assert_error(
        editor_client.post(references_url(), NICE, format="json", HTTP_IF_MATCH='"stale"'),
        412,
        "stale_etag",
    )
    assert not Reference.objects.exists()


@pytest.mark.parametrize("client_name", ["clinician_client", "publisher_client"])
def test_only_editors_write_references_and_every_staff_role_reads(
    request, client_name, editor_client, article
):
    add_reference(editor_client, NICE)
    client = request.getfixturevalue(client_name)
    assert client.get(references_url()).status_code == 200
    assert client.get(reference_url("nice-ng193")).status_code == 200
    assert_error(add_reference(client, TRIAL), 403, "permission_denied")
    assert_error(
        client.patch(
            reference_url("nice-ng193"),
            {"title": "X"},
            format="json",
            HTTP_IF_MATCH=etag_of(client),
        ),
        403,
        "permission_denied",
    )
    assert_error(
        client.delete(reference_url("nice-ng193"), HTTP_IF_MATCH=etag_of(client)),
        403,
        "permission_denied",
    )
    assert Reference.objects.get().title == NICE["title"]


def test_anonymous_cannot_read_references(api_client, article):
    assert_error(api_client.get(references_url()), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("doi", "https://doi.org/10.1002/art.37734"),
        ("doi", "art.37734"),
        ("pmid", "23359310x"),
        ("pmid", "0123"),
        ("url", "javascript:alert(1)"),
        ("url", "not a url"),
        ("key", "Not A Slug"),
        ("kind", "podcast"),
        ("published_on", "2013-13-01"),
        ("title", ""),
        ("title", 5),
    ],
)
def test_malformed_reference_fields_are_a_400(editor_client, article, field, value):
    response = add_reference(editor_client, {**TRIAL, field: value})
    assert response.status_code == 400, response.content
    assert field in json.dumps(response.json())
    assert not Reference.objects.exists()


def test_unknown_fields_and_a_taken_key_are_refused(editor_client, article):
    assert_error(add_reference(editor_client, {**NICE, "dead_since": None}), 400, "invalid")
    add_reference(editor_client, NICE)
    assert_error(add_reference(editor_client, NICE), 409, "reference_key_taken")


# --- citations ------------------------------------------------------------------------------


def test_a_section_citing_an_unknown_key_is_a_400_naming_it(editor_client, article):
    response = cite(editor_client, "part-0", "LDN may help [^younger-2013].")
    body = assert_error(response, 400, "unknown_citation")
    assert "younger-2013" in body["detail"]
    assert Section.objects.get(anchor="part-0").body == "Body of part 0."
    add_reference(editor_client, TRIAL)
    assert cite(editor_client, "part-0", "LDN may help [^younger-2013].").status_code == 200


def test_a_new_section_citing_an_unknown_key_is_refused(editor_client, article):
    response = editor_client.post(
        "/api/v1/articles/stopping-ldn/sections/",
        {"anchor": "evidence", "heading": "Evidence", "body": "See [^nice-ng193]."},
        format="json",
        HTTP_IF_MATCH=etag_of(editor_client),
    )
    assert "nice-ng193" in assert_error(response, 400, "unknown_citation")["detail"]


def test_a_cited_reference_cannot_be_deleted(editor_client, article):
    add_reference(editor_client, NICE)
    cite(editor_client, "part-1", "As NICE says [^nice-ng193].")
    response = editor_client.delete(
        reference_url("nice-ng193"), HTTP_IF_MATCH=etag_of(editor_client)
    )
    assert "part-1" in assert_error(response, 409, "reference_cited")["detail"]
    assert Reference.objects.filter(key="nice-ng193").exists()


def test_a_footnote_definition_is_not_a_citation(editor_client, article):
    assert cite(editor_client, "part-0", "[^note]: a footnote line").status_code == 200


def test_the_working_copy_reports_unused_and_flagged_references(editor_client, article):
    add_reference(editor_client, NICE)
    add_reference(editor_client, TRIAL)
    cite(editor_client, "part-0", "Start low [^younger-2013].")
    body = editor_client.get(article_url()).json()
    assert [item["key"] for item in body["references"]] == ["nice-ng193", "younger-2013"]
    assert body["unused_references"] == ["nice-ng193"]
    assert body["flagged_references"] == []
    Reference.objects.filter(key="younger-2013").update(check_result=ReferenceCheckResult.DEAD)
    assert editor_client.get(article_url()).json()["flagged_references"] == ["younger-2013"]


def _put_document(**changes) -> dict:
    return {
        "title": "Stopping low-dose naltrexone",
        "topics": ["ldn"],
        "sections": [
            {"anchor": "part-0", "heading": "Part 0", "body": "Start low [^younger-2013]."},
            {"anchor": "part-1", "heading": "Part 1", "body": "See NICE [^nice-ng193]."},
        ],
        "references": [NICE, TRIAL],
        **changes,
    }


def test_put_matches_references_by_key(editor_client, article):
    response = editor_client.put(
        article_url(), _put_document(), format="json", HTTP_IF_MATCH=etag_of(editor_client)
    )
    assert response.status_code == 200, response.content
    assert [item["key"] for item in response.json()["references"]] == ["nice-ng193", "younger-2013"]
    first_ids = dict(Reference.objects.values_list("key", "pk"))

    changed_trial = {**TRIAL, "title": "LDN for fibromyalgia: a trial"}
    response = editor_client.put(
        article_url(),
        _put_document(
            references=[changed_trial],
            sections=[{"anchor": "part-0", "heading": "Part 0", "body": "[^younger-2013]"}],
        ),
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert response.status_code == 200, response.content
    assert dict(Reference.objects.values_list("key", "pk")) == {
        "younger-2013": first_ids["younger-2013"]
    }
    assert Reference.objects.get().title == "LDN for fibromyalgia: a trial"


def test_put_without_references_keeps_them(editor_client, article):
    editor_client.put(
        article_url(), _put_document(), format="json", HTTP_IF_MATCH=etag_of(editor_client)
    )
    document = _put_document()
    del document["references"]
    response = editor_client.put(
        article_url(), document, format="json", HTTP_IF_MATCH=etag_of(editor_client)
    )
    assert response.status_code == 200, response.content
    assert Reference.objects.count() == 2


def test_put_citing_an_unknown_key_changes_nothing(editor_client, article):
    etag = etag_of(editor_client)
    response = editor_client.put(
        article_url(), _put_document(references=[NICE]), format="json", HTTP_IF_MATCH=etag
    )
    body = assert_error(response, 400, "unknown_citation")
    assert "younger-2013" in body["detail"]
    assert "body" in body["errors"]["sections"]["0"]
    assert etag_of(editor_client) == etag
    assert not Reference.objects.exists()


def test_put_refuses_a_key_used_twice(editor_client, article):
    response = editor_client.put(
        article_url(),
        _put_document(references=[NICE, NICE, TRIAL]),
        format="json",
        HTTP_IF_MATCH=etag_of(editor_client),
    )
    assert_error(response, 400, "invalid")
    assert not Reference.objects.exists()


def test_create_with_references(editor_client):
    response = editor_client.post(
        "/api/v1/articles/",
        {"slug": "new-one", **_put_document()},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["unused_references"] == []


def test_submission_refuses_a_citation_whose_reference_is_gone(editor_user, article):
    Section.objects.filter(anchor="part-0").update(body="Cites [^ghost].")
    with pytest.raises(UnknownCitation) as refused:
        article_services.version_submit(article=article, user=editor_user)
    assert "ghost" in str(refused.value)
    assert not Version.objects.exists()


def test_a_submission_names_the_stored_section_citing_a_gone_reference(editor_client, article):
    Section.objects.filter(anchor="part-0").update(body="Cites [^ghost].")
    response = editor_client.post(f"/api/v1/articles/{article.slug}/submit/", {}, format="json")
    errors = assert_error(response, 400, "unknown_citation")["errors"]
    assert list(errors) == ["sections"], "nested, as every list item's errors are"
    assert "ghost" in errors["sections"]["part-0"]["body"][0]


# --- frozen with the version ----------------------------------------------------------------


# The content hash of the `article` fixture, as every version without references had it.
STORED_HASH = "ae0150fddc3bcb67d2743159847d8160ef7d3436119e8eb4567b043e9bbefe35"


def test_a_version_without_references_keeps_its_content_hash(editor_user, article):
    version = article_services.version_submit(article=article, user=editor_user)
    assert version.content_hash == STORED_HASH
    assert version.references == []


def test_references_are_frozen_and_hashed_with_the_version(editor_user, article):
    with_references(article, editor_user, NICE, TRIAL, bodies={"part-0": "Low [^younger-2013]."})
    version = article_services.version_submit(article=article, user=editor_user)
    assert [item["key"] for item in version.references] == ["nice-ng193", "younger-2013"]
    assert version.references[1]["doi"] == "10.1002/art.37734"
    assert version.references[1]["published_on"] == "2013-02-01"
    assert "last_checked_at" not in version.references[0]

    reference = Reference.objects.get(key="nice-ng193")
    article_services.reference_update(
        article=article,
        key="nice-ng193",
        user=editor_user,
        if_match=current_etag(article),
        changes={"title": "Chronic pain (primary and secondary)"},
    )
    second = article_services.version_submit(article=article, user=editor_user)
    assert second.content_hash != version.content_hash
    # Link checks are not content: they change neither the ETag nor the next hash.
    etag = current_etag(article)
    Reference.objects.filter(pk=reference.pk).update(
        last_checked_at=timezone.now(), check_result=ReferenceCheckResult.DEAD
    )
    assert current_etag(article) == etag


def test_revert_restores_the_references_of_the_version(editor_user, article):
    with_references(article, editor_user, NICE, bodies={"part-0": "[^nice-ng193]"})
    version = article_services.version_submit(article=article, user=editor_user)
    with_references(article, editor_user, TRIAL, bodies={"part-0": "[^younger-2013]"})
    article_services.reference_delete(
        article=article, key="nice-ng193", user=editor_user, if_match=current_etag(article)
    )
    article_services.article_revert(
        article=article, version=version, user=editor_user, if_match=current_etag(article)
    )
    assert list(Reference.objects.values_list("key", flat=True)) == ["nice-ng193"]
    assert Reference.objects.get().published_on == date(2021, 4, 7)


def test_the_diff_shows_added_removed_and_changed_references(editor_client, editor_user, article):
    with_references(article, editor_user, NICE, TRIAL, bodies={"part-0": "[^younger-2013]"})
    article_services.version_submit(article=article, user=editor_user)
    article_services.reference_update(
        article=article,
        key="younger-2013",
        user=editor_user,
        if_match=current_etag(article),
        changes={"status": "superseded"},
    )
    article_services.reference_delete(
        article=article, key="nice-ng193", user=editor_user, if_match=current_etag(article)
    )
    with_references(
        article,
        editor_user,
        {**NICE, "key": "nice-cg173", "guideline_id": "CG173"},
        bodies={"part-1": "[^nice-cg173]"},
    )
    article_services.version_submit(article=article, user=editor_user)
    diff = editor_client.get("/api/v1/articles/stopping-ldn/versions/2/diff/?against=1").json()
    assert diff["changed"] is True
    by_key = {item["key"]: item for item in diff["references"]}
    assert by_key["nice-cg173"]["status"] == "added"
    assert by_key["nice-ng193"]["status"] == "removed"
    assert by_key["younger-2013"]["status"] == "changed"
    assert by_key["younger-2013"]["changed_fields"] == ["status"]
    assert by_key["younger-2013"]["old"]["status"] == "current"
    assert by_key["younger-2013"]["new"]["status"] == "superseded"
    assert [item["field"] for item in diff["fields"]] == ["title", "summary", "topics", "audience"]


def test_a_diff_without_references_lists_none(editor_client, editor_user, article):
    article_services.version_submit(article=article, user=editor_user)
    diff = editor_client.get("/api/v1/articles/stopping-ldn/versions/1/diff/").json()
    assert diff["references"] == []


# --- served ---------------------------------------------------------------------------------


ATTRIBUTION = Attribution(
    reviewer_name="Dr Ada",
    reviewer_credentials="MBBS",
    review_kind="full",
    approved_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
    last_reviewed=date(2026, 11, 2),
    next_review_due=date(2027, 11, 2),
)


def test_a_version_without_references_renders_byte_for_byte_as_before():
    version = Version(
        number=3,
        title="Stopping LDN",
        summary="How to stop.",
        topics=["ldn"],
        audience="patient",
        sections=[
            {
                "anchor": "intro",
                "heading": "Intro",
                "body": "Text with [a link](https://example.org) and **bold**.",
            },
            {"anchor": "table", "heading": "Table", "body": "| a | b |\n|---|---|\n| 1 | 2 |"},
        ],
        content_hash="ab" * 32,
    )
    rendered = payload_bytes(
        render_payload(version=version, slug="stopping-ldn", attribution=ATTRIBUTION)
    )
    assert rendered == (FIXTURES / "payload_without_references.json").read_bytes()


def _version_with_references() -> Version:
    return Version(
        number=1,
        title="LDN",
        summary="",
        topics=["ldn"],
        audience="patient",
        sections=[
            {
                "anchor": "a",
                "heading": "A",
                "body": "Trial [^younger-2013], then NICE [^nice-ng193].",
            },
            {"anchor": "b", "heading": "B", "body": "NICE again [^nice-ng193]."},
            {"anchor": "c", "heading": "C", "body": "No sources."},
        ],
        references=[
            {**NICE, "doi": "", "pmid": "", "accessed_on": None, "status": "current"},
            {**TRIAL, "guideline_id": "", "url": "", "accessed_on": None, "status": "current"},
            {
                "key": "unused",
                "kind": "website",
                "title": "UNUSED-SOURCE",
                "authors_or_publisher": "",
                "doi": "",
                "pmid": "",
                "guideline_id": "",
                "url": "https://example.org/",
                "published_on": None,
                "accessed_on": None,
                "status": "current",
            },
        ],
        content_hash="cd" * 32,
    )


def test_the_payload_numbers_cited_references_by_first_citation():
    payload = render_payload(
        version=_version_with_references(), slug="ldn", attribution=ATTRIBUTION
    )
    assert [(item["number"], item["key"]) for item in payload["references"]] == [
        (1, "younger-2013"),
        (2, "nice-ng193"),
    ]
    assert "UNUSED-SOURCE" not in json.dumps(payload)
    trial = payload["references"][0]
    assert trial["identifiers"] == {
        "doi": "10.1002/art.37734",
        "pmid": "23359310",
        "guideline_id": None,
    }
    assert trial["url"] == "https://doi.org/10.1002/art.37734"
    assert trial["published_on"] == "2013-02-01"
    assert [section["cites"] for section in payload["sections"]] == [[1, 2], [2], []]
    html = payload["sections"][0]["html"]
    assert '<sup><a href="#ref-1" rel="noopener noreferrer">1</a></sup>' in html
    assert '<sup><a href="#ref-2" rel="noopener noreferrer">2</a></sup>' in html
    assert "[^" not in html
    assert list(payload)[-2:] == ["references", "json_ld"]
    citation = payload["json_ld"]["citation"]
    assert citation[0] == {
        "@type": "ScholarlyArticle",
        "name": TRIAL["title"],
        "author": TRIAL["authors_or_publisher"],
        "datePublished": "2013-02-01",
        "identifier": [
            {"@type": "PropertyValue", "propertyID": "doi", "value": "10.1002/art.37734"},
            {"@type": "PropertyValue", "propertyID": "pmid", "value": "23359310"},
        ],
        "url": "https://doi.org/10.1002/art.37734",
    }
    assert citation[1]["@type"] == "CreativeWork"
    assert citation[1]["url"] == NICE["url"]


def test_citation_markup_stays_safe():
    version = _version_with_references()
    version.sections[0]["body"] = "<script>x</script>[^nice-ng193][y](javascript:alert(1))"
    html = render_payload(version=version, slug="ldn", attribution=ATTRIBUTION)["sections"][0][
        "html"
    ]
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert '<sup><a href="#ref-' in html


def test_only_markers_in_the_text_become_links():
    # A version is validated before it is frozen (an unknown key is refused); rendering
    # still never fails on one, and never links a marker outside the text.
    version = _version_with_references()
    version.sections[0]["body"] = (
        "Cited [^nice-ng193]; `[^younger-2013]` in code; &#91;^ghost] escaped; "
        '![alt [^nice-ng193]](https://example.org/i.png "t [^nice-ng193]")'
    )
    section = render_payload(version=version, slug="ldn", attribution=ATTRIBUTION)["sections"][0]
    html = section["html"]
    assert html.count('<a href="#ref-') == 1
    assert "<code>[^younger-2013]</code>" in html
    assert "[^ghost] escaped" in html
    assert section["cites"] == [1]


def test_markers_in_code_do_not_cite_and_escaped_ones_do(editor_client, article):
    response = cite(editor_client, "part-0", "Write `[^anything]` to cite a source.")
    assert response.status_code == 200, response.content
    response = cite(editor_client, "part-0", "Escaped &#91;^ghost] still reads [^ghost].")
    error = assert_error(response, 400, "unknown_citation")
    assert "ghost" in json.dumps(error)


def test_delivery_serves_references_in_one_query(
    editor_user, doctor, article, consumer, django_assert_max_num_queries
):
    with_references(article, editor_user, NICE, TRIAL, bodies={"part-1": "NICE [^nice-ng193]."})
    approve(review_services.review_submit(article=article, user=editor_user), doctor)
    with django_assert_max_num_queries(2):
        response = consumer.get("/api/v1/published/articles/stopping-ldn/")
    assert response.status_code == 200
    body = response.json()
    assert [item["key"] for item in body["references"]] == ["nice-ng193"]
    assert body["sections"][1]["cites"] == [1]
    assert body["json_ld"]["citation"][0]["name"] == NICE["title"]
    assert response.content == bytes(Publication.objects.get().payload)


# --- kept fresh -----------------------------------------------------------------------------


@pytest.fixture
def resolver(settings):
    settings.REFERENCE_RESOLVER = "tests.articles.fake_resolver.resolve"
    fake_resolver.ANSWERS.clear()
    fake_resolver.ASKED.clear()
    return fake_resolver


def test_a_dead_link_flags_every_article_citing_the_source(
    resolver, editor_user, make_article, editor_client
):
    first = make_article(slug="first", sections=1)
    second = make_article(slug="second", sections=1)
    uncited = make_article(slug="uncited", sections=1)
    with_references(first, editor_user, TRIAL, bodies={"part-0": "[^younger-2013]"})
    with_references(second, editor_user, {**TRIAL, "key": "trial"}, bodies={"part-0": "[^trial]"})
    with_references(uncited, editor_user, TRIAL, bodies={})
    Reference.objects.filter(article__in=[second, uncited]).update(last_checked_at=timezone.now())
    resolver.ANSWERS["https://doi.org/10.1002/art.37734"] = (False, "HTTP 404")

    assert reference_checks.check_due_references() == 1
    flagged = Event.objects.filter(type=EventType.REFERENCE_FLAGGED).order_by("slug")
    assert [(event.slug, event.data["key"]) for event in flagged] == [
        ("first", "younger-2013"),
        ("second", "trial"),
    ]
    assert flagged[0].data["doi"] == "10.1002/art.37734"
    checked = Reference.objects.get(article=first)
    assert checked.check_result == ReferenceCheckResult.DEAD
    assert checked.dead_since is not None
    assert checked.check_detail == "HTTP 404"
    assert editor_client.get(article_url("first")).json()["flagged_references"] == ["younger-2013"]

    # Still dead a week later: checked again, but not flagged twice.
    Reference.objects.update(last_checked_at=timezone.now() - timedelta(days=8))
    reference_checks.check_due_references()
    assert Event.objects.filter(type=EventType.REFERENCE_FLAGGED).count() == 2


def test_checks_are_bounded_per_run_and_skip_recent_ones(
    resolver, settings, editor_user, make_article
):
    settings.REFERENCE_CHECKS_PER_RUN = 2
    settings.REFERENCE_CHECK_INTERVAL_DAYS = 7
    article = make_article(sections=1)
    for index in range(3):
        with_references(
            article,
            editor_user,
            {
                "key": f"site-{index}",
                "kind": "website",
                "title": "Site",
                "url": f"https://e.org/{index}",
            },
            bodies={},
        )
    with_references(article, editor_user, {"key": "book", "kind": "book", "title": "B"}, bodies={})
    assert reference_checks.check_due_references() == 2
    assert reference_checks.check_due_references() == 1
    assert reference_checks.check_due_references() == 0
    assert sorted(resolver.ASKED) == ["https://e.org/0", "https://e.org/1", "https://e.org/2"]
    assert Reference.objects.get(key="site-0").check_result == ReferenceCheckResult.OK
    assert Reference.objects.get(key="book").last_checked_at is None


def test_an_inconclusive_check_flags_nothing(resolver, editor_user, article):
    with_references(article, editor_user, NICE, bodies={"part-0": "[^nice-ng193]"})
    resolver.ANSWERS[NICE["url"]] = (None, "timeout")
    reference_checks.check_due_references()
    reference = Reference.objects.get()
    assert reference.check_result == ReferenceCheckResult.UNCHECKED
    assert reference.last_checked_at is not None
    assert not Event.objects.filter(type=EventType.REFERENCE_FLAGGED).exists()


def test_the_worker_runs_the_reference_checks(settings):
    assert (
        "articles.reference_checks.check_due_references",
        settings.REFERENCE_CHECK_RUN_SECONDS,
    ) in settings.WORKER_PERIODIC_JOBS


def test_marking_a_cited_source_withdrawn_flags_the_article(editor_client, article):
    add_reference(editor_client, NICE)
    cite(editor_client, "part-0", "[^nice-ng193]")
    response = editor_client.patch(
        reference_url("nice-ng193"),
        {"status": "withdrawn"},
        format="json",
        HTTP_IF_MATCH=etag_of(editor_client),
    )
    assert response.json()["flagged"] is True
    event = Event.objects.get(type=EventType.REFERENCE_FLAGGED)
    assert event.slug == "stopping-ldn"
    assert event.data["reason"] == "Marked withdrawn"


def test_the_flag_event_goes_to_cms_webhooks_only(publisher, site):
    assert EventType.REFERENCE_FLAGGED not in PUBLIC_EVENT_TYPES
    with pytest.raises(InvalidContent) as refused:
        article_services.webhook_endpoint_create(
            user=publisher,
            name="site",
            url="https://example.org/hook",
            site=site,
            event_types=[EventType.REFERENCE_FLAGGED],
        )
    assert "reference.flagged" in refused.value.describe()


@pytest.mark.parametrize(
    "query",
    [
        "10.1002/art.37734",
        "https://doi.org/10.1002/ART.37734",
        "23359310",
        "ng193",
        "https://www.nice.org.uk/guidance/ng193",
    ],
)
def test_staff_find_every_article_citing_a_source(
    query, editor_user, make_article, clinician_client
):
    first = make_article(slug="first", sections=1)
    make_article(slug="other", sections=1)
    with_references(first, editor_user, NICE, TRIAL, bodies={})
    response = clinician_client.get("/api/v1/articles/", {"cites": query})
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["results"]] == ["first"]


def test_the_cites_filter_finds_nothing_for_an_unknown_source(editor_client, editor_user, article):
    with_references(article, editor_user, NICE, bodies={})
    response = editor_client.get("/api/v1/articles/", {"cites": "10.9999/none"})
    assert response.json()["results"] == []


# --- import ---------------------------------------------------------------------------------


IMPORTED = """# Stopping LDN

## Tapering

Lower the dose slowly.

## References

1. Younger J et al. Low-dose naltrexone for fibromyalgia. doi:10.1002/art.37734
2. A trial of LDN in Crohn's disease. PMID: 21380937
- NICE guideline NG193: https://www.nice.org.uk/guidance/ng193.
- A conversation with my pharmacist, 2024
"""


def test_the_importer_keeps_a_trailing_references_list_as_references():
    imported = parse_article(IMPORTED, fmt="markdown")
    assert [section.heading for section in imported.sections] == ["Tapering", "References"]
    assert imported.sections[-1].body == "- A conversation with my pharmacist, 2024"
    assert imported.references == [
        ImportedReference(
            key="ref-1",
            kind="journal_article",
            title="Younger J et al. Low-dose naltrexone for fibromyalgia",
            doi="10.1002/art.37734",
        ),
        ImportedReference(
            key="ref-2",
            kind="journal_article",
            title="A trial of LDN in Crohn's disease",
            pmid="21380937",
        ),
        ImportedReference(
            key="ref-3",
            kind="website",
            title="NICE guideline NG193",
            url="https://www.nice.org.uk/guidance/ng193",
        ),
    ]


def test_a_references_list_of_recognised_lines_only_leaves_no_section():
    imported = parse_article(
        "Title\n\nIntro text here that is a sentence.\n\nSources\n\n"
        "- https://www.nhs.uk/medicines/naltrexone/\n",
        fmt="text",
    )
    assert [section.heading for section in imported.sections] == ["Introduction"]
    assert imported.references[0].url == "https://www.nhs.uk/medicines/naltrexone/"


def test_an_unrecognisable_list_or_none_stays_text():
    imported = parse_article("# T\n\n## Body\n\nText.\n\n## Sources\n\n- My own notes\n")
    assert imported.references is None
    assert imported.sections[-1].body == "- My own notes"
    assert parse_article("# T\n\n## Body\n\nText.\n").references is None


def test_the_import_command_creates_the_references(tmp_path, editor_user):
    path = tmp_path / "stopping.md"
    path.write_text(IMPORTED, encoding="utf-8")
    output = io.StringIO()
    call_command("import_article", str(path), author="editor", stdout=output)
    assert "3 references" in output.getvalue()
    references = Reference.objects.filter(article__slug="stopping-ldn").order_by("key")
    assert [(item.key, item.doi, item.pmid) for item in references][:2] == [
        ("ref-1", "10.1002/art.37734", ""),
        ("ref-2", "", "21380937"),
    ]
    assert Reference.history.filter(key="ref-1").get().history_change_reason.startswith("Imported")


# --- the admin ------------------------------------------------------------------------------


def test_the_article_admin_lists_references_and_finds_articles_by_source(editor_user, make_article):
    first = make_article(slug="first", sections=1)
    make_article(slug="other", sections=1)
    with_references(first, editor_user, TRIAL, bodies={"part-0": "[^younger-2013]"})
    client = staff_client(editor_user)
    page = client.get(f"/admin/articles/article/{first.pk}/change/").content.decode()
    assert "younger-2013" in page
    found = client.get("/admin/articles/article/", {"q": "10.1002/art.37734"}).content.decode()
    assert f"/admin/articles/article/{first.pk}/change/" in found
    assert "other" not in found.split('id="result_list"')[1]
    assert (
        "0 articles"
        in client.get("/admin/articles/article/", {"flagged_references": "yes"}).content.decode()
    )
    Reference.objects.update(check_result=ReferenceCheckResult.DEAD)
    flagged = client.get("/admin/articles/article/", {"flagged_references": "yes"})
    assert "1 article" in flagged.content.decode()


def test_an_editor_edits_a_reference_in_the_admin_through_the_services(editor_user, article):
    with_references(article, editor_user, NICE, bodies={"part-0": "[^nice-ng193]"})
    client = staff_client(editor_user)
    reference = Reference.objects.get()
    url = f"/admin/articles/reference/{reference.pk}/change/"
    response = client.post(url, form_data(client.get(url), status="superseded"), follow=True)
    assert response.status_code == 200
    assert Reference.objects.get().status == "superseded"
    assert Reference.history.first().history_change_reason == "Edited in the admin"
    assert Event.objects.filter(type=EventType.REFERENCE_FLAGGED).count() == 1
    deleted = client.post(
        f"/admin/articles/reference/{reference.pk}/delete/",
        {"post": "yes", "etag": current_etag(article)},
        follow=True,
    )
    assert "remove the citations first" in deleted.content.decode()
    assert Reference.objects.exists()


def test_the_due_board_shows_an_article_citing_a_flagged_source(editor_user, doctor, article):
    with_references(article, editor_user, NICE, bodies={"part-0": "[^nice-ng193]"})
    approve(review_services.review_submit(article=article, user=editor_user), doctor)
    client = staff_client(doctor)
    assert (
        "ldn-evidence-flagged" not in client.get("/admin/reviews/reviewdueboard/").content.decode()
    )
    Reference.objects.update(status="withdrawn")
    html = client.get("/admin/reviews/reviewdueboard/").content.decode()
    assert "a source is dead, withdrawn or superseded" in html


@pytest.mark.parametrize("url", ["not a url", "ftp://example.org/guideline.pdf"])
def test_a_bad_web_address_is_explained_once(editor_client, article, url):
    body = assert_error(add_reference(editor_client, {**TRIAL, "url": url}), 400, "invalid")
    assert body["errors"] == {"url": ["Enter a web address that starts with http:// or https://."]}
