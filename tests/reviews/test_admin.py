"""The admin panel over HTTP: queue, review page, decisions through the services, roles."""

import json
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article, Publication, Section, Version
from articles.selectors import article_etag, section_list
from reviews import services
from reviews.models import Review, ReviewTransition
from scheduling.models import Schedule
from tests import factories
from tests.clients import form_data, staff_client

pytestmark = pytest.mark.django_db


def review_url(review) -> str:
    return f"/admin/reviews/review/{review.pk}/change/"


def decide(client, review, **data):
    return client.post(f"/admin/reviews/review/{review.pk}/decide/", data, follow=True)


@pytest.fixture
def changed_review(make_article, editor_user, doctor):
    """Version 1 live; version 2 pending with one changed body."""
    article = make_article(slug="stopping-ldn", sections=3)
    first = services.review_submit(article=article, user=editor_user)
    services.review_approve(
        review=first, reviewer=doctor, content_hash=first.version.content_hash, kind="full"
    )
    from articles import services as article_services

    article_services.section_update(
        article=article,
        anchor="part-1",
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": "Body of part 1, now with the dose range."},
    )
    return services.review_submit(article=article, user=editor_user)


def test_the_index_shows_review_counts(doctor, changed_review):
    response = staff_client(doctor).get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-count="pending">1<' in html
    assert 'data-count="overdue">0<' in html


def test_the_queue_opens_on_pending_reviews_oldest_first(doctor, changed_review, make_article):
    other = make_article(slug="later", sections=1)
    later = services.review_submit(article=other, user=changed_review.version.submitted_by)
    client = staff_client(doctor)
    response = client.get("/admin/reviews/review/", follow=True)
    assert response.redirect_chain[-1][0].endswith("?state__exact=submitted")
    html = response.content.decode()
    assert html.index(f"/admin/reviews/review/{changed_review.pk}/change/") < html.index(
        f"/admin/reviews/review/{later.pk}/change/"
    )
    searched = client.get("/admin/reviews/review/?q=later").content.decode()
    assert f"/admin/reviews/review/{later.pk}/change/" in searched
    assert f"/admin/reviews/review/{changed_review.pk}/change/" not in searched


def test_the_review_page_shows_what_changed_and_who_approved_the_rest(doctor, changed_review):
    html = staff_client(doctor).get(review_url(changed_review)).content.decode()
    assert 'data-anchor="part-1" data-status="changed"' in html
    assert '<ins class="ldn-ins">1, now with the dose range.</ins>' in html
    assert 'data-anchor="part-0" data-status="unchanged"' in html
    assert "approved by Dr Doctor on" in html
    assert 'id="ldn-approve-form"' in html
    assert changed_review.version.content_hash in html
    assert "Body of part 1, now with the dose range." in html  # the preview


def test_a_clinician_approves_in_the_admin_and_it_is_published(second_doctor, changed_review):
    client = staff_client(second_doctor)
    response = decide(
        client,
        changed_review,
        action="approve",
        content_hash=changed_review.version.content_hash,
        kind="change",
    )
    assert "Approved and published." in response.content.decode()
    publication = Publication.objects.get()
    assert publication.version == changed_review.version
    payload = json.loads(bytes(publication.payload))
    assert payload["sections"][1]["markdown"] == "Body of part 1, now with the dose range."


def test_a_clinician_schedules_an_approval_in_the_admin(second_doctor, changed_review):
    client = staff_client(second_doctor)
    assert 'name="publish_at"' in client.get(review_url(changed_review)).content.decode()
    later = timezone.localtime() + timedelta(days=2)
    response = decide(
        client,
        changed_review,
        action="approve",
        content_hash=changed_review.version.content_hash,
        kind="change",
        publish_at=later.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 200
    schedule = Schedule.objects.get()
    assert schedule.version == changed_review.version
    assert schedule.publish_at == later.replace(second=0, microsecond=0)
    # The live version stays until then.
    assert Publication.objects.get().version.number == 1
    bad = decide(client, changed_review, action="approve", publish_at="soon")
    assert "That is not a date" in bad.content.decode()


def test_the_admin_applies_the_same_hash_binding(second_doctor, changed_review):
    response = decide(
        staff_client(second_doctor),
        changed_review,
        action="approve",
        content_hash="0" * 64,
        kind="full",
    )
    assert "content hash you signed is not the one" in response.content.decode()
    assert Publication.objects.get().version.number == 1


def test_editors_see_no_decision_buttons_and_a_forged_post_is_refused(editor_user, changed_review):
    client = staff_client(editor_user)
    html = client.get(review_url(changed_review)).content.decode()
    assert 'id="ldn-approve-form"' not in html
    assert 'id="ldn-why-not"' in html
    response = decide(
        client,
        changed_review,
        action="approve",
        content_hash=changed_review.version.content_hash,
        kind="full",
    )
    assert "Only an active clinician" in response.content.decode()
    changed_review.refresh_from_db()
    assert changed_review.state == "submitted"
    assert Publication.objects.get().version.number == 1


def test_separation_of_duties_holds_in_the_admin(make_article):
    both = factories.clinician_with_profile()
    both.groups.add(Group.objects.get(name="editors"))
    review = services.review_submit(article=make_article(), user=both)
    client = staff_client(both)
    assert "someone else must decide" in client.get(review_url(review)).content.decode()
    decide(client, review, action="approve", content_hash=review.version.content_hash, kind="full")
    assert not Publication.objects.exists()


def test_request_changes_and_reject_from_the_admin(
    doctor, changed_review, make_article, editor_user
):
    client = staff_client(doctor)
    empty = decide(client, changed_review, action="request_changes", body="")
    assert "at least one comment" in empty.content.decode()
    decide(
        client, changed_review, action="request_changes", section_anchor="part-1", body="Cite it."
    )
    changed_review.refresh_from_db()
    assert changed_review.state == "changes_requested"
    assert changed_review.comments.get().section_anchor == "part-1"
    other = services.review_submit(article=make_article(slug="other"), user=editor_user)
    decide(client, other, action="reject", note="Not accurate.")
    other.refresh_from_db()
    assert other.state == "rejected"


def test_versions_decisions_and_audit_rows_cannot_be_edited_or_deleted(doctor, changed_review):
    admin_user = factories.publishing_admin()
    admin_user.is_superuser = True
    client = staff_client(admin_user)
    version = changed_review.version
    transition = ReviewTransition.objects.first()
    for url in [
        f"/admin/articles/version/{version.pk}/delete/",
        f"/admin/reviews/review/{changed_review.pk}/delete/",
        f"/admin/reviews/reviewtransition/{transition.pk}/delete/",
        "/admin/articles/version/add/",
        "/admin/reviews/review/add/",
    ]:
        assert client.get(url).status_code in {302, 403}, url
        assert client.post(url, {"post": "yes"}).status_code in {302, 403}, url
    page = client.get(f"/admin/articles/version/{version.pk}/change/")
    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split('id="content-main"')[1]
    assert Version.objects.count() == 2
    assert ReviewTransition.objects.count() == 3


def test_clinicians_cannot_edit_content(doctor, changed_review):
    client = staff_client(doctor)
    article = changed_review.article
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        {"title": "Hijacked", "audience": "patient", "topics": "[]"},
    )
    assert response.status_code == 403
    assert Article.objects.get().title != "Hijacked"
    assert client.get("/admin/articles/section/add/").status_code == 403


def test_editors_edit_the_working_copy_through_the_services(editor_user, changed_review):
    client = staff_client(editor_user)
    section = Section.objects.get(anchor="part-2")
    page = client.get(f"/admin/articles/section/{section.pk}/change/").content.decode()
    etag = unescape(page.split('name="etag" value="')[1].split('"')[0])
    response = client.post(
        f"/admin/articles/section/{section.pk}/change/",
        {"heading": "Part 2", "body": "Edited in the admin.", "position": "2", "etag": etag},
        follow=True,
    )
    assert response.status_code == 200
    section.refresh_from_db()
    assert section.body == "Edited in the admin."
    record = section.history.latest("history_date")
    assert (record.history_user, record.history_change_reason) == (editor_user, "Edited part-2")
    stale = client.post(
        f"/admin/articles/section/{section.pk}/change/",
        {"heading": "Part 2", "body": "Overwrite.", "position": "2", "etag": etag},
        follow=True,
    )
    assert "changed since you read it" in stale.content.decode()
    section.refresh_from_db()
    assert section.body == "Edited in the admin."


def test_the_due_board_highlights_overdue_and_soon_due_articles(doctor, changed_review):
    Publication.objects.update(
        last_reviewed=timezone.localdate() - timedelta(days=400),
        next_review_due=timezone.localdate() - timedelta(days=1),
    )
    html = staff_client(doctor).get("/admin/reviews/reviewdueboard/").content.decode()
    assert "ldn-due-overdue" in html
    Publication.objects.update(next_review_due=timezone.localdate() + timedelta(days=10))
    html = staff_client(doctor).get("/admin/reviews/reviewdueboard/").content.decode()
    assert "ldn-due-due" in html


def test_publishing_admins_manage_consumer_sites_and_accounts_but_not_clinicians(changed_review):
    client = staff_client(factories.publishing_admin())
    assert client.get("/admin/articles/consumersite/add/").status_code == 200
    assert client.get("/admin/auth/user/add/").status_code == 200
    # The clinician role is a superuser's to grant (tests/reviews/test_admin_roles.py).
    assert client.get("/admin/reviews/clinicianprofile/add/").status_code == 403
    response = decide(
        client,
        changed_review,
        action="approve",
        content_hash=changed_review.version.content_hash,
        kind="full",
    )
    assert "Only an active clinician" in response.content.decode()
    assert Review.objects.get(pk=changed_review.pk).state == "submitted"


# The sections and references inlines are read-only: empty management forms leave them alone.
NO_INLINE_CHANGES = {
    "sections-TOTAL_FORMS": "0",
    "sections-INITIAL_FORMS": "0",
    "references-TOTAL_FORMS": "0",
    "references-INITIAL_FORMS": "0",
}


def test_a_history_revert_changes_only_the_working_copy_and_is_recorded(
    editor_user, changed_review
):
    article = changed_review.article
    client = staff_client(editor_user)
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    etag = unescape(page.split('name="etag" value="')[1].split('"')[0])
    client.post(
        f"/admin/articles/article/{article.pk}/change/",
        {
            "title": "A new title",
            "summary": "",
            "topics": '["ldn"]',
            "audience": "patient",
            "external_id": "",
            "etag": etag,
            **NO_INLINE_CHANGES,
        },
    )
    article.refresh_from_db()
    assert article.title == "A new title"
    first_record = article.history.earliest("history_date")
    revert_url = f"/admin/articles/article/{article.pk}/history/{first_record.history_id}/"
    form = client.get(revert_url).content.decode()
    etag = unescape(form.split('name="etag" value="')[1].split('"')[0])
    client.post(
        revert_url,
        {
            "title": first_record.title,
            "summary": first_record.summary,
            "topics": '["ldn"]',
            "audience": "patient",
            "external_id": "",
            "etag": etag,
            **NO_INLINE_CHANGES,
        },
    )
    article.refresh_from_db()
    assert article.title == first_record.title
    latest = article.history.latest("history_date")
    assert (latest.title, latest.history_user) == (first_record.title, editor_user)
    assert Publication.objects.get().version.number == 1, "nothing reaches delivery"
    assert Version.objects.count() == 2


def test_a_viewer_cannot_post_a_history_revert_to_undo_a_retraction(
    editor_user, doctor, changed_review
):
    from articles import services as article_services

    publication = Publication.objects.get()
    article_services.publication_retract(
        article=publication.article, user=doctor, reason="Dose guidance under review."
    )
    first = publication.history.earliest("history_date")
    url = f"/admin/articles/publication/{publication.pk}/history/{first.history_id}/"
    client = staff_client(editor_user)
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url, form_data(page)).status_code == 403
    publication.refresh_from_db()
    assert publication.status == "retracted"
