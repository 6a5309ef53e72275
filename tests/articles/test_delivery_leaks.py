"""No byte of unapproved content reaches a consuming site, through any delivery endpoint.

Each state of content carries its own marker. After building every state, the test walks the
whole delivery API (every article, section, filter, page, error and the changes feed) and the
OpenAPI schema, and asserts that only markers of approved, live content ever appear.
"""

import pytest
from django.test import Client

from articles import services as article_services
from articles.models import ReviewKind, Section, Version
from articles.selectors import article_etag, section_list
from reviews import services as review_services

pytestmark = pytest.mark.django_db

UNAPPROVED = {
    "working": "MARKER-WORKING-COPY",
    "pending": "MARKER-PENDING",
    "changes_requested": "MARKER-CHANGES-REQUESTED",
    "rejected": "MARKER-REJECTED",
    "superseded": "MARKER-SUPERSEDED",
    "withdrawn": "MARKER-WITHDRAWN",
    "retracted": "MARKER-RETRACTED",
}
APPROVED = "MARKER-APPROVED-LIVE"


def _sections(marker: str) -> list[dict]:
    return [
        {"anchor": "intro", "heading": f"Intro {marker}", "body": f"Text {marker} [^source]."},
        {"anchor": f"only-{marker.lower()}", "heading": marker, "body": marker},
    ]


def _references(marker: str) -> list[dict]:
    """A cited source and an uncited one, each carrying the state's marker."""
    return [
        {
            "key": "source",
            "kind": "journal_article",
            "title": f"Source {marker}",
            "authors_or_publisher": f"Author {marker}",
            "doi": f"10.1000/{marker}",
            "url": f"https://example.org/{marker}",
        },
        {"key": f"unused-{marker.lower()}", "kind": "website", "title": f"Unused {marker}"},
    ]


@pytest.fixture
def every_state(editor_user, doctor, publisher):
    def create(slug, marker):
        return article_services.article_create(
            author=editor_user,
            slug=slug,
            fields={"title": f"Title {marker}", "summary": marker, "topics": ["ldn"]},
            sections=_sections(marker),
            references=_references(marker),
        )

    def replace(article, marker):
        article_services.article_put(
            slug=article.slug,
            user=editor_user,
            if_match=article_etag(article=article, sections=section_list(article=article)),
            fields={"title": f"Title {marker}", "summary": marker, "topics": ["ldn"]},
            sections=_sections(marker),
            references=_references(marker),
        )

    def submit(article):
        return review_services.review_submit(article=article, user=editor_user)

    def approve(review, kind=ReviewKind.FULL):
        return review_services.review_approve(
            review=review,
            reviewer=doctor,
            content_hash=review.version.content_hash,
            kind=kind,
            evidence=[{"reference_key": "source", "verdict": "still_supports"}],
        )

    live = create("live", APPROVED)
    approve(submit(live))
    replace(live, UNAPPROVED["working"])  # edited after approval, never submitted

    submit(create("pending", UNAPPROVED["pending"]))

    changes = create("changes", APPROVED)
    approve(submit(changes))
    replace(changes, UNAPPROVED["changes_requested"])
    review_services.review_request_changes(
        review=submit(changes), reviewer=doctor, comments=[{"body": "Fix."}]
    )

    review_services.review_reject(
        review=submit(create("rejected", UNAPPROVED["rejected"])), reviewer=doctor, note="No."
    )

    superseded = create("superseded", UNAPPROVED["superseded"])
    submit(superseded)
    replace(superseded, APPROVED)
    approve(submit(superseded))

    review_services.review_withdraw(
        review=submit(create("withdrawn", UNAPPROVED["withdrawn"])), user=editor_user
    )

    retracted = create("retracted", UNAPPROVED["retracted"])
    approve(submit(retracted))
    article_services.publication_retract(article=retracted, user=publisher, reason="Outdated.")


def _delivery_bodies(consumer) -> list[tuple[str, bytes]]:
    bodies = []

    def get(url, **headers):
        response = consumer.get(url, **headers)
        assert response.status_code < 500, url
        bodies.append((url, response.content))
        return response

    base = "/api/v1/published"
    slugs = ["live", "pending", "changes", "rejected", "superseded", "withdrawn", "retracted"]
    anchors = {"intro", "reorder", "nothing"} | {
        section.anchor for section in Section.objects.all()
    }
    for version in Version.objects.all():
        anchors |= {item["anchor"] for item in version.sections}
    for slug in [*slugs, "unknown"]:
        detail = get(f"{base}/articles/{slug}/")
        get(f"{base}/articles/{slug}/", HTTP_IF_NONE_MATCH=detail.get("ETag", '"x"'))
        get(f"{base}/articles/{slug}/", HTTP_IF_NONE_MATCH='"stale"')
        for anchor in anchors:
            get(f"{base}/articles/{slug}/sections/{anchor}/")
    queries = [
        "",
        "?topic=ldn",
        "?audience=patient",
        "?review_overdue=false",
        "?review_overdue=true",
        "?updated_since=2000-01-01T00:00:00Z",
        "?audience=bogus",
        "?cursor=bad",
    ]
    for query in queries:
        get(f"{base}/articles/{query}")
    cursor = None
    for _ in range(20):
        page = get(f"{base}/articles/?limit=1" + (f"&cursor={cursor}" if cursor else ""))
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    get(f"{base}/changes/")
    get(f"{base}/changes/?limit=1")
    get(f"{base}/changes/?cursor=nope")
    return bodies


def test_no_delivery_response_contains_unapproved_content(every_state, consumer):
    bodies = _delivery_bodies(consumer)
    assert len(bodies) > 100
    served = b"".join(body for _, body in bodies).decode()
    assert APPROVED in served, "the approved content is served"
    assert f"Source {APPROVED}" in served, "the approved version's cited source is served"
    assert f"Unused {APPROVED}" not in served, "an uncited source is never served"
    for state, marker in UNAPPROVED.items():
        leaks = [url for url, body in bodies if marker.encode() in body]
        assert not leaks, f"{state} content leaked through {leaks[:5]}"


def test_the_schema_and_its_examples_contain_no_stored_content(every_state):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for marker in [*UNAPPROVED.values(), APPROVED]:
        assert marker not in schema
