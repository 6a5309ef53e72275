"""Migrations: frozen code only, and data migrations that store what the services store."""

import ast
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps

from articles.models import Publication
from articles.rendering import publication_render, render_list_entry
from reviews import services as review_services

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("articles", "reviews", "ldncontent")
MIGRATIONS = sorted(
    path
    for package in PROJECT_PACKAGES
    for path in (ROOT / package / "migrations").glob("[0-9]*.py")
)
LIST_ENTRY_MIGRATION = importlib.import_module("articles.migrations.0005_publication_list_entry")
SCRIPT_SAFE_MIGRATION = importlib.import_module(
    "articles.migrations.0008_publication_payload_script_safe"
)


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize(
    "path", MIGRATIONS, ids=lambda path: f"{path.parent.parent.name}/{path.name}"
)
def test_a_migration_imports_none_of_the_project_code_that_later_changes(path):
    project_imports = {
        module for module in _imported_modules(path) if module.split(".")[0] in PROJECT_PACKAGES
    }

    assert project_imports == set(), "copy what the migration needs into it, frozen"


@pytest.fixture
def published(make_article, editor_user, doctor) -> Publication:
    article = make_article(slug="stopping-ldn", title="Stop <gradually> & safely")
    review = review_services.review_submit(article=article, user=editor_user)
    review_services.review_approve(
        review=review, reviewer=doctor, content_hash=review.version.content_hash, kind="full"
    )
    # As the publications these migrations met: approved before sign-off policies.
    publication = Publication.objects.get(article=article)
    publication.sign_offs = []
    publication_render(publication=publication, now=publication.updated_at)
    publication.save()
    return publication


@pytest.mark.django_db
def test_the_list_entry_migration_renders_the_entries_later_migrations_expect(published):
    served = bytes(published.list_entry)
    Publication.objects.filter(pk=published.pk).update(list_entry=b"{}")

    LIST_ENTRY_MIGRATION.render_list_entries(apps, None)
    published.refresh_from_db()
    # As rendered then: the encoding before 0008 made it safe to inline in <script>.
    assert b"Stop <gradually> & safely" in bytes(published.list_entry)
    assert json.loads(bytes(published.list_entry)) == json.loads(served)

    SCRIPT_SAFE_MIGRATION.encode_script_safe(apps, None)
    published.refresh_from_db()
    assert bytes(published.list_entry) == served == render_list_entry(published)
