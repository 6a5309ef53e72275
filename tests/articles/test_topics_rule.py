"""One topics rule, in the service, for the API, the admin and the importer alike."""

import json
from html import unescape

import pytest

from articles.models import Article
from articles.selectors import article_etag, section_list
from tests.clients import form_data, staff_client

pytestmark = pytest.mark.django_db

TOO_MANY = [f"topic-{number}" for number in range(21)]
BREAKING_THE_RULE = [
    pytest.param(TOO_MANY, "21 topics; the limit is 20", id="too-many"),
    pytest.param(["ldn", "Not A Slug"], "'Not A Slug' is not a topic slug", id="not-a-slug"),
    pytest.param(["x" * 51], "longer than 50 characters", id="too-long"),
]


@pytest.mark.parametrize(("topics", "problem"), BREAKING_THE_RULE)
def test_the_api_refuses_topics_that_break_the_rule(editor_client, topics, problem):
    response = editor_client.post(
        "/api/v1/articles/", {"slug": "new", "title": "New", "topics": topics}, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert any(problem in message for message in body["errors"]["topics"]), body
    assert not Article.objects.exists()


def test_the_api_takes_twenty_topics_and_drops_duplicates(editor_client):
    topics = [*TOO_MANY[:19], "topic-0"]
    response = editor_client.post(
        "/api/v1/articles/", {"slug": "new", "title": "New", "topics": topics}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Article.objects.get().topics == TOO_MANY[:19]


@pytest.mark.parametrize(
    ("topics", "problem"),
    # The API's serializer refuses what is not a list of strings; the admin's JSON field does not.
    [*BREAKING_THE_RULE, pytest.param({"ldn": True}, "Topics are a list", id="not-a-list")],
)
def test_the_admin_refuses_topics_that_break_the_rule(editor_user, make_article, topics, problem):
    article = make_article(slug="stopping-ldn", sections=1)
    client = staff_client(editor_user)
    url = f"/admin/articles/article/{article.pk}/change/"
    page = client.get(url)
    etag = article_etag(article=article, sections=section_list(article=article))
    response = client.post(url, form_data(page, topics=json.dumps(topics), etag=etag), follow=True)
    assert problem in unescape(response.content.decode())
    article.refresh_from_db()
    assert article.topics == ["ldn"]
