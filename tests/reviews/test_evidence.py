"""Evidence checks at review: a full approval checks every cited reference, a change approval
those of the changed sections, each check a frozen row shown in the review API and admin."""

from datetime import date

import pytest

from articles import services as article_services
from articles.models import ImmutableRecord, Publication, ReviewKind
from articles.selectors import article_etag, section_list
from ldncontent.exceptions import InvalidContent
from reviews import services as review_services
from reviews.exceptions import EvidenceChecksMissing
from reviews.models import EvidenceCheck, ReviewState
from tests import factories
from tests.clients import staff_client

pytestmark = pytest.mark.django_db

NICE = {
    "key": "nice-ng193",
    "kind": "guideline",
    "title": "Chronic pain in over 16s",
    "guideline_id": "NG193",
    "url": "https://www.nice.org.uk/guidance/ng193",
    "published_on": date(2021, 4, 7),
}
TRIAL = {
    "key": "younger-2013",
    "kind": "journal_article",
    "title": "Low-dose naltrexone for fibromyalgia",
    "doi": "10.1002/art.37734",
}
UNUSED = {"key": "unused", "kind": "website", "title": "Not cited", "url": "https://e.org/"}


def etag(article) -> str:
    return article_etag(article=article, sections=section_list(article=article))


def edit(article, editor, anchor: str, body: str) -> None:
    article_services.section_update(
        article=article, anchor=anchor, user=editor, if_match=etag(article), changes={"body": body}
    )


@pytest.fixture
def cited(make_article, editor_user):
    """An article citing NICE in part-0 and the trial in part-1, with an uncited reference,
    submitted as version 1: its open review."""
    article = make_article(sections=3)
    for values in (NICE, TRIAL, UNUSED):
        article_services.reference_create(
            article=article, user=editor_user, if_match=etag(article), values=values
        )
    edit(article, editor_user, "part-0", "Guidance [^nice-ng193].")
    edit(article, editor_user, "part-1", "A trial [^younger-2013] and NICE [^nice-ng193].")
    return review_services.review_submit(article=article, user=editor_user)


def approve_url(review) -> str:
    return f"/api/v1/reviews/{review.pk}/approve/"


def check(key: str, verdict: str = "still_supports", note: str = "") -> dict:
    return {"reference_key": key, "verdict": verdict, "note": note}


def test_a_full_approval_without_evidence_checks_is_a_409_listing_them(doctor_client, cited):
    response = doctor_client.post(
        approve_url(cited),
        {
            "content_hash": cited.version.content_hash,
            "kind": "full",
            "evidence": [check("nice-ng193")],
        },
        format="json",
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "evidence_checks_missing"
    assert body["errors"]["missing"] == ["younger-2013"]
    assert "younger-2013" in body["detail"]
    cited.refresh_from_db()
    assert cited.state == ReviewState.SUBMITTED
    assert not cited.sign_offs.exists()
    assert not EvidenceCheck.objects.exists()
    assert not Publication.objects.exists()


def test_a_full_approval_with_every_check_publishes_and_freezes_them(doctor_client, doctor, cited):
    response = doctor_client.post(
        approve_url(cited),
        {
            "content_hash": cited.version.content_hash,
            "kind": "full",
            "evidence": [
                check("younger-2013"),
                check("nice-ng193", "replaced", "NG193 was updated in 2025; the advice stands."),
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Publication.objects.get().version == cited.version
    checks = {item.reference_key: item for item in EvidenceCheck.objects.all()}
    assert set(checks) == {"nice-ng193", "younger-2013"}
    nice = checks["nice-ng193"]
    assert nice.verdict == "replaced"
    assert nice.checked_by == doctor
    assert nice.version == cited.version
    assert nice.sign_off == cited.sign_offs.get()
    with pytest.raises(ImmutableRecord):
        nice.save()
    with pytest.raises(ImmutableRecord):
        EvidenceCheck.objects.update(note="")


def test_no_approval_serves_a_citation_of_a_source_it_found_removed(doctor_client, cited):
    response = doctor_client.post(
        approve_url(cited),
        {
            "content_hash": cited.version.content_hash,
            "kind": "full",
            "evidence": [
                check("nice-ng193"),
                check("younger-2013", "removed", "Retracted in 2024 for data errors."),
            ],
        },
        format="json",
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "cited_source_removed"
    assert body["errors"]["removed"] == ["younger-2013"]
    assert "request changes" in body["detail"]
    cited.refresh_from_db()
    assert cited.state == ReviewState.SUBMITTED
    assert not cited.sign_offs.exists()
    assert not EvidenceCheck.objects.exists()
    assert not Publication.objects.exists()


def test_the_review_api_shows_what_to_check_and_the_checks(doctor_client, doctor, cited):
    before = doctor_client.get(f"/api/v1/reviews/{cited.pk}/").json()
    assert before["evidence_to_check"] == {
        "full": ["nice-ng193", "younger-2013"],
        "change": ["nice-ng193", "younger-2013"],
    }
    assert [item["key"] for item in before["references"]] == [
        "nice-ng193",
        "unused",
        "younger-2013",
    ]
    assert before["evidence_checks"] == []
    assert {item["key"]: item["status"] for item in before["diff_against_live"]["references"]} == {
        "nice-ng193": "added",
        "unused": "added",
        "younger-2013": "added",
    }
    review_services.review_approve(
        review=cited,
        reviewer=doctor,
        content_hash=cited.version.content_hash,
        kind=ReviewKind.FULL,
        evidence=[
            check("nice-ng193"),
            check("younger-2013", "replaced", "A 2025 review; same conclusion."),
            check("unused", "removed", "Retracted in 2024."),
        ],
    )
    after = doctor_client.get(f"/api/v1/reviews/{cited.pk}/").json()
    assert [
        (item["reference_key"], item["verdict"], item["note"], item["checked_by"])
        for item in after["evidence_checks"]
    ] == [
        ("nice-ng193", "still_supports", "", "doctor"),
        ("unused", "removed", "Retracted in 2024.", "doctor"),
        ("younger-2013", "replaced", "A 2025 review; same conclusion.", "doctor"),
    ]


@pytest.mark.parametrize(
    ("evidence", "field"),
    [
        ([check("nice-ng193"), check("younger-2013"), check("ghost")], ("2", "reference_key")),
        (
            [check("nice-ng193"), check("nice-ng193"), check("younger-2013")],
            ("1", "reference_key"),
        ),
        ([check("nice-ng193"), check("younger-2013", "replaced")], ("1", "note")),
    ],
)
def test_malformed_checks_are_a_400(doctor_client, cited, evidence, field):
    response = doctor_client.post(
        approve_url(cited),
        {"content_hash": cited.version.content_hash, "kind": "full", "evidence": evidence},
        format="json",
    )
    assert response.status_code == 400, response.content
    index, name = field
    assert name in response.json()["errors"]["evidence"][index]
    assert not EvidenceCheck.objects.exists()


def test_a_bad_verdict_or_shape_is_a_400(doctor_client, cited):
    for evidence in ([check("nice-ng193", "fine")], [{"reference_key": "nice-ng193"}], "x"):
        response = doctor_client.post(
            approve_url(cited),
            {"content_hash": cited.version.content_hash, "kind": "full", "evidence": evidence},
            format="json",
        )
        assert response.status_code == 400, response.content


def test_an_uncited_reference_needs_no_check_but_may_have_one(doctor, cited):
    review_services.review_approve(
        review=cited,
        reviewer=doctor,
        content_hash=cited.version.content_hash,
        kind=ReviewKind.FULL,
        evidence=[check("nice-ng193"), check("younger-2013"), check("unused")],
    )
    assert EvidenceCheck.objects.count() == 3


def test_a_change_review_checks_the_references_of_changed_sections(
    doctor, second_doctor, editor_user, cited
):
    review_services.review_approve(
        review=cited,
        reviewer=doctor,
        content_hash=cited.version.content_hash,
        kind=ReviewKind.FULL,
        evidence=[check("nice-ng193"), check("younger-2013")],
    )
    article = cited.article
    edit(article, editor_user, "part-1", "A trial [^younger-2013] only.")
    review = review_services.review_submit(article=article, user=editor_user)
    assert review_services.evidence_required(review=review, kind="change") == ["younger-2013"]
    with pytest.raises(EvidenceChecksMissing) as refused:
        review_services.review_approve(
            review=review,
            reviewer=second_doctor,
            content_hash=review.version.content_hash,
            kind=ReviewKind.CHANGE,
        )
    assert refused.value.errors == {"missing": ["younger-2013"]}
    review_services.review_approve(
        review=review,
        reviewer=second_doctor,
        content_hash=review.version.content_hash,
        kind=ReviewKind.CHANGE,
        evidence=[check("younger-2013")],
    )
    assert Publication.objects.get().version == review.version


def test_a_change_review_checks_a_cited_reference_whose_entry_changed(
    doctor, second_doctor, editor_user, cited
):
    review_services.review_approve(
        review=cited,
        reviewer=doctor,
        content_hash=cited.version.content_hash,
        kind=ReviewKind.FULL,
        evidence=[check("nice-ng193"), check("younger-2013")],
    )
    article = cited.article
    article_services.reference_update(
        article=article,
        key="nice-ng193",
        user=editor_user,
        if_match=etag(article),
        changes={"status": "superseded"},
    )
    edit(article, editor_user, "part-2", "Unrelated wording.")
    review = review_services.review_submit(article=article, user=editor_user)
    assert review_services.evidence_required(review=review, kind="change") == ["nice-ng193"]
    assert review_services.evidence_required(review=review, kind="full") == [
        "nice-ng193",
        "younger-2013",
    ]


def test_a_version_without_references_needs_no_checks(doctor, submitted):
    review_services.review_approve(
        review=submitted,
        reviewer=doctor,
        content_hash=submitted.version.content_hash,
        kind=ReviewKind.FULL,
    )
    assert Publication.objects.exists()


def test_only_the_clinical_sign_off_carries_evidence(make_article, editor_user, doctor):
    role = factories.sign_off_role("pharmacist")
    pharmacist = factories.sign_off_reviewer(role=role, username="pharmacist")
    factories.sign_off_policy(name="Medicines", required=[role])
    article = make_article(sections=1)
    review = review_services.review_submit(article=article, user=editor_user)
    with pytest.raises(InvalidContent) as refused:
        review_services.signoff_record(
            review=review,
            signer=pharmacist,
            role_code="pharmacist",
            content_hash=review.version.content_hash,
            checklist=role.checklist,
            evidence=[check("x")],
        )
    assert "evidence" in refused.value.errors


# --- the admin ------------------------------------------------------------------------------


def decide(client, review, **data):
    return client.post(f"/admin/reviews/review/{review.pk}/decide/", data, follow=True)


def test_the_admin_review_page_lists_the_references_to_check(doctor, cited):
    html = staff_client(doctor).get(f"/admin/reviews/review/{cited.pk}/change/").content.decode()
    assert 'id="ldn-references"' in html
    assert 'name="evidence-nice-ng193-verdict"' in html
    assert 'name="evidence-younger-2013-verdict"' in html
    assert 'name="evidence-unused-verdict"' not in html  # not cited: nothing to check
    assert "Not cited" in html


def test_the_admin_refuses_an_approval_missing_a_check(doctor, cited):
    response = decide(
        staff_client(doctor),
        cited,
        action="approve",
        content_hash=cited.version.content_hash,
        kind="full",
        **{"evidence-nice-ng193-verdict": "still_supports"},
    )
    assert "missing younger-2013" in response.content.decode()
    assert not Publication.objects.exists()
    assert not EvidenceCheck.objects.exists()


def test_the_admin_approves_with_every_check_and_shows_them(doctor, cited):
    client = staff_client(doctor)
    response = decide(
        client,
        cited,
        action="approve",
        content_hash=cited.version.content_hash,
        kind="full",
        **{
            "evidence-nice-ng193-verdict": "still_supports",
            "evidence-younger-2013-verdict": "replaced",
            "evidence-younger-2013-note": "A 2025 review supersedes it; same conclusion.",
        },
    )
    assert "Approved and published." in response.content.decode()
    assert Publication.objects.get().version == cited.version
    assert EvidenceCheck.objects.get(reference_key="younger-2013").note.startswith("A 2025")
    html = client.get(f"/admin/reviews/review/{cited.pk}/change/").content.decode()
    assert "Replaced by newer evidence" in html
    assert "A 2025 review supersedes it" in html


def test_the_sign_off_api_carries_the_clinical_evidence_checks(doctor_client, cited):
    url = f"/api/v1/reviews/{cited.pk}/sign-off/"
    body = {"role": "clinical", "content_hash": cited.version.content_hash, "kind": "full"}
    missing = doctor_client.post(url, body, format="json")
    assert missing.status_code == 409, missing.content
    assert missing.json()["errors"]["missing"] == ["nice-ng193", "younger-2013"]
    signed = doctor_client.post(
        url,
        {**body, "evidence": [check("nice-ng193"), check("younger-2013")]},
        format="json",
    )
    assert signed.status_code == 200, signed.content
    assert EvidenceCheck.objects.count() == 2
    assert Publication.objects.get().version == cited.version
