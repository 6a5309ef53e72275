"""A consuming site's view: generate a client from the live schema and sync through it."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from articles import services as article_services
from articles.models import ConsumerSite, ReviewKind
from reviews import services as review_services

pytestmark = pytest.mark.django_db(transaction=True)

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def generated_client(live_server, tmp_path):
    """The package openapi-python-client generates from the server's own /api/schema/."""
    schema = httpx.get(f"{live_server.url}/api/schema/", timeout=30)
    assert schema.status_code == 200
    schema_path = tmp_path / "schema.yaml"
    schema_path.write_bytes(schema.content)
    package_dir = tmp_path / "ldncontent_client"
    environment = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema_path),
            "--output-path",
            str(package_dir),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("ldncontent_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("ldncontent_client")]:
            del sys.modules[name]


def test_a_generated_client_lists_fetches_with_304_and_syncs(
    generated_client, live_server, make_article, editor_user, doctor, publisher
):
    article = make_article(slug="stopping-ldn", sections=2)
    review = review_services.review_submit(article=article, user=editor_user)
    review_services.review_approve(
        review=review,
        reviewer=doctor,
        content_hash=review.version.content_hash,
        kind=ReviewKind.FULL,
    )
    site = ConsumerSite.objects.create(name="Forum", contact_email="web@example.org")
    _, key = article_services.consumer_key_issue(site=site, name="sync", issued_by=publisher)

    from ldncontent_client import AuthenticatedClient
    from ldncontent_client.api.delivery import (
        published_articles_list,
        published_articles_retrieve,
        published_changes_list,
    )

    client = AuthenticatedClient(base_url=live_server.url, token=key, prefix="Api-Key")

    page = published_articles_list.sync(client=client)
    assert [item.slug for item in page.results] == ["stopping-ldn"]
    assert page.next_cursor is None

    first = published_articles_retrieve.sync_detailed(client=client, slug="stopping-ldn")
    assert first.status_code == 200
    assert first.parsed.version == 1
    assert first.parsed.medical_review.reviewer_name == "Dr Doctor"
    assert [section.anchor for section in first.parsed.sections] == ["part-0", "part-1"]
    etag = first.headers["ETag"]

    again = published_articles_retrieve.sync_detailed(
        client=client, slug="stopping-ldn", if_none_match=etag
    )
    assert again.status_code == 304
    assert again.content == b""

    changes = published_changes_list.sync(client=client)
    assert [(event.type_, event.slug) for event in changes.events] == [
        ("article.published", "stopping-ldn")
    ]
    article_services.publication_retract(article=article, user=publisher, reason="Outdated.")
    later = published_changes_list.sync(client=client, cursor=changes.next_cursor)
    assert [event.type_ for event in later.events] == ["article.retracted"]
    gone = published_articles_retrieve.sync_detailed(client=client, slug="stopping-ldn")
    assert gone.status_code == 410
    assert gone.parsed.reason == "Outdated."
