"""Dossiers: one version's production record from the demo data, its export log, samples."""

import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import services as article_services
from articles.models import ConsumerSite, Version
from articles.selectors import article_etag, section_list
from governance import services as governance_services
from governance.models import DossierExport, FeedbackAcknowledgement
from reviews import services as review_services
from reviews.models import Review
from tests import factories
from tests.clients import client_for, staff_client

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
DOSSIER = "/api/v1/articles/ldn-beyond-addiction/versions/2/dossier/"


@pytest.fixture
def demo():
    """The demo data, and version 2 of `ldn-beyond-addiction` through its whole life: a
    comment resolved, a full approval, reader feedback triaged, flagged overdue, retracted."""
    call_command("load_demo", stdout=io.StringIO())
    editor = User.objects.get(username="editor")
    clinician = User.objects.get(username="clinician")
    publisher = User.objects.get(username="publisher")
    site = ConsumerSite.objects.create(name="Forum", contact_email="web@example.org")
    key, _ = article_services.consumer_key_issue(site=site, name="k", issued_by=publisher)
    first = Version.objects.get(article__slug="ldn-beyond-addiction", number=1)
    early_report = governance_services.feedback_receive(
        site_id=site.pk,
        api_key_id=key.pk,
        slug="ldn-beyond-addiction",
        content_hash=first.content_hash,
        category="error",
        text=f"Version 1 is missing the off-label note. {SCRIPT}",
    )
    review = Review.objects.get(version__article__slug="ldn-beyond-addiction", version__number=2)
    comment = review_services.comment_add(
        review=review, author=clinician, body=f"Say who follows up. {SCRIPT}"
    )
    review_services.comment_resolve(comment=comment, user=editor)
    review_services.review_approve(
        review=review,
        reviewer=clinician,
        content_hash=review.version.content_hash,
        kind="full",
        note="The off-label note is right.",
    )
    report = governance_services.feedback_receive(
        site_id=site.pk,
        api_key_id=key.pk,
        slug="ldn-beyond-addiction",
        content_hash=review.version.content_hash,
        category="unclear",
        text="What does off-label mean?",
        section_anchor=review.version.sections[-1]["anchor"],
    )
    governance_services.feedback_triage(
        feedback=report, user=editor, status="declined", note="Explained in the glossary."
    )
    article_services.publications_mark_overdue(today=timezone.localdate() + timedelta(days=800))
    article_services.publication_retract(
        article=review.article, user=publisher, reason="Superseded by a new leaflet."
    )
    return {"review": review, "early_report": early_report, "publisher": publisher, "key": key}


def test_a_demo_versions_dossier_holds_every_item_and_recomputes_its_hash(
    demo, django_assert_max_num_queries
):
    client = client_for(demo["publisher"])
    with django_assert_max_num_queries(25):
        response = client.get(DOSSIER)
    assert response.status_code == 200, response.content
    dossier = response.json()
    version = demo["review"].version
    content = dossier["content"]
    assert content["content_hash"] == content["recomputed_hash"] == version.content_hash
    assert content["hash_verified"] is True
    assert content["snapshot"]["sections"] == version.sections
    assert dossier["previous_approved_version"] == 1
    assert dossier["diff"]["against"] == 1
    changed = [item for item in dossier["diff"]["sections"] if item["status"] == "changed"]
    assert len(changed) == 1 and "off-label" in changed[0]["new_body"]
    assert [author["user"] for author in dossier["authors"]] == ["editor"]
    assert dossier["submission"]["by"] == "editor"
    assert dossier["submission"]["note"] == "Added a note on off-label prescribing."
    (sign_off,) = dossier["sign_offs"]
    assert sign_off["role"] == "clinical"
    assert sign_off["name"] == "Dr Amina Okafor"
    assert sign_off["profession"] == "General practitioner"
    assert sign_off["registering_body"] == "General Medical Council"
    assert sign_off["registration_number"] == "7000001"
    assert sign_off["meaning"]
    assert sign_off["signed_at"]
    assert sign_off["content_hash"] == version.content_hash
    (comment,) = dossier["comments"]
    assert comment["body"] == f"Say who follows up. {SCRIPT}"
    assert comment["resolved"] is True
    assert [(step["resolved"], step["by"]) for step in comment["resolution"]] == [(True, "editor")]
    assert dossier["evidence_checks"] == []
    assert [step["to_state"] for step in dossier["review_transitions"]] == [
        "submitted",
        "approved",
    ]
    assert dossier["review"]["state"] == "approved"
    publication = dossier["publication"]
    assert publication["published_at"] and publication["flagged_overdue_at"]
    assert publication["retracted_at"]
    assert [row["status"] for row in publication["history"]][-1] == "retracted"
    assert {event["type"] for event in publication["events"]} >= {
        "article.published",
        "article.review_overdue",
        "article.retracted",
    }
    assert dossier["feedback"]["total"] == 1
    assert dossier["feedback"]["by_category"]["unclear"] == 1
    assert dossier["feedback"]["by_status"] == {
        "new": 0,
        "triaged": 0,
        "addressed": 0,
        "declined": 1,
    }


def test_the_dossier_is_the_same_each_time_and_each_export_is_logged(demo):
    client = client_for(demo["publisher"])
    first, second = client.get(DOSSIER).content, client.get(DOSSIER).content
    assert first == second
    exports = list(DossierExport.objects.order_by("id"))
    assert len(exports) == 2
    assert {export.actor.username for export in exports} == {"publisher"}
    assert exports[0].versions == [
        {
            "slug": "ldn-beyond-addiction",
            "number": 2,
            "content_hash": demo["review"].version.content_hash,
        }
    ]


def test_a_stored_text_that_no_longer_matches_its_hash_is_shown_as_such(demo):
    version = demo["review"].version
    sections = [*version.sections[:-1], {**version.sections[-1], "body": "Tampered."}]
    with connection.cursor() as cursor:  # Versions refuse every change through the ORM
        cursor.execute(
            f"UPDATE {Version._meta.db_table} SET sections = %s WHERE id = %s",
            [json.dumps(sections), version.pk],
        )
    content = client_for(demo["publisher"]).get(DOSSIER).json()["content"]
    assert content["hash_verified"] is False
    assert content["recomputed_hash"] != content["content_hash"]


def test_a_full_approval_acknowledges_the_open_error_reports(demo):
    (acknowledgement,) = FeedbackAcknowledgement.objects.all()
    assert acknowledgement.feedback == demo["early_report"]
    assert acknowledgement.review == demo["review"]
    assert acknowledgement.acknowledged_by.username == "clinician"
    body = (
        client_for(demo["publisher"]).get(f"/api/v1/reviews/{demo['review'].pk}/feedback/").json()
    )
    assert [item["id"] for item in body["acknowledged"]] == [demo["early_report"].pk]
    assert [item["id"] for item in body["open_errors"]] == [demo["early_report"].pk]


def test_only_reports_received_before_the_clinical_sign_off_are_acknowledged(
    make_article, editor_user, doctor, consumer_key, site
):
    pharmacist_role = factories.sign_off_role("pharmacist")
    pharmacist = factories.sign_off_reviewer(role=pharmacist_role, username="pharmacist")
    factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="ldn")
    article = make_article(slug="ldn-doses")
    first = review_services.review_submit(article=article, user=editor_user)
    review_services.review_approve(
        review=first, reviewer=doctor, content_hash=first.version.content_hash, kind="full"
    )
    review_services.signoff_record(
        review=first,
        signer=pharmacist,
        role_code="pharmacist",
        content_hash=first.version.content_hash,
    )
    key, _ = consumer_key

    def reader_reports(text: str):
        return governance_services.feedback_receive(
            site_id=site.pk,
            api_key_id=key.pk,
            slug="ldn-doses",
            content_hash=first.version.content_hash,
            category="error",
            text=text,
        )

    seen = reader_reports("Before the review.")
    article_services.section_update(
        article=article,
        anchor="part-0",
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": "Fixed."},
    )
    second = review_services.review_submit(article=article, user=editor_user)
    review_services.review_approve(
        review=second, reviewer=doctor, content_hash=second.version.content_hash, kind="full"
    )
    reader_reports("After the clinician signed, before the pharmacist did.")
    review_services.signoff_record(
        review=second,
        signer=pharmacist,
        role_code="pharmacist",
        content_hash=second.version.content_hash,
    )
    (acknowledgement,) = FeedbackAcknowledgement.objects.all()
    assert (acknowledgement.feedback, acknowledgement.acknowledged_by) == (seen, doctor)


def test_a_change_review_acknowledges_nothing(
    published, pending, consumer_key, second_doctor, site
):
    key, _ = consumer_key
    governance_services.feedback_receive(
        site_id=site.pk,
        api_key_id=key.pk,
        slug="stopping-ldn",
        content_hash=published.version.content_hash,
        category="error",
        text="Wrong dose.",
    )
    review_services.review_approve(
        review=pending,
        reviewer=second_doctor,
        content_hash=pending.version.content_hash,
        kind="change",
    )
    assert not FeedbackAcknowledgement.objects.exists()


@pytest.mark.parametrize("role", ["editor", "sign-off reviewer"])
def test_only_publishing_admins_and_clinicians_export(published, role, editor_user):
    user = editor_user if role == "editor" else factories.UserFactory(roles=["sign-off-reviewers"])
    client = client_for(user)
    for url in (
        "/api/v1/articles/stopping-ldn/versions/1/dossier/",
        "/api/v1/dossiers/?from=2000-01-01&to=2100-01-01&sample=1",
    ):
        response = client.get(url)
        assert response.status_code == 403, response.content
    assert not DossierExport.objects.exists()


def test_a_sample_is_reproducible_with_its_seed_and_recorded(make_article, editor_user, doctor):
    for index in range(6):
        review = review_services.review_submit(
            article=make_article(slug=f"article-{index}", sections=1), user=editor_user
        )
        review_services.review_approve(
            review=review, reviewer=doctor, content_hash=review.version.content_hash, kind="full"
        )
    client = client_for(doctor)
    today = timezone.localdate().isoformat()
    url = f"/api/v1/dossiers/?from={today}&to={today}&sample=3&seed=assessor-2026"
    first, second = client.get(url).json(), client.get(url).json()
    assert first["versions"] == second["versions"]
    assert len(first["versions"]) == 3
    # What an assessor recomputes by hand from the published rule.
    hashes = Version.objects.values_list("content_hash", flat=True)
    ranked = sorted(hashes, key=lambda h: hashlib.sha256(f"assessor-2026:{h}".encode()).hexdigest())
    assert [item["content_hash"] for item in first["versions"]] == ranked[:3]
    assert first["parameters"]["population"] == 6
    assert first["versions"][0]["dossier"].endswith("/versions/1/dossier/")
    unseeded = client.get(f"/api/v1/dossiers/?from={today}&to={today}&sample=3").json()
    assert unseeded["parameters"]["seed"]
    again = client.get(
        f"/api/v1/dossiers/?from={today}&to={today}&sample=3&seed={unseeded['parameters']['seed']}"
    ).json()
    assert again["versions"] == unseeded["versions"]
    assert DossierExport.objects.filter(kind="sample").count() == 4
    everything = client.get(f"/api/v1/dossiers/?from={today}&to={today}&sample=50").json()
    assert len(everything["versions"]) == 6
    empty = client.get("/api/v1/dossiers/?from=2001-01-01&to=2001-12-31&sample=5").json()
    assert empty["versions"] == [] and empty["parameters"]["population"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-02-01&to=2026-01-01&sample=1", "to"),
        ("from=2026-01-01&to=2026-02-01&sample=0", "sample"),
        ("from=2026-01-01&to=2026-02-01&sample=51", "sample"),
        ("from=yesterday&to=2026-02-01&sample=1", "from"),
        ("to=2026-02-01&sample=1", "from"),
    ],
)
def test_a_bad_sample_query_is_a_400_and_records_nothing(doctor, query, field):
    response = client_for(doctor).get(f"/api/v1/dossiers/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not DossierExport.objects.exists()


def test_unknown_version_is_a_404(published, doctor):
    response = client_for(doctor).get("/api/v1/articles/stopping-ldn/versions/9/dossier/")
    assert response.status_code == 404
    assert not DossierExport.objects.exists()


def test_the_dossier_lists_the_evidence_checked_at_review(make_article, editor_user, doctor):
    article = make_article(slug="cited", sections=2)

    def etag() -> str:
        return article_etag(article=article, sections=section_list(article=article))

    article_services.reference_create(
        article=article,
        user=editor_user,
        if_match=etag(),
        values={"key": "nice-ng193", "kind": "guideline", "title": "Chronic pain in over 16s"},
    )
    article_services.section_update(
        article=article,
        anchor="part-0",
        user=editor_user,
        if_match=etag(),
        changes={"body": f"Guidance [^nice-ng193]. {SCRIPT}"},
    )
    review = review_services.review_submit(article=article, user=editor_user)
    review_services.review_approve(
        review=review,
        reviewer=doctor,
        content_hash=review.version.content_hash,
        kind="full",
        evidence=[{"reference_key": "nice-ng193", "verdict": "still_supports"}],
    )
    dossier = client_for(doctor).get("/api/v1/articles/cited/versions/1/dossier/").json()
    assert dossier["content"]["hash_verified"] is True
    assert dossier["content"]["snapshot"]["references"][0]["key"] == "nice-ng193"
    (source,) = dossier["evidence_checks"]
    assert source["key"] == "nice-ng193"
    assert [(check["verdict"], check["checked_by"]) for check in source["clinician_checks"]] == [
        ("still_supports", doctor.username)
    ]
    assert source["flags"] == [] and "last_link_check" not in source
    page = staff_client(doctor).get("/admin/governance/dossierexport/version/cited/1/")
    html = page.content.decode()
    assert 'id="ldn-evidence-checks"' in html and "still_supports" in html
    assert SCRIPT not in html
