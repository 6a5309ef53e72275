"""The delivery API: only approved content, HTTP validators, keys, throttling, feed, policy."""

import importlib
import io
import json
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.http import HttpResponse
from django.utils import timezone
from knox.models import AuthToken

from articles import services as article_services
from articles.delivery.checks import DELIVERY_MIDDLEWARE, SECURITY_MIDDLEWARE
from articles.delivery.selectors import consumer_for_key, publication_for_key
from articles.delivery.views import DeliveryApi
from articles.models import ConsumerSite, Event, Publication, ReviewKind
from articles.rendering import iso_8601, render_list_entry
from articles.selectors import article_etag, section_list
from ldncontent.tokens import token_issue
from reviews import services as review_services
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "/api/v1/published"


def publish(article, editor, clinician, **approve_kwargs):
    review = review_services.review_submit(article=article, user=editor)
    review_services.review_approve(
        review=review,
        reviewer=clinician,
        content_hash=review.version.content_hash,
        kind=approve_kwargs.pop("kind", ReviewKind.FULL),
        **approve_kwargs,
    )
    return Publication.objects.get(article=article)


def edit(article, editor, anchor="part-0", body="Edited."):
    article_services.section_update(
        article=article,
        anchor=anchor,
        user=editor,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": body},
    )


@pytest.fixture
def live(make_article, editor_user, doctor):
    article = make_article(slug="stopping-ldn", sections=2)
    return publish(article, editor_user, doctor)


# --- detail ---------------------------------------------------------------------------------


def test_detail_serves_the_stored_payload_with_cache_headers(
    consumer, live, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the key and the publication together
        response = consumer.get(f"{BASE}/articles/stopping-ldn/")
    assert response.status_code == 200
    assert response.content == bytes(live.payload)
    assert response["Content-Type"] == "application/json"
    assert response["ETag"] == live.etag
    assert response["Last-Modified"]
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    body = response.json()
    assert body["version"] == 1
    assert body["medical_review"]["reviewer_name"] == "Dr Doctor"
    assert body["sections"][0]["html"] == "<p>Body of part 0.</p>\n"
    assert body["json_ld"]["@type"] == "MedicalWebPage"


def test_if_none_match_gives_304_without_reading_the_payload(
    consumer, consumer_key, live, django_assert_num_queries
):
    with django_assert_num_queries(1) as captured:
        response = consumer.get(f"{BASE}/articles/stopping-ldn/", HTTP_IF_NONE_MATCH=live.etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == live.etag
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert response["Vary"] == "Authorization"
    assert "Last-Modified" not in response, "RFC 9110: a 304 with an ETag omits it"
    assert "Content-Type" not in response, "nor does it describe a body it doesn't have"
    site, publication = publication_for_key(
        raw_key=consumer_key[1], slug="stopping-ldn", known_etags=(live.etag,)
    )
    assert site is not None and publication.payload is None
    assert "CASE WHEN" in captured.captured_queries[-1]["sql"]


def test_the_key_and_publication_reads_answer_each_case(consumer_key, live):
    consumer = consumer_for_key(consumer_key[1])
    assert consumer is not None
    served = publication_for_key(raw_key=consumer_key[1], slug="stopping-ldn")
    assert served[0] == consumer and served[1].payload == bytes(live.payload)
    known = publication_for_key(
        raw_key=consumer_key[1], slug="stopping-ldn", known_etags=(live.etag,)
    )
    assert known[1].payload is None
    assert publication_for_key(raw_key=consumer_key[1], slug="never-published") == (consumer, None)
    wrong = publication_for_key(raw_key=f"{consumer_key[0].prefix}.wrong", slug="stopping-ldn")
    assert wrong == (None, None)


def test_delivery_reads_are_seen_by_execute_wrappers(consumer, live):
    """Delivery queries go through Django's cursor, where APM tools and Django's hooks see them."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert consumer.get(f"{BASE}/articles/stopping-ldn/").status_code == 200
        assert consumer.get(f"{BASE}/articles/").status_code == 200
        assert consumer.get(f"{BASE}/changes/").status_code == 200
    assert len(seen) == 5 and "CASE WHEN" in seen[0]


def test_delivery_reads_go_through_djangos_cursor_class(consumer, live, monkeypatch):
    """Tools that instrument Django's cursor class (APM agents) see delivery's queries too."""
    seen = []
    execute = CursorWrapper.execute

    def recording(self, sql, params=None):
        seen.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", recording)
    assert consumer.get(f"{BASE}/articles/stopping-ldn/").status_code == 200
    assert consumer.get(f"{BASE}/articles/").status_code == 200
    assert len(seen) == 3 and "CASE WHEN" in seen[0]


def test_responses_carry_their_length_and_a_head_its_gets(consumer, live):
    url = f"{BASE}/articles/stopping-ldn/"
    assert consumer.get(url)["Content-Length"] == str(len(bytes(live.payload)))
    assert consumer.head(url)["Content-Length"] == str(len(bytes(live.payload)))
    assert "Content-Length" not in consumer.get(url, HTTP_IF_NONE_MATCH=live.etag)
    listed = consumer.get(f"{BASE}/articles/")
    assert listed["Content-Length"] == str(len(listed.content))
    missing = consumer.get(f"{BASE}/articles/never-published/")
    assert missing["Content-Length"] == str(len(missing.content))


def test_a_delivery_view_cannot_answer_without_a_key(rf, consumer_key, live):
    class Careless(DeliveryApi):
        def get(self, request, slug):
            return HttpResponse(b"served")

    view = Careless.as_view()
    refused = view(rf.get("/"), slug="stopping-ldn")
    assert refused.status_code == 401 and b"served" not in refused.content
    wrong = view(
        rf.get("/", HTTP_AUTHORIZATION=f"Api-Key {consumer_key[0].prefix}.wrong"), slug="x"
    )
    assert wrong.status_code == 401
    admitted = view(
        rf.get("/", HTTP_AUTHORIZATION=f"Api-Key {consumer_key[1]}"), slug="stopping-ldn"
    )
    assert admitted.status_code == 200 and admitted.content == b"served"


def test_a_stale_if_none_match_gets_the_new_payload(consumer, live):
    response = consumer.get(f"{BASE}/articles/stopping-ldn/", HTTP_IF_NONE_MATCH='"old"')
    assert response.status_code == 200
    assert response.content == bytes(live.payload)


def test_head_gives_headers_only(consumer, live):
    response = consumer.head(f"{BASE}/articles/stopping-ldn/")
    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"] == live.etag


def test_the_etag_changes_when_a_new_version_is_approved(consumer, live, editor_user, doctor):
    edit(live.article, editor_user)
    newer = publish(live.article, editor_user, doctor, kind=ReviewKind.CHANGE)
    response = consumer.get(f"{BASE}/articles/stopping-ldn/", HTTP_IF_NONE_MATCH=live.etag)
    assert response.status_code == 200
    assert response["ETag"] == newer.etag != live.etag
    assert response.json()["sections"][0]["markdown"] == "Edited."


def test_never_published_and_unknown_slugs_are_the_same_404(consumer, make_article, editor_user):
    make_article(slug="draft-only")
    draft = consumer.get(f"{BASE}/articles/draft-only/")
    unknown = consumer.get(f"{BASE}/articles/no-such-thing/")
    assert draft.status_code == unknown.status_code == 404
    assert draft.json()["code"] == unknown.json()["code"] == "not_found"
    assert draft.json()["detail"].replace("draft-only", "X") == unknown.json()["detail"].replace(
        "no-such-thing", "X"
    )


def test_a_retracted_article_is_410_with_the_notice(consumer, live, publisher):
    article_services.publication_retract(
        article=live.article, user=publisher, reason="Dose guidance under review."
    )
    response = consumer.get(f"{BASE}/articles/stopping-ldn/")
    assert response.status_code == 410
    body = response.json()
    assert body["code"] == "retracted"
    assert body["reason"] == "Dose guidance under review."
    retracted_at = Publication.objects.get(pk=live.pk).retracted_at
    assert body["retracted_at"] == retracted_at.isoformat().replace("+00:00", "Z")
    assert "Body of part" not in response.content.decode()


# --- keys and roles -------------------------------------------------------------------------


def test_requests_without_a_valid_key_are_401(api_client, live, consumer_key, site, editor_user):
    url = f"{BASE}/articles/stopping-ldn/"
    assert api_client.get(url).status_code == 401
    assert api_client.get(url)["WWW-Authenticate"] == "Api-Key"
    api_client.credentials(HTTP_AUTHORIZATION="Api-Key nonsense")
    assert api_client.get(url).json()["code"] == "invalid_api_key"
    prefix = consumer_key[0].prefix
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {prefix}.wrong-secret")
    assert api_client.get(url).status_code == 401
    _, token = token_issue(user=editor_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.get(url).status_code == 401, "staff tokens do not work on delivery"


def test_a_revoked_key_stops_working_at_once(consumer, live, consumer_key):
    assert consumer.get(f"{BASE}/articles/stopping-ldn/").status_code == 200
    article_services.consumer_key_revoke(key=consumer_key[0], revoked_by=factories.key_issuer())
    assert consumer.get(f"{BASE}/articles/stopping-ldn/").status_code == 401


def test_an_expired_key_and_an_inactive_site_are_refused(api_client, live, site):
    _, expired = article_services.consumer_key_issue(
        site=site,
        name="old",
        expires_at=timezone.now() - timedelta(minutes=1),
        issued_by=factories.key_issuer(),
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {expired}")
    assert api_client.get(f"{BASE}/articles/stopping-ldn/").status_code == 401
    _, valid = article_services.consumer_key_issue(
        site=site, name="new", issued_by=factories.key_issuer()
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {valid}")
    assert api_client.get(f"{BASE}/articles/stopping-ldn/").status_code == 200
    ConsumerSite.objects.filter(pk=site.pk).update(active=False)
    assert api_client.get(f"{BASE}/articles/stopping-ldn/").status_code == 401


def test_api_keys_do_not_work_on_the_authoring_api(consumer, live):
    assert consumer.get("/api/v1/articles/").status_code == 401
    assert consumer.get("/api/v1/reviews/").status_code == 401
    assert consumer.get("/api/v1/articles/stopping-ldn/versions/1/preview/").status_code == 401


def test_delivery_is_read_only(consumer, live):
    response = consumer.post(f"{BASE}/articles/stopping-ldn/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_keys_are_throttled_with_retry_after(consumer, live, settings):
    settings.DELIVERY_THROTTLE_PER_MINUTE = 3
    statuses = [consumer.get(f"{BASE}/articles/stopping-ldn/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = consumer.get(f"{BASE}/articles/stopping-ldn/")
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_valid_prefix_with_a_wrong_secret_reads_no_article(api_client, live, consumer_key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {consumer_key[0].prefix}.wrong-secret")
    response = api_client.get(f"{BASE}/articles/stopping-ldn/")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "detail"}
    assert live.etag not in str(response.headers)


def test_the_throttle_counts_each_key_on_its_own(consumer, api_client, site, live, settings):
    settings.DELIVERY_THROTTLE_PER_MINUTE = 2
    assert [consumer.get(f"{BASE}/changes/").status_code for _ in range(3)] == [200, 200, 429]
    _, other = article_services.consumer_key_issue(
        site=site, name="second", issued_by=factories.key_issuer()
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {other}")
    assert api_client.get(f"{BASE}/articles/stopping-ldn/").status_code == 200


# --- routing: DeliveryMiddleware answers before the middleware delivery doesn't use ---------


def test_delivery_skips_sessions_and_csrf_but_not_the_security_headers(consumer, live):
    response = consumer.get(f"{BASE}/articles/stopping-ldn/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert not response.cookies
    request = response.wsgi_request
    assert request.resolver_match.url_name == "published-article-detail"
    assert not hasattr(request, "session") and not hasattr(request, "user")


def test_delivery_checks_the_host_against_allowed_hosts(consumer, live):
    response = consumer.get(f"{BASE}/articles/stopping-ldn/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert live.etag not in str(response.headers)


def test_delivery_redirects_plain_http_when_ssl_redirect_is_on(consumer, live, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = consumer.get(f"{BASE}/articles/stopping-ldn/")
    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{BASE}/articles/stopping-ldn/"


def test_paths_that_are_not_delivery_routes_take_the_whole_stack(consumer, live):
    no_slash = consumer.get(f"{BASE}/articles/stopping-ldn")
    assert no_slash.status_code == 301
    assert no_slash["Location"] == f"{BASE}/articles/stopping-ldn/"
    unknown = consumer.get(f"{BASE}/nothing-here/")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


def middleware_errors() -> list[str]:
    return [message.id for message in run_checks() if message.id == "articles.E001"]


def test_the_configured_middleware_passes_the_system_check():
    assert middleware_errors() == []


@pytest.mark.parametrize(
    "place",
    [
        lambda stack: [stack[1], stack[0], *stack[2:]],  # before SecurityMiddleware
        lambda stack: [stack[0], *stack[2:4], stack[1], *stack[4:]],  # after sessions
        lambda stack: [stack[0], *stack[2:]],  # missing
        lambda stack: stack[1:],  # no SecurityMiddleware
    ],
    ids=["first", "after-sessions", "missing", "without-security"],
)
def test_the_system_check_refuses_delivery_middleware_out_of_place(settings, place):
    stack = list(settings.MIDDLEWARE)
    assert stack[:2] == [SECURITY_MIDDLEWARE, DELIVERY_MIDDLEWARE]
    settings.MIDDLEWARE = place(stack)
    assert middleware_errors() == ["articles.E001"]
    with pytest.raises(SystemCheckError, match="right after SecurityMiddleware"):
        call_command("check")


def test_keys_are_stored_hashed(consumer_key):
    stored, plain = consumer_key
    assert plain.startswith(stored.prefix + ".")
    assert plain not in stored.hashed_key
    assert not AuthToken.objects.exists()


# --- sections -------------------------------------------------------------------------------


def test_a_section_is_served_with_the_articles_validators(consumer, live):
    response = consumer.get(f"{BASE}/articles/stopping-ldn/sections/part-1/")
    assert response.status_code == 200
    assert response.json()["markdown"] == "Body of part 1."
    assert response["ETag"] == live.etag
    cached = consumer.get(
        f"{BASE}/articles/stopping-ldn/sections/part-1/", HTTP_IF_NONE_MATCH=live.etag
    )
    assert cached.status_code == 304
    missing = consumer.get(f"{BASE}/articles/stopping-ldn/sections/nope/")
    assert missing.status_code == 404


def test_a_section_added_after_approval_is_not_served(consumer, live, editor_user):
    article_services.section_create(
        article=live.article,
        user=editor_user,
        if_match=article_etag(article=live.article, sections=section_list(article=live.article)),
        anchor="unapproved",
        heading="Unapproved",
        body="Not reviewed.",
    )
    assert consumer.get(f"{BASE}/articles/stopping-ldn/sections/unapproved/").status_code == 404


# --- list -----------------------------------------------------------------------------------


@pytest.fixture
def catalogue(make_article, editor_user, doctor, publisher):
    publish(make_article(slug="a-sleep", topics=["ldn", "sleep"]), editor_user, doctor)
    publish(
        make_article(slug="b-dosing", topics=["ldn-dosing"], audience="clinician"),
        editor_user,
        doctor,
    )
    publish(make_article(slug="c-pain", topics=["ldn"]), editor_user, doctor)
    gone = publish(make_article(slug="d-gone", topics=["ldn"]), editor_user, doctor)
    article_services.publication_retract(article=gone.article, user=publisher, reason="Old.")
    make_article(slug="e-draft", topics=["ldn"])


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_list_pages_through_live_articles_in_a_stable_order(
    consumer, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        first = consumer.get(f"{BASE}/articles/?limit=2")
    assert slugs(first) == ["a-sleep", "b-dosing"]
    cursor = first.json()["next_cursor"]
    second = consumer.get(f"{BASE}/articles/?limit=2&cursor={cursor}")
    assert slugs(second) == ["c-pain"]
    assert second.json()["next_cursor"] is None
    item = first.json()["results"][0]
    assert item["medical_review"]["reviewer_name"] == "Dr Doctor"
    assert item["etag"].startswith('"v1-')


def test_list_filters(consumer, catalogue):
    assert slugs(consumer.get(f"{BASE}/articles/?topic=ldn")) == ["a-sleep", "c-pain"]
    assert slugs(consumer.get(f"{BASE}/articles/?audience=clinician")) == ["b-dosing"]
    assert slugs(consumer.get(f"{BASE}/articles/?review_overdue=true")) == []
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert slugs(consumer.get(f"{BASE}/articles/", {"updated_since": future})) == []
    past = (timezone.now() - timedelta(days=1)).isoformat()
    assert len(slugs(consumer.get(f"{BASE}/articles/", {"updated_since": past}))) == 3


@pytest.mark.parametrize(
    "query",
    [
        "audience=martians",
        "review_overdue=maybe",
        "updated_since=yesterday",
        "updated_since=2026-02-30T00:00:00Z",
        "updated_since=2026-02-30",
        "updated_since=2026-01-01T00:00:00%2B25:00",
        "limit=0",
        "limit=1000",
        "cursor=%%%",
    ],
)
def test_list_refuses_malformed_parameters(consumer, catalogue, query):
    response = consumer.get(f"{BASE}/articles/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    "value", ["2026-02-30T10:00:00Z", "2026-01-01T10:00:00+25:00", "2026-13-01T10:00:00Z"]
)
def test_an_impossible_updated_since_is_a_400_that_says_why(consumer, catalogue, value):
    response = consumer.get(f"{BASE}/articles/", {"updated_since": value})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "Not a real date-time" in body["errors"]["updated_since"][0]
    assert "UTC offset" in body["detail"]


# --- changes feed ---------------------------------------------------------------------------


def test_the_changes_feed_orders_publications_and_retractions(consumer, catalogue):
    page = consumer.get(f"{BASE}/changes/").json()
    assert [(e["type"], e["slug"]) for e in page["events"]] == [
        ("article.published", "a-sleep"),
        ("article.published", "b-dosing"),
        ("article.published", "c-pain"),
        ("article.published", "d-gone"),
        ("article.retracted", "d-gone"),
    ]
    assert page["events"][-1]["data"] == {"reason": "Old."}
    last = Event.objects.get(position=page["events"][-1]["id"])
    assert page["events"][-1]["occurred_at"] == iso_8601(last.occurred_at), "as in payloads"
    assert page["next_cursor"] == str(page["events"][-1]["id"])
    later = consumer.get(f"{BASE}/changes/?cursor={page['next_cursor']}").json()
    assert later == {"events": [], "next_cursor": page["next_cursor"]}
    limited = consumer.get(f"{BASE}/changes/?limit=2").json()
    assert len(limited["events"]) == 2
    assert consumer.get(f"{BASE}/changes/?cursor=abc").status_code == 400


def test_the_changes_feed_uses_at_most_two_queries(
    consumer, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        assert consumer.get(f"{BASE}/changes/").status_code == 200


# --- review-overdue policy ------------------------------------------------------------------


@pytest.fixture
def overdue(live):
    Publication.objects.filter(pk=live.pk).update(
        next_review_due=timezone.localdate() - timedelta(days=1),
        last_reviewed=timezone.localdate() - timedelta(days=400),
    )
    return live


def test_flag_policy_serves_overdue_articles_flagged_after_the_daily_check(consumer, overdue):
    out = io.StringIO()
    call_command("check_review_due", stdout=out)
    assert "1 article(s) newly flagged" in out.getvalue()
    response = consumer.get(f"{BASE}/articles/stopping-ldn/", HTTP_IF_NONE_MATCH=overdue.etag)
    assert response.status_code == 200, "the flag changes the ETag"
    assert response.json()["review_overdue"] is True
    assert slugs(consumer.get(f"{BASE}/articles/?review_overdue=true")) == ["stopping-ldn"]
    call_command("check_review_due", stdout=io.StringIO())
    events = consumer.get(f"{BASE}/changes/").json()["events"]
    assert [e["type"] for e in events].count("article.review_overdue") == 1


def test_list_entries_agree_with_the_detail_through_every_change(
    consumer, live, editor_user, doctor, publisher
):
    def listed() -> dict:
        return consumer.get(f"{BASE}/articles/").json()["results"][0]

    first = listed()
    detail = consumer.get(f"{BASE}/articles/stopping-ldn/").json()
    assert first["medical_review"] == detail["medical_review"]
    assert (first["version"], first["etag"]) == (1, live.etag)
    assert first["updated_at"] == live.updated_at.isoformat().replace("+00:00", "Z")

    edit(live.article, editor_user)
    newer = publish(live.article, editor_user, doctor, kind=ReviewKind.CHANGE)
    second = listed()
    assert (second["version"], second["etag"]) == (2, newer.etag)
    assert second["medical_review"]["review_kind"] == "change"
    assert second["updated_at"] > first["updated_at"]

    article_services.publications_mark_overdue(today=newer.next_review_due + timedelta(days=1))
    third = listed()
    flagged = Publication.objects.get(pk=newer.pk)
    assert third["review_overdue"] is True
    assert third["etag"] == flagged.etag != newer.etag
    assert third["updated_at"] == flagged.updated_at.isoformat().replace("+00:00", "Z")

    article_services.publication_retract(article=live.article, user=publisher, reason="Wrong.")
    assert consumer.get(f"{BASE}/articles/").json()["results"] == []


def test_a_publication_cannot_be_stored_without_its_list_entry(live):
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.filter(pk=live.pk).update(list_entry=b"")


def test_the_migration_renders_the_list_entries_of_existing_publications(live):
    from django.apps import apps

    migration = importlib.import_module("articles.migrations.0005_publication_list_entry")
    # As the publications of then: approved before sign-off policies, so without sign_offs.
    Publication.objects.filter(pk=live.pk).update(list_entry=b"{}", sign_offs=[])
    live.sign_offs = []
    migration.render_list_entries(apps, None)
    stored = bytes(Publication.objects.get(pk=live.pk).list_entry)
    assert stored == render_list_entry(live)
    assert json.loads(stored)["slug"] == "stopping-ldn"


def test_withhold_policy_refuses_overdue_articles(consumer, overdue, settings):
    settings.REVIEW_OVERDUE_POLICY = "withhold"
    response = consumer.get(f"{BASE}/articles/stopping-ldn/")
    assert response.status_code == 404
    assert response.json()["code"] == "awaiting_review"
    assert "Body of part" not in response.content.decode()
    assert slugs(consumer.get(f"{BASE}/articles/")) == []
    settings.REVIEW_OVERDUE_POLICY = "flag"
    assert consumer.get(f"{BASE}/articles/stopping-ldn/").status_code == 200


def test_published_payload_is_valid_json_matching_the_version(live):
    payload = json.loads(bytes(live.payload))
    assert payload["content_hash"] == live.version.content_hash
    assert [s["anchor"] for s in payload["sections"]] == ["part-0", "part-1"]
