"""`manage.py load_demo`: what `make run` loads, and that running it again is safe."""

import io
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.test import APIClient

from articles.models import Article, Publication
from reviews.models import Review, RoleChange, SignOff, SignOffPolicy, SignOffRole
from reviews.selectors import article_review_status

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_loads_users_articles_and_working_tokens():
    output = load_demo()
    assert set(Article.objects.values_list("slug", flat=True)) == {
        "stopping-ldn",
        "ldn-beyond-addiction",
    }
    stopping = Article.objects.get(slug="stopping-ldn")
    assert stopping.sections.count() >= 5
    assert stopping.sections.get(position=0).heading == "Introduction"
    assert User.objects.get(username="editor").groups.filter(name="editors").exists()
    assert "http://127.0.0.1:8000/api/docs/" in output
    token = re.search(r"editor\s+([0-9a-f]{64})", output).group(1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/articles/stopping-ldn/").status_code == 200


def test_running_the_demo_again_changes_no_article_and_revokes_old_tokens():
    first = load_demo()
    history_before = Article.history.count()
    old_token = re.search(r"editor\s+([0-9a-f]{64})", first).group(1)
    load_demo()
    assert Article.objects.count() == 2
    assert Article.history.count() == history_before
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {old_token}")
    assert client.get("/api/v1/articles/").status_code == 401


def test_demo_has_one_article_live_and_one_with_a_pending_change():
    load_demo()
    stopping = Publication.objects.get(slug="stopping-ldn")
    assert (stopping.status, stopping.version.number) == ("live", 1)
    assert stopping.reviewer_name == "Dr Amina Okafor"
    beyond = Publication.objects.get(slug="ldn-beyond-addiction")
    assert beyond.version.number == 1
    pending = Review.objects.get(state="submitted")
    assert (pending.article.slug, pending.version.number) == ("ldn-beyond-addiction", 2)
    assert article_review_status(article=pending.article).status == "in_review"
    changed = [
        new["anchor"]
        for old, new in zip(beyond.version.sections, pending.version.sections, strict=True)
        if old != new
    ]
    assert len(changed) == 1


def test_the_demo_users_get_their_roles_from_the_demo_superuser_once():
    load_demo()
    load_demo()
    changes = {
        (change.subject.username, change.role, change.action, change.actor.username)
        for change in RoleChange.objects.select_related("subject", "actor")
    }
    assert changes == {
        ("editor", "editors", "granted", "publisher"),
        ("clinician", "clinical-reviewers", "granted", "publisher"),
        ("publisher", "publishing-admins", "granted", "publisher"),
        ("pharmacist", "sign-off-reviewers", "granted", "publisher"),
    }


def test_the_demo_medicines_article_is_signed_by_the_clinician_and_the_pharmacist():
    output = load_demo()
    assert re.search(r"pharmacist\s+sign-off-reviewers", output)
    role = SignOffRole.objects.get(code="pharmacist")
    assert role.checklist and not role.resign_on_change
    policy = SignOffPolicy.objects.get(name="Medicines")
    assert (policy.topic, list(policy.required_roles.all())) == ("medicines", [role])
    payload = json.loads(bytes(Publication.objects.get(slug="stopping-ldn").payload))
    assert [(item["role"], item["name"]) for item in payload["medical_review"]["sign_offs"]] == [
        ("clinical", "Dr Amina Okafor"),
        ("pharmacist", "Sam Patel"),
    ]
    assert SignOff.objects.get(role=role).checklist == role.checklist
    other = json.loads(bytes(Publication.objects.get(slug="ldn-beyond-addiction").payload))
    assert [item["role"] for item in other["medical_review"]["sign_offs"]] == ["clinical"]
    load_demo()
    assert SignOffRole.objects.filter(code="pharmacist").count() == 1
    assert SignOffPolicy.objects.filter(name="Medicines").count() == 1
