"""Served payloads escape `<`, `>` and `&`, so json_ld can be inlined in a <script> element."""

import hashlib
import importlib
import json

import pytest
from django.apps import apps

from articles import services as article_services
from articles.models import Publication, ReviewKind
from articles.rendering import render_list_entry
from reviews import services as review_services

pytestmark = pytest.mark.django_db

HOSTILE = "Stop </script><script>alert(1)</script> <!-- & tell your GP"
MIGRATION = importlib.import_module("articles.migrations.0008_publication_payload_script_safe")


@pytest.fixture
def published(editor_user, doctor) -> Publication:
    article = article_services.article_create(
        author=editor_user,
        slug="stopping-ldn",
        fields={"title": HOSTILE, "summary": HOSTILE, "topics": ["ldn"]},
        sections=[{"anchor": "warning", "heading": HOSTILE, "body": f"**{HOSTILE}**"}],
    )
    review = review_services.review_submit(article=article, user=editor_user)
    review_services.review_approve(
        review=review,
        reviewer=doctor,
        content_hash=review.version.content_hash,
        kind=ReviewKind.FULL,
    )
    return Publication.objects.get(article=article)


def test_the_served_article_has_no_raw_angle_brackets_or_ampersands(published, consumer):
    response = consumer.get("/api/v1/published/articles/stopping-ldn/")
    assert response.status_code == 200
    for character in (b"<", b">", b"&"):
        assert character not in response.content
    body = json.loads(response.content)
    assert body["json_ld"]["name"] == HOSTILE, "a JSON parser reads the same text"
    assert body["title"] == HOSTILE
    # What a site does with json_ld: inline the served text of it in a script element.
    inlined = f'<script type="application/ld+json">{json.dumps(body["json_ld"])}</script>'
    assert "</script>" in inlined, "re-serialised without escaping, it would break out"
    served_json_ld = response.content.split(b'"json_ld":', 1)[1][:-1]
    assert b"</" not in served_json_ld and b"<!--" not in served_json_ld
    assert json.loads(served_json_ld) == body["json_ld"]


def test_the_list_entry_is_escaped_too(published, consumer):
    response = consumer.get("/api/v1/published/articles/")
    assert response.status_code == 200
    assert b"<" not in response.content and b"&" not in response.content
    assert response.json()["results"][0]["title"] == HOSTILE


def _plain_encoding(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def test_the_migration_reencodes_stored_payloads_and_their_etags_both_ways(published):
    served_payload, served_etag = bytes(published.payload), published.etag

    MIGRATION.encode_plain(apps, None)
    published.refresh_from_db()
    plain = _plain_encoding(json.loads(served_payload))
    assert bytes(published.payload) == plain
    assert b"</script>" in plain
    digest = hashlib.sha256(plain).hexdigest()[:16]
    assert published.etag == served_etag.rsplit("-", 1)[0] + f'-{digest}"'
    assert json.loads(bytes(published.list_entry))["etag"] == published.etag
    assert b"<" in bytes(published.list_entry)

    MIGRATION.encode_script_safe(apps, None)
    published.refresh_from_db()
    assert bytes(published.payload) == served_payload, "byte for byte what publish stores"
    assert published.etag == served_etag
    assert bytes(published.list_entry) == render_list_entry(published)
