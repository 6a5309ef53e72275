"""The admin's working-copy pages: what a page shows and the ETag it posts back come from one read,
and a frozen version's page reverts the working copy through the service."""

import re
from collections.abc import Callable
from contextlib import contextmanager
from html import unescape

import pytest
from django.db import connection

from articles import selectors, services
from articles.models import Article, Section, Version
from articles.snapshots import content_hash, working_copy_snapshot
from tests import factories
from tests.clients import form_data, staff_client

pytestmark = pytest.mark.django_db


@contextmanager
def edit_right_after(table: str, edit: Callable[[], None]):
    """Run `edit` once, right after the first query that reads one row of `table` by id: a
    write that commits between the admin's read of the record and the rest of the page."""
    done = []

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and sql.startswith("SELECT") and f'WHERE "{table}"."id" = ' in sql:
            done.append(True)
            edit()
        return result

    with connection.execute_wrapper(wrapper):
        yield done


def current_etag(article: Article) -> str:
    return selectors.working_copy_get(slug=article.slug).etag


def test_a_section_page_shows_the_section_its_etag_was_read_with(editor_user, article):
    section = Section.objects.get(article=article, anchor="part-1")
    other = factories.editor(username="other-editor")
    client = staff_client(editor_user)
    url = f"/admin/articles/section/{section.pk}/change/"

    def someone_else_edits() -> None:
        services.section_update(
            article=article,
            anchor="part-1",
            user=other,
            if_match=current_etag(article),
            changes={"body": "The other editor's correction."},
        )

    with edit_right_after("articles_section", someone_else_edits) as done:
        page = client.get(url)
    assert done, "the edit ran while the page was being built"
    client.post(url, form_data(page, heading="A new heading"), follow=True)
    section.refresh_from_db()
    # Either the page showed the correction (and the save kept it), or the save was refused:
    # never is the correction overwritten by a body the editor was not shown.
    assert section.body == "The other editor's correction."


def test_an_article_page_shows_the_article_its_etag_was_read_with(editor_user, article):
    other = factories.editor(username="other-editor")
    client = staff_client(editor_user)
    url = f"/admin/articles/article/{article.pk}/change/"

    def someone_else_edits() -> None:
        services.article_update(
            article=article,
            user=other,
            if_match=current_etag(article),
            fields={"title": "The other editor's title"},
        )

    with edit_right_after("articles_article", someone_else_edits) as done:
        page = client.get(url)
    assert done, "the edit ran while the page was being built"
    client.post(url, form_data(page, summary="A new summary."), follow=True)
    article.refresh_from_db()
    assert article.title == "The other editor's title"


def test_a_history_revert_page_still_shows_the_old_record(editor_user, article):
    services.article_update(
        article=article,
        user=editor_user,
        if_match=current_etag(article),
        fields={"title": "A later title"},
    )
    first = article.history.earliest("history_id")
    client = staff_client(editor_user)
    page = client.get(f"/admin/articles/article/{article.pk}/history/{first.history_id}/")
    form = page.context["adminform"].form
    assert form["title"].value() == first.title
    assert form["etag"].value() == current_etag(article)


# --- reverting the working copy from a version's page -------------------------------------


def version_url(version: Version) -> str:
    return f"/admin/articles/version/{version.pk}/change/"


def revert_form(page) -> tuple[str, dict]:
    """The revert form's URL and the ETag it carries."""
    form = re.search(
        r'<form method="post" action="([^"]+)" id="revert-form">(.*?)</form>',
        page.content.decode(),
        re.DOTALL,
    )
    assert form is not None, "the page offers the revert"
    etag = re.search(r'name="etag" value="([^"]*)"', form[2])
    return unescape(form[1]), {"etag": unescape(etag[1])}


def working_copy_hash(article: Article) -> str:
    copy = selectors.working_copy_get(slug=article.slug)
    return content_hash(working_copy_snapshot(article=copy.article, sections=copy.sections))


@pytest.fixture
def frozen_then_edited(article, editor_user):
    version = services.version_submit(article=article, user=editor_user)
    services.section_update(
        article=article,
        anchor="part-0",
        user=editor_user,
        if_match=current_etag(article),
        changes={"body": "Changed after version 1."},
    )
    return version


def test_an_editor_reverts_the_working_copy_from_the_version_page(
    editor_user, article, frozen_then_edited
):
    version = frozen_then_edited
    client = staff_client(editor_user)
    action, data = revert_form(client.get(version_url(version)))
    response = client.post(action, {**data, "reason": "Back to what was reviewed"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/articles/article/{article.pk}/change/"
    assert "now has the content of version 1" in response.content.decode()
    assert working_copy_hash(article) == version.content_hash
    record = Section.history.filter(anchor="part-0").latest("history_id")
    assert (record.history_user, record.history_change_reason) == (
        editor_user,
        "Back to what was reviewed",
    )


def test_a_revert_from_a_stale_page_is_refused(editor_user, article, frozen_then_edited):
    version = frozen_then_edited
    client = staff_client(editor_user)
    action, data = revert_form(client.get(version_url(version)))
    services.section_update(
        article=article,
        anchor="part-1",
        user=editor_user,
        if_match=current_etag(article),
        changes={"body": "Edited while the version page was open."},
    )
    response = client.post(action, data, follow=True)
    assert response.redirect_chain[-1][0] == version_url(version)
    assert "changed since you read it" in response.content.decode()
    assert Section.objects.get(anchor="part-1").body == "Edited while the version page was open."
    assert working_copy_hash(article) != version.content_hash


def test_reverting_to_the_same_content_says_so(editor_user, article):
    version = services.version_submit(article=article, user=editor_user)
    client = staff_client(editor_user)
    action, data = revert_form(client.get(version_url(version)))
    response = client.post(action, data, follow=True)
    assert "already equals version 1" in response.content.decode()


def test_only_editors_are_offered_the_revert_and_only_by_post(
    editor_user, article, frozen_then_edited
):
    version = frozen_then_edited
    doctor = factories.clinician(username="doctor-who-reads")
    page = staff_client(doctor).get(version_url(version))
    assert page.status_code == 200
    assert 'id="revert-form"' not in page.content.decode()
    action, data = revert_form(staff_client(editor_user).get(version_url(version)))
    assert staff_client(editor_user).get(action).status_code == 405
    response = staff_client(doctor).post(action, data, follow=True)
    assert "Only editors may revert articles" in response.content.decode()
    assert working_copy_hash(article) != version.content_hash


def _hidden_inputs(html: str) -> dict[str, str]:
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    return {name: unescape(value) for name, value in pairs}


def test_deleting_a_section_refuses_when_it_changed_after_the_confirmation_page(
    editor_user, article
):
    client = staff_client(editor_user)
    url = f"/admin/articles/section/{Section.objects.get(anchor='part-0').pk}/delete/"
    confirmation = client.get(url).content.decode()
    working_copy = selectors.working_copy_get(slug="stopping-ldn")
    services.section_update(
        article=article,
        anchor="part-0",
        user=factories.editor(username="other-editor"),
        if_match=working_copy.etag,
        changes={"body": "A colleague's correction, saved after the page was shown."},
    )

    response = client.post(url, _hidden_inputs(confirmation), follow=True)

    assert Section.objects.get(anchor="part-0").body.startswith("A colleague's correction")
    assert "changed since you read it" in unescape(response.content.decode())


def test_deleting_a_section_from_a_current_confirmation_page_deletes_it(editor_user, article):
    client = staff_client(editor_user)
    url = f"/admin/articles/section/{Section.objects.get(anchor='part-0').pk}/delete/"
    confirmation = client.get(url).content.decode()
    client.post(url, _hidden_inputs(confirmation), follow=True)
    assert not Section.objects.filter(anchor="part-0").exists()
