"""Governance in the admin: feedback triage, escaped reader text, the review page's panel and
printable dossiers."""

import json

import pytest

from governance import services as governance_services
from governance.models import DossierExport, Feedback, FeedbackStatus
from reviews import services as review_services
from tests import factories
from tests.clients import client_for, staff_client

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


@pytest.fixture
def feedback(published, consumer_key, site) -> Feedback:
    key, _ = consumer_key
    return governance_services.feedback_receive(
        site_id=site.pk,
        api_key_id=key.pk,
        slug="stopping-ldn",
        content_hash=published.version.content_hash,
        category="error",
        text=f"Wrong dose. {SCRIPT}",
        section_anchor="part-1",
    )


def test_the_feedback_list_and_page_show_the_readers_text_escaped(feedback, editor_user):
    client = staff_client(editor_user)
    listing = client.get("/admin/governance/feedback/")
    assert listing.status_code == 200
    assert SCRIPT not in listing.content.decode()
    assert ESCAPED in listing.content.decode()
    page = client.get(f"/admin/governance/feedback/{feedback.pk}/change/").content.decode()
    assert SCRIPT not in page
    assert ESCAPED in page
    assert 'id="ldn-triage-form"' in page


def test_the_feedback_list_filters_by_status_and_category(feedback, editor_user):
    client = staff_client(editor_user)
    assert (
        "Wrong dose."
        in client.get("/admin/governance/feedback/?status__exact=new").content.decode()
    )
    assert (
        "Wrong dose."
        not in client.get("/admin/governance/feedback/?category__exact=unclear").content.decode()
    )


def test_triage_in_the_admin_goes_through_the_service(feedback, pending, doctor, clinician_user):
    review_services.review_approve(
        review=pending, reviewer=doctor, content_hash=pending.version.content_hash, kind="full"
    )
    client = staff_client(clinician_user)
    url = f"/admin/governance/feedback/{feedback.pk}/triage/"
    response = client.post(
        url, {"status": "addressed", "addressed_in_version": "2", "note": "Fixed in v2."}
    )
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert (feedback.status, feedback.addressed_in_version.number) == (FeedbackStatus.ADDRESSED, 2)
    refused = client.post(url, {"status": "declined", "note": "No."}, follow=True)
    assert "it can move to triaged" in refused.content.decode()
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ADDRESSED
    assert feedback.transitions.count() == 1


@pytest.mark.parametrize("version", ["²", "abc", "99999999999999999999"])
def test_a_malformed_version_in_the_triage_form_is_a_message(feedback, clinician_user, version):
    client = staff_client(clinician_user)
    response = client.post(
        f"/admin/governance/feedback/{feedback.pk}/triage/",
        {"status": "addressed", "addressed_in_version": version, "note": "Fixed."},
        follow=True,
    )
    assert response.status_code == 200
    assert "as a number" in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.NEW


def test_an_overlong_triage_note_is_refused(feedback, clinician_user):
    staff_client(clinician_user).post(
        f"/admin/governance/feedback/{feedback.pk}/triage/",
        {"status": "triaged", "note": "x" * 2001},
    )
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.NEW


def test_a_feedback_page_that_does_not_exist_is_not_a_500(clinician_user):
    client = staff_client(clinician_user)
    for object_id in ("abc", "999"):
        response = client.get(f"/admin/governance/feedback/{object_id}/change/")
        assert response.status_code == 302


def test_a_publishing_admin_reads_feedback_but_cannot_triage_it(feedback, publisher):
    client = staff_client(publisher)
    page = client.get(f"/admin/governance/feedback/{feedback.pk}/change/").content.decode()
    assert 'id="ldn-triage-form"' not in page
    client.post(
        f"/admin/governance/feedback/{feedback.pk}/triage/", {"status": "triaged", "note": "x"}
    )
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.NEW


def test_a_sign_off_reviewer_does_not_see_feedback(feedback, pending):
    reader = factories.UserFactory(roles=["sign-off-reviewers"])
    client = staff_client(reader)
    assert client.get("/admin/governance/feedback/").status_code == 403
    review_page = client.get(f"/admin/reviews/review/{pending.pk}/change/")
    assert review_page.status_code == 200
    assert "Wrong dose." not in review_page.content.decode()
    clinician_page = staff_client(factories.clinician_with_profile(username="dr-page")).get(
        f"/admin/reviews/review/{pending.pk}/change/"
    )
    assert "Wrong dose." in clinician_page.content.decode()


def test_the_review_page_shows_open_error_reports_escaped(feedback, pending, clinician_user):
    page = (
        staff_client(clinician_user)
        .get(f"/admin/reviews/review/{pending.pk}/change/")
        .content.decode()
    )
    assert 'id="ldn-open-errors"' in page
    assert f'data-feedback-id="{feedback.pk}"' in page
    assert ESCAPED in page
    assert SCRIPT not in page
    assert 'id="ldn-state"' in page  # the review page itself is all there


def test_an_approved_review_links_to_its_dossier(published, publisher, editor_user):
    page = staff_client(publisher).get(f"/admin/reviews/review/{published.pk}/change/")
    assert "/admin/governance/dossierexport/version/stopping-ldn/1/" in page.content.decode()
    editors_page = staff_client(editor_user).get(f"/admin/reviews/review/{published.pk}/change/")
    assert 'id="ldn-dossier-link"' not in editors_page.content.decode()


def test_the_printable_dossier_and_its_download(published, publisher, doctor, feedback):
    from reviews import services as review_services

    review_services.comment_add(review=published, author=doctor, body=f"Noted. {SCRIPT}")
    client = staff_client(publisher)
    page = client.get("/admin/governance/dossierexport/version/stopping-ldn/1/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="ldn-hash-verified"' in html
    assert "@media print" in html
    assert ESCAPED in html and SCRIPT not in html
    download = client.get("/admin/governance/dossierexport/version/stopping-ldn/1/download/")
    assert download["Content-Disposition"] == 'attachment; filename="dossier-stopping-ldn-v1.json"'
    api = client_for(publisher).get("/api/v1/articles/stopping-ldn/versions/1/dossier/").json()
    assert json.loads(download.content) == api
    assert list(DossierExport.objects.order_by("id").values_list("output_format", flat=True)) == [
        "html",
        "json",
        "json",
    ]


def test_an_editor_cannot_open_a_dossier_in_the_admin(published, editor_user):
    response = staff_client(editor_user).get(
        "/admin/governance/dossierexport/version/stopping-ldn/1/"
    )
    assert response.status_code == 403
    assert not DossierExport.objects.exists()
