"""Reader feedback: consuming sites send it, staff triage it, the next review sees it."""

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from articles import services as article_services
from articles.models import Event, EventType, ReviewKind, Version, WebhookDelivery
from governance.models import Feedback, FeedbackStatus, FeedbackTransition
from reviews import services as review_services
from tests import factories
from tests.clients import client_for
from tests.governance.conftest import report

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"


def feedback_url(slug: str = "stopping-ldn") -> str:
    return f"/api/v1/published/articles/{slug}/feedback/"


def test_a_consuming_site_reports_an_error_in_the_version_it_was_served(published, consumer):
    served = consumer.get("/api/v1/published/articles/stopping-ldn/").json()
    response = consumer.post(
        feedback_url(), report(published, content_hash=served["content_hash"]), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1
    feedback = Feedback.objects.get()
    assert (feedback.version, feedback.category, feedback.status) == (
        published.version,
        "error",
        FeedbackStatus.NEW,
    )
    assert feedback.site.name == "Patient Forum"


def test_the_cms_hears_of_new_feedback_but_no_consuming_site_and_never_the_text(
    published, consumer, site, publisher
):
    cms = article_services.webhook_endpoint_create(
        user=publisher, name="CMS", url="https://cms.example.org/hooks"
    )
    site_hook = article_services.webhook_endpoint_create(
        user=publisher, name="Site", url="https://site.example.org/hooks", site=site
    )
    consumer.post(feedback_url(), report(published, text=SCRIPT), format="json")
    event = Event.objects.get(type=EventType.FEEDBACK_RECEIVED)
    assert SCRIPT not in str(event.data)
    assert event.data["category"] == "error"
    endpoints = set(WebhookDelivery.objects.filter(event=event).values_list("endpoint", flat=True))
    assert endpoints == {cms.pk}
    assert site_hook.pk not in endpoints
    feed = consumer.get("/api/v1/published/changes/").json()
    assert EventType.FEEDBACK_RECEIVED not in {item["type"] for item in feed["events"]}


@pytest.mark.parametrize(
    "content_hash",
    ["0" * 64, "unapproved"],
    ids=["never existed", "exists but never approved"],
)
def test_a_hash_never_published_is_refused_the_same_way_whatever_exists(
    pending, consumer, content_hash
):
    if content_hash == "unapproved":
        content_hash = pending.version.content_hash
    response = consumer.post(
        feedback_url(), report(pending, content_hash=content_hash), format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "version_not_published"
    never = consumer.post(feedback_url(), report(pending, content_hash="0" * 64), format="json")
    assert response.content == never.content
    assert not Feedback.objects.exists()


def test_an_unknown_slug_or_a_draft_gets_the_same_refusal(published, consumer, make_article):
    make_article(slug="draft-only", sections=1)
    answers = {
        slug: consumer.post(feedback_url(slug), report(published), format="json")
        for slug in ("draft-only", "no-such-article")
    }
    assert {response.status_code for response in answers.values()} == {404}
    assert answers["draft-only"].content == answers["no-such-article"].content


def test_a_version_no_longer_live_still_takes_feedback(pending, consumer, second_doctor):
    first_hash = Version.objects.get(article__slug="stopping-ldn", number=1).content_hash
    review_services.review_approve(
        review=pending,
        reviewer=second_doctor,
        content_hash=pending.version.content_hash,
        kind="change",
    )
    response = consumer.post(
        feedback_url(), report(pending, content_hash=first_hash), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"section_anchor": "not-a-section"}, "section_anchor"),
        ({"category": "praise"}, "category"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"text": 42}, "text"),
        ({"content_hash": "ABC"}, "content_hash"),
        ({"status": "addressed"}, "status"),
        ({"site": 1}, "site"),
    ],
)
def test_bad_feedback_is_a_400_naming_the_field_and_stores_nothing(
    published, consumer, fields, field
):
    response = consumer.post(feedback_url(), report(published, **fields), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Feedback.objects.exists()
    assert not Event.objects.filter(type=EventType.FEEDBACK_RECEIVED).exists()


def test_malformed_json_is_a_400(published, consumer):
    response = consumer.post(feedback_url(), "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("who", ["anonymous", "staff token", "revoked key"])
def test_only_a_valid_consumer_key_may_send_feedback(published, consumer_key, who, editor_user):
    client = APIClient()
    if who == "staff token":
        client = client_for(editor_user)
    elif who == "revoked key":
        key, raw = consumer_key
        article_services.consumer_key_revoke(key=key, revoked_by=factories.key_issuer())
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = client.post(feedback_url(), report(published), format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert not Feedback.objects.exists()


def test_feedback_is_rate_limited_per_key(published, consumer, settings, site):
    settings.FEEDBACK_RATE = "2/hour"
    for _ in range(2):
        assert consumer.post(feedback_url(), report(published), format="json").status_code == 201
    refused = consumer.post(feedback_url(), report(published), format="json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    other = APIClient()
    _, raw = article_services.consumer_key_issue(
        site=site, name="second", issued_by=factories.key_issuer()
    )
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert other.post(feedback_url(), report(published), format="json").status_code == 201
    assert Feedback.objects.count() == 3


def test_with_the_database_cache_every_process_shares_the_count(published, consumer, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ldncontent_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    settings.FEEDBACK_RATE = "1/hour"
    assert consumer.post(feedback_url(), report(published), format="json").status_code == 201
    with connection.cursor() as cursor:  # the count is a row every server process reads
        cursor.execute("SELECT COUNT(*) FROM ldncontent_cache")
        assert cursor.fetchone()[0] == 1
    assert consumer.post(feedback_url(), report(published), format="json").status_code == 429


def test_the_text_is_stored_as_sent_and_returned_as_data(published, consumer, editor_client):
    consumer.post(feedback_url(), report(published, text=SCRIPT), format="json")
    assert Feedback.objects.get().text == SCRIPT
    response = editor_client.get("/api/v1/feedback/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["text"] == SCRIPT


# --- triage ---------------------------------------------------------------------------------


@pytest.fixture
def feedback(published, consumer) -> Feedback:
    consumer.post(feedback_url(), report(published), format="json")
    return Feedback.objects.get()


def test_staff_list_and_filter_feedback(feedback, editor_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = editor_client.get("/api/v1/feedback/?status=new&category=error")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [feedback.pk]
    assert editor_client.get("/api/v1/feedback/?category=unclear").json()["count"] == 0
    assert editor_client.get("/api/v1/feedback/?article=other").json()["count"] == 0
    refused = editor_client.get("/api/v1/feedback/?status=lost")
    assert refused.status_code == 400
    assert "status" in refused.json()["errors"]


def approve(review, clinician) -> None:
    review_services.review_approve(
        review=review,
        reviewer=clinician,
        content_hash=review.version.content_hash,
        kind=ReviewKind.FULL,
    )


def test_triage_to_addressed_in_a_later_version_is_recorded(
    feedback, pending, doctor, editor_client, editor_user, django_assert_max_num_queries
):
    approve(pending, doctor)
    url = f"/api/v1/feedback/{feedback.pk}/triage/"
    assert (
        editor_client.post(url, {"status": "triaged", "note": "Reader is right."}).status_code
        == 200
    )
    response = editor_client.post(
        url, {"status": "addressed", "addressed_in_version": 2, "note": "Fixed in v2."}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["addressed_in_version"]) == ("addressed", 2)
    assert [(step["from_status"], step["to_status"]) for step in body["transitions"]] == [
        ("new", "triaged"),
        ("triaged", "addressed"),
    ]
    assert FeedbackTransition.objects.filter(actor=editor_user).count() == 2
    with django_assert_max_num_queries(4):
        detail = editor_client.get(f"/api/v1/feedback/{feedback.pk}/")
    assert detail.json() == body


@pytest.mark.parametrize(
    ("body", "status", "field_or_code"),
    [
        ({"status": "addressed", "note": "Fixed."}, 400, "addressed_in_version"),
        (
            {"status": "addressed", "addressed_in_version": 1, "note": "x"},
            400,
            "addressed_in_version",
        ),
        (
            {"status": "addressed", "addressed_in_version": 9, "note": "x"},
            400,
            "addressed_in_version",
        ),
        (
            {"status": "declined", "addressed_in_version": 2, "note": "x"},
            400,
            "addressed_in_version",
        ),
        ({"status": "declined", "note": "  "}, 400, "note"),
        ({"status": "new", "note": "x"}, 400, "status"),
        ({"status": "declined"}, 400, "note"),
    ],
)
def test_bad_triage_is_refused_and_changes_nothing(
    feedback, pending, editor_client, body, status, field_or_code
):
    response = editor_client.post(f"/api/v1/feedback/{feedback.pk}/triage/", body)
    assert response.status_code == status, response.content
    assert field_or_code in response.json()["errors"]
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.NEW
    assert not FeedbackTransition.objects.exists()


def test_only_an_approved_version_addresses_a_report(feedback, pending, doctor, editor_client):
    # Until a clinician approves the fix, the report stays open: it is shown in that very
    # review, and a rejected fix leaves it open with the error still served.
    url = f"/api/v1/feedback/{feedback.pk}/triage/"
    body = {"status": "addressed", "addressed_in_version": 2, "note": "Fixed in v2."}
    refused = editor_client.post(url, body)
    assert refused.status_code == 400
    assert "not approved" in refused.json()["errors"]["addressed_in_version"][0]
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.NEW
    approve(pending, doctor)
    assert editor_client.post(url, body).status_code == 200


def test_a_declined_report_may_be_reopened_but_not_addressed_directly(feedback, clinician_client):
    url = f"/api/v1/feedback/{feedback.pk}/triage/"
    assert (
        clinician_client.post(url, {"status": "declined", "note": "Not an error."}).status_code
        == 200
    )
    refused = clinician_client.post(url, {"status": "declined", "note": "Again."})
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_triage"
    assert clinician_client.post(url, {"status": "triaged", "note": "Reopened."}).status_code == 200


def test_publishing_admins_read_but_do_not_triage(feedback, publisher_client):
    assert publisher_client.get(f"/api/v1/feedback/{feedback.pk}/").status_code == 200
    response = publisher_client.post(
        f"/api/v1/feedback/{feedback.pk}/triage/", {"status": "triaged", "note": "x"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


def test_the_next_review_lists_open_error_reports(
    feedback, published, consumer, pending, clinician_client, django_assert_max_num_queries
):
    for number in range(4):  # the query count does not grow with the reports
        consumer.post(feedback_url(), report(published, text=f"Error {number}."), format="json")
    with django_assert_max_num_queries(8):
        response = clinician_client.get(f"/api/v1/reviews/{pending.pk}/feedback/")
    assert response.status_code == 200
    body = response.json()
    assert body["open_errors"][0]["id"] == feedback.pk
    assert len(body["open_errors"]) == 5
    Feedback.objects.exclude(pk=feedback.pk).delete()
    assert body["acknowledged"] == []
    Feedback.objects.filter(pk=feedback.pk).update(status=FeedbackStatus.DECLINED)
    assert (
        clinician_client.get(f"/api/v1/reviews/{pending.pk}/feedback/").json()["open_errors"] == []
    )
