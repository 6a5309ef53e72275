"""Deeply nested JSON is a 400 `malformed_json` on every operation taking a body, never a 500."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from articles import services as article_services
from articles.models import Article
from articles.rendering import Attribution
from articles.selectors import article_etag, section_list
from governance import services as governance_services
from ldncontent.parsers import MAX_NESTING_DEPTH, LimitedJSONParser
from ldncontent.tokens import token_issue
from reviews import services as review_services
from reviews.models import Comment, SignOffPolicy
from scheduling import services as scheduling_services

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def nested(levels: int) -> str:
    """A JSON array `levels` deep."""
    return "[" * levels + "]" * levels


def assert_malformed_json(response):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "malformed_json"
    assert f"nested more than {MAX_NESTING_DEPTH} levels deep" in body["detail"]


def test_the_unauthenticated_token_endpoint_refuses_deep_json():
    response = APIClient().post("/api/v1/auth/token/", DEEP, content_type="application/json")
    assert_malformed_json(response)


def test_deep_json_inside_a_field_is_refused_too(editor_client):
    body = '{"slug": "stopping-ldn", "title": "Stopping", "topics": ' + DEEP + "}"
    response = editor_client.post("/api/v1/articles/", body, content_type="application/json")
    assert_malformed_json(response)
    assert not Article.objects.exists()


def test_brackets_inside_strings_do_not_count(editor_client):
    title = "[" * 200 + "{" * 200
    response = editor_client.post(
        "/api/v1/articles/",
        {"slug": "stopping-ldn", "title": title[:200], "summary": title},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_nesting_up_to_the_limit_is_parsed():
    parser = LimitedJSONParser()
    deepest = parser.parse(io.BytesIO(nested(MAX_NESTING_DEPTH).encode()))
    for _ in range(MAX_NESTING_DEPTH - 1):
        deepest = deepest[0]
    assert deepest == []
    with pytest.raises(ParseError, match="nested more than"):
        parser.parse(io.BytesIO(nested(MAX_NESTING_DEPTH + 1).encode()))


def _operations_with_a_body() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]


OPERATIONS = _operations_with_a_body()


def test_every_json_body_operation_is_covered():
    assert ("post", "/api/v1/auth/token/") in OPERATIONS
    assert len(OPERATIONS) >= 15, OPERATIONS


@pytest.fixture
def path_values(make_article, editor_user, doctor, publisher, consumer_key) -> dict[str, str]:
    """An existing object for each parameter an operation's path names."""
    article = make_article(slug="stopping-ldn", sections=2)
    review = review_services.review_submit(article=article, user=editor_user)
    comment = Comment.objects.create(review=review, body="First remark.", author=doctor)
    endpoint = article_services.webhook_endpoint_create(
        user=publisher, name="Hook", url="https://hooks.example.org/x"
    )
    live = review_services.review_submit(article=make_article(slug="live"), user=editor_user)
    review_services.review_approve(
        review=live, reviewer=doctor, content_hash=live.version.content_hash, kind="full"
    )
    key, _ = consumer_key
    feedback = governance_services.feedback_receive(
        site_id=key.site_id,
        api_key_id=key.pk,
        slug="live",
        content_hash=live.version.content_hash,
        category="error",
        text="The dose looks wrong.",
    )
    article_services.reference_create(
        article=article,
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        values={"key": "nice-ng193", "kind": "guideline", "title": "Guideline"},
    )
    soon = timezone.now() + timedelta(days=1)
    release = scheduling_services.release_create(name="Spring", publish_at=soon, user=publisher)
    schedule = scheduling_services.schedule_create(
        version=review.version,
        attribution=Attribution(
            reviewer_name="Dr Doctor",
            reviewer_credentials="",
            review_kind="full",
            approved_at=timezone.now(),
            last_reviewed=timezone.localdate(),
            next_review_due=timezone.localdate() + timedelta(days=300),
        ),
        publish_at=soon,
        actor=doctor,
    )
    withdrawal = scheduling_services.withdrawal_set(
        article=Article.objects.get(slug="live"), withdraw_at=soon, reason="Old.", user=publisher
    )
    return {
        "slug": "stopping-ldn",
        "anchor": "part-0",
        "key": "nice-ng193",
        "release_id": str(release.pk),
        "schedule_id": str(schedule.pk),
        "withdrawal_id": str(withdrawal.pk),
        "number": "1",
        "review_id": str(review.pk),
        "comment_id": str(comment.pk),
        "endpoint_id": str(endpoint.pk),
        "feedback_id": str(feedback.pk),
        "role": "clinical",
        "code": "clinical",
        "username": doctor.username,
        "policy_id": str(SignOffPolicy.objects.values_list("pk", flat=True).first()),
    }


@pytest.fixture
def callers(editor_user, doctor, publisher, consumer) -> dict[str, APIClient]:
    """Every kind of staff caller with a real token, a consuming site's key, and no one."""
    clients = {"anonymous": APIClient(), "consumer": consumer}
    for role, user in (("editor", editor_user), ("clinician", doctor), ("admin", publisher)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[1]}")
        clients[role] = client
    return clients


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_deep_json_is_never_a_server_error(path_values, callers, method, path):
    url = re.sub(r"\{([a-z_]+)\}", lambda name: path_values[name[1]], path)
    refused = []
    for role, client in callers.items():
        response = getattr(client, method)(
            url, DEEP, content_type="application/json", HTTP_IF_MATCH='"any"'
        )
        assert response.status_code < 500, (role, response.content)
        if response.status_code == 400:
            assert_malformed_json(response)
            refused.append(role)
    assert refused, f"{method.upper()} {path}: no caller got as far as parsing the body"
