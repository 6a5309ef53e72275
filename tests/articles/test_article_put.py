"""article_put: the one create-or-replace of a whole article, used by PUT and the importer."""

import pytest

from articles import selectors, services
from articles.models import Article, Section
from ldncontent.exceptions import (
    InvalidContent,
    NotAllowed,
    PreconditionFailed,
    PreconditionRequired,
)

SECTIONS = [{"anchor": "intro", "heading": "Introduction", "body": "Text."}]


def test_put_creates_the_article_when_no_article_has_the_slug(editor_user):
    article, created = services.article_put(
        slug="new-article",
        user=editor_user,
        if_match=None,
        fields={"title": "New"},
        sections=SECTIONS,
    )

    assert created is True
    assert article.slug == "new-article"
    assert [section.anchor for section in selectors.section_list(article=article)] == ["intro"]


def test_put_replaces_the_working_copy_with_the_current_etag(editor_user, make_article):
    article = make_article(slug="stopping-ldn", sections=3, summary="Kept only if sent.")
    etag = selectors.working_copy_get(slug="stopping-ldn").etag

    replaced, created = services.article_put(
        slug="stopping-ldn",
        user=editor_user,
        if_match=etag,
        fields={"title": "Replaced"},
        sections=SECTIONS,
    )

    assert created is False
    assert replaced.pk == article.pk
    replaced.refresh_from_db()
    assert (replaced.title, replaced.summary) == ("Replaced", "")
    assert [section.anchor for section in selectors.section_list(article=replaced)] == ["intro"]


def test_put_to_an_existing_article_needs_if_match(editor_user, make_article):
    make_article(slug="stopping-ldn")

    with pytest.raises(PreconditionRequired):
        services.article_put(
            slug="stopping-ldn",
            user=editor_user,
            if_match=None,
            fields={"title": "Lost update"},
            sections=SECTIONS,
        )

    assert Article.objects.get(slug="stopping-ldn").title != "Lost update"


@pytest.mark.parametrize("if_match", ['"an-etag"', "*"])
def test_put_with_if_match_to_a_missing_slug_creates_nothing(editor_user, if_match):
    with pytest.raises(PreconditionFailed, match="No article has the slug"):
        services.article_put(
            slug="never-created",
            user=editor_user,
            if_match=if_match,
            fields={"title": "Meant for another article"},
            sections=SECTIONS,
        )

    assert not Article.objects.filter(slug="never-created").exists()


def test_put_refuses_a_user_who_is_not_an_editor(clinician_user):
    with pytest.raises(NotAllowed):
        services.article_put(
            slug="forged",
            user=clinician_user,
            if_match=None,
            fields={"title": "Forged"},
            sections=SECTIONS,
        )

    assert not Article.objects.exists()


def test_put_states_the_stored_lengths_of_slug_and_anchor(editor_user):
    slug_limit = Article._meta.get_field("slug").max_length
    anchor_limit = Section._meta.get_field("anchor").max_length

    with pytest.raises(InvalidContent) as refused:
        services.article_put(
            slug="a" * (slug_limit + 1),
            user=editor_user,
            if_match=None,
            fields={"title": "Too long"},
            sections=SECTIONS,
        )
    assert refused.value.errors == {"slug": [f"Use at most {slug_limit} characters."]}

    with pytest.raises(InvalidContent) as refused:
        services.article_put(
            slug="long-anchor",
            user=editor_user,
            if_match=None,
            fields={"title": "Long anchor"},
            sections=[{"anchor": "a" * (anchor_limit + 1), "heading": "H", "body": ""}],
        )
    assert refused.value.errors == {
        "sections[0].anchor": [f"Use at most {anchor_limit} characters."]
    }
    assert not Article.objects.exists()


def test_put_gives_optional_fields_left_out_their_model_defaults(editor_user, make_article):
    make_article(slug="stopping-ldn", summary="Old", topics=["ldn"], audience="clinician")

    replaced, _ = services.article_put(
        slug="stopping-ldn",
        user=editor_user,
        if_match=selectors.working_copy_get(slug="stopping-ldn").etag,
        fields={"title": "Only a title"},
        sections=SECTIONS,
    )

    replaced.refresh_from_db()
    assert (replaced.summary, replaced.topics, replaced.audience, replaced.external_id) == (
        "",
        [],
        "patient",
        None,
    )
