"""Sign-off policies: several roles sign one version, each bound to its hash; publication
follows the last required signature, in its transaction."""

import json

import pytest

from articles import services as article_services
from articles.models import Event, EventType, Publication, ReviewKind
from articles.rendering import publication_render
from articles.selectors import article_etag, section_list
from ldncontent.exceptions import InvalidContent
from reviews import services as review_services
from reviews.exceptions import (
    AlreadySigned,
    ContentHashMismatch,
    InvalidTransition,
    NotAClinician,
    NotASigner,
    NotRequested,
    SeparationOfDuties,
    SignerNoLongerHoldsRole,
)
from reviews.models import SignOff, SignOffRequest, SignOffRoleHolder
from tests import factories
from tests.articles.test_references import TRIAL, with_references
from tests.clients import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist_role(db):
    return factories.sign_off_role(
        "pharmacist",
        name="Pharmacist",
        checklist=["Doses checked against the BNF"],
        resign_on_change=False,
    )


@pytest.fixture
def pharmacist(pharmacist_role):
    return factories.sign_off_reviewer(
        role=pharmacist_role, username="sam-patel", registering_body="GPhC"
    )


@pytest.fixture
def medicines_policy(pharmacist_role):
    return factories.sign_off_policy(
        name="Medicines", required=[pharmacist_role], topic="medicines"
    )


@pytest.fixture
def medicines_review(make_article, editor_user, medicines_policy):
    article = make_article(slug="ldn-doses", topics=["ldn", "medicines"])
    return review_services.review_submit(article=article, user=editor_user)


def clinical(review, doctor, **fields):
    fields.setdefault("kind", ReviewKind.FULL)
    return review_services.signoff_record(
        review=review,
        signer=doctor,
        role_code="clinical",
        content_hash=review.version.content_hash,
        **fields,
    )


def pharmacy(review, pharmacist, **fields):
    fields.setdefault("checklist", ["Doses checked against the BNF"])
    return review_services.signoff_record(
        review=review,
        signer=pharmacist,
        role_code="pharmacist",
        content_hash=review.version.content_hash,
        **fields,
    )


def edit(article, editor, body: str) -> None:
    article_services.section_update(
        article=article,
        anchor="part-0",
        user=editor,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": body},
    )


def served(article) -> dict:
    return json.loads(bytes(Publication.objects.get(article=article).payload))


def test_submission_freezes_the_roles_of_every_matching_policy(
    medicines_review, make_article, editor_user
):
    requests = SignOffRequest.objects.filter(review=medicines_review).order_by("role__code")
    assert [(r.role.code, r.required, r.policies) for r in requests] == [
        ("clinical", True, ["Clinical sign-off"]),
        ("pharmacist", True, ["Medicines"]),
    ]
    other = make_article(slug="sleep", topics=["sleep"])
    review = review_services.review_submit(article=other, user=editor_user)
    assert [r.role.code for r in review.sign_off_requests.all()] == ["clinical"]


def test_a_two_role_version_is_served_only_after_both_sign_offs(
    medicines_review, doctor, pharmacist
):
    article = medicines_review.article
    clinical(medicines_review, doctor)
    medicines_review.refresh_from_db()
    assert medicines_review.state == "submitted"
    assert not Publication.objects.filter(article=article).exists()

    pharmacy(medicines_review, pharmacist)
    medicines_review.refresh_from_db()
    assert medicines_review.state == "approved"
    assert medicines_review.reviewer == doctor
    payload = served(article)
    assert payload["content_hash"] == medicines_review.version.content_hash
    sign_offs = payload["medical_review"]["sign_offs"]
    assert [(s["role"], s["name"], s["credentials"]) for s in sign_offs] == [
        ("clinical", "Dr Doctor", "MBBS, MRCGP"),
        ("pharmacist", "Sam Patel", "MPharm"),
    ]
    assert payload["medical_review"]["reviewer_name"] == "Dr Doctor"
    assert [person["jobTitle"] for person in payload["json_ld"]["reviewedBy"]] == [
        "Clinical reviewer",
        "Pharmacist",
    ]
    types = list(Event.objects.filter(article=article).values_list("type", flat=True))
    assert types == [
        EventType.VERSION_SUBMITTED,
        EventType.SIGNED_OFF,
        EventType.SIGNED_OFF,
        EventType.APPROVED,
        EventType.PUBLISHED,
    ]
    last_sign_off = Event.objects.filter(type=EventType.SIGNED_OFF).last()
    assert last_sign_off.data["role"] == "pharmacist"
    assert last_sign_off.data["outstanding"] == []


def test_re_rendering_a_publication_from_the_database_keeps_its_bytes(
    medicines_review, doctor, pharmacist
):
    # Sign-offs come back from a JSON column (PostgreSQL's jsonb reorders keys) whenever a
    # publication is rendered again: the overdue refresh, a scheduled publication.
    clinical(medicines_review, doctor)
    pharmacy(medicines_review, pharmacist)
    publication = Publication.objects.get(article=medicines_review.article)
    first_payload, first_entry = bytes(publication.payload), bytes(publication.list_entry)

    publication_render(publication=publication, now=publication.published_at)

    assert bytes(publication.payload) == first_payload
    assert bytes(publication.list_entry) == first_entry
    served_keys = list(json.loads(first_payload)["medical_review"]["sign_offs"][1])
    assert served_keys == ["role", "role_name", "name", "credentials", "profession", "signed_at"]


def test_the_clinician_may_sign_last(medicines_review, doctor, pharmacist):
    pharmacy(medicines_review, pharmacist)
    assert not Publication.objects.exists()
    assert Event.objects.filter(type=EventType.SIGNED_OFF).get().data["outstanding"] == ["clinical"]
    clinical(medicines_review, doctor)
    assert served(medicines_review.article)["version"] == 1


def test_a_single_clinical_sign_off_serves_one_reviewer_as_before(
    make_article, editor_user, doctor
):
    review = review_services.review_submit(article=make_article(), user=editor_user)
    clinical(review, doctor)
    payload = served(review.article)
    assert [s["role"] for s in payload["medical_review"]["sign_offs"]] == ["clinical"]
    assert payload["json_ld"]["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr Doctor",
        "honorificSuffix": "MBBS, MRCGP",
    }


def test_a_change_review_needs_only_the_roles_that_re_sign_changes(
    medicines_review, doctor, pharmacist, editor_user
):
    clinical(medicines_review, doctor)
    pharmacy(medicines_review, pharmacist)
    article = medicines_review.article
    edit(article, editor_user, "A corrected sentence.")
    second = review_services.review_submit(article=article, user=editor_user)
    clinical(second, doctor, kind=ReviewKind.CHANGE)
    second.refresh_from_db()
    assert second.state == "approved"
    assert served(article)["version"] == 2
    assert [s["role"] for s in served(article)["medical_review"]["sign_offs"]] == ["clinical"]


def test_a_change_review_spares_no_role_that_did_not_sign_what_it_changes(
    make_article, medicines_policy, doctor, pharmacist, editor_user
):
    """v1 needed no pharmacist; v2 joins the medicines topic and adds a dose: a change review
    of it must not skip the pharmacist, who never signed anything of the article."""
    article = make_article(slug="ldn-doses", topics=["ldn"])
    first = review_services.review_submit(article=article, user=editor_user)
    clinical(first, doctor)
    article = article_services.article_update(
        article=article,
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        fields={"topics": ["ldn", "medicines"]},
    )
    edit(article, editor_user, "Take 4.5 mg at night.")
    second = review_services.review_submit(article=article, user=editor_user)
    pharmacist_request = second.sign_off_requests.get(role__code="pharmacist")
    assert pharmacist_request.needed_for_change, "nobody signed as pharmacist before"

    clinical(second, doctor, kind=ReviewKind.CHANGE)
    second.refresh_from_db()
    assert second.state == "submitted", "awaiting the pharmacist"
    assert served(article)["version"] == 1

    pharmacy(second, pharmacist)
    assert served(article)["version"] == 2
    assert [s["role"] for s in served(article)["medical_review"]["sign_offs"]] == [
        "clinical",
        "pharmacist",
    ]


def test_a_change_review_after_a_retraction_spares_no_role(
    medicines_review, doctor, pharmacist, editor_user, publisher
):
    clinical(medicines_review, doctor)
    pharmacy(medicines_review, pharmacist)
    article = medicines_review.article
    article_services.publication_retract(
        article=article, user=publisher, reason="The dose advice was wrong."
    )
    edit(article, editor_user, "The corrected dose.")
    second = review_services.review_submit(article=article, user=editor_user)
    assert second.sign_off_requests.get(role__code="pharmacist").needed_for_change
    clinical(second, doctor, kind=ReviewKind.CHANGE)
    second.refresh_from_db()
    assert second.state == "submitted", "what the pharmacist signed was retracted"


def test_a_retraction_after_submission_also_spares_no_role(
    medicines_review, doctor, pharmacist, editor_user, publisher
):
    clinical(medicines_review, doctor)
    pharmacy(medicines_review, pharmacist)
    article = medicines_review.article
    edit(article, editor_user, "A corrected sentence.")
    second = review_services.review_submit(article=article, user=editor_user)
    article_services.publication_retract(
        article=article, user=publisher, reason="The dose advice was wrong."
    )
    clinical(second, doctor, kind=ReviewKind.CHANGE)
    second.refresh_from_db()
    assert second.state == "submitted", "what the pharmacist signed was withdrawn since"
    assert served(article)["version"] == 1

    page = staff_client(doctor).get("/admin/reviews/review/?state__exact=submitted")
    assert "Pharmacist" in page.content.decode(), "still to sign, in the queue too"
    pharmacy(second, pharmacist)
    second.refresh_from_db()
    assert second.state == "approved"


def test_a_full_review_needs_every_required_role(medicines_review, doctor, pharmacist, editor_user):
    clinical(medicines_review, doctor)
    pharmacy(medicines_review, pharmacist)
    article = medicines_review.article
    edit(article, editor_user, "Reworded.")
    second = review_services.review_submit(article=article, user=editor_user)
    clinical(second, doctor, kind=ReviewKind.FULL)
    assert served(article)["version"] == 1


def test_nobody_signs_two_roles_of_one_version(medicines_review, doctor, pharmacist_role):
    SignOffRoleHolder.objects.create(role=pharmacist_role, user=doctor, published_name="Dr D")
    doctor.groups.add(*factories.UserFactory(roles=["sign-off-reviewers"]).groups.all())
    clinical(medicines_review, doctor)
    with pytest.raises(SeparationOfDuties, match="one role of a version"):
        pharmacy(medicines_review, doctor)


def test_the_submitter_and_the_version_s_editors_may_not_sign(
    make_article, pharmacist_role, medicines_policy
):
    editor_and_pharmacist = factories.sign_off_reviewer(role=pharmacist_role, username="ed")
    editor_and_pharmacist.groups.add(*factories.editor().groups.all())
    article = make_article(slug="ldn-doses", topics=["medicines"], author=editor_and_pharmacist)
    review = review_services.review_submit(article=article, user=editor_and_pharmacist)
    with pytest.raises(SeparationOfDuties):
        pharmacy(review, editor_and_pharmacist)
    assert not SignOff.objects.exists()


def test_nobody_signs_a_version_whose_references_they_edited(
    make_article, editor_user, pharmacist_role, medicines_policy
):
    editor_and_pharmacist = factories.sign_off_reviewer(role=pharmacist_role, username="ed")
    editor_and_pharmacist.groups.add(*factories.editor().groups.all())
    article = make_article(slug="ldn-doses", topics=["medicines"])
    # Only a source of theirs, cited by someone else: still their own work under review.
    with_references(article, editor_and_pharmacist, TRIAL, bodies={})
    with_references(article, editor_user, bodies={"part-0": "See the trial [^younger-2013]."})
    review = review_services.review_submit(article=article, user=editor_user)
    with pytest.raises(SeparationOfDuties):
        pharmacy(review, editor_and_pharmacist)
    assert not SignOff.objects.exists()


def test_only_holders_of_the_role_sign_it(medicines_review, second_doctor, publisher):
    with pytest.raises(NotASigner):
        pharmacy(medicines_review, second_doctor)
    with pytest.raises(NotAClinician):
        clinical(medicines_review, publisher)
    assert not SignOff.objects.exists()


def test_an_inactive_holder_may_not_sign(medicines_review, pharmacist):
    SignOffRoleHolder.objects.filter(user=pharmacist).update(active=False)
    with pytest.raises(NotASigner):
        pharmacy(medicines_review, pharmacist)


def test_a_role_the_version_does_not_need_is_refused(make_article, editor_user, pharmacist):
    review = review_services.review_submit(article=make_article(), user=editor_user)
    with pytest.raises(NotRequested, match="needs clinical"):
        pharmacy(review, pharmacist)


def test_a_role_is_signed_once(medicines_review, pharmacist):
    pharmacy(medicines_review, pharmacist)
    with pytest.raises(AlreadySigned):
        pharmacy(medicines_review, pharmacist)


def test_each_sign_off_is_bound_to_the_hash_the_signer_saw(medicines_review, pharmacist):
    with pytest.raises(ContentHashMismatch):
        review_services.signoff_record(
            review=medicines_review,
            signer=pharmacist,
            role_code="pharmacist",
            content_hash="0" * 64,
            checklist=["Doses checked against the BNF"],
        )
    assert not SignOff.objects.exists()


def test_the_checklist_must_be_confirmed_in_full(medicines_review, pharmacist):
    with pytest.raises(InvalidContent) as refused:
        pharmacy(medicines_review, pharmacist, checklist=[])
    assert "Doses checked against the BNF" in str(refused.value.errors["checklist"])
    with pytest.raises(InvalidContent):
        pharmacy(medicines_review, pharmacist, checklist=["Doses checked", "Something else"])
    sign_off = pharmacy(medicines_review, pharmacist)
    assert sign_off.checklist == ["Doses checked against the BNF"]


def test_only_the_clinical_sign_off_sets_the_kind(medicines_review, pharmacist):
    with pytest.raises(InvalidContent):
        pharmacy(medicines_review, pharmacist, kind=ReviewKind.FULL)


def test_a_request_for_changes_by_any_role_ends_the_review(medicines_review, doctor, pharmacist):
    clinical(medicines_review, doctor)
    review_services.review_request_changes(
        review=medicines_review, reviewer=pharmacist, comments=[{"body": "Dose is wrong."}]
    )
    medicines_review.refresh_from_db()
    assert medicines_review.state == "changes_requested"
    with pytest.raises(InvalidTransition):
        pharmacy(medicines_review, pharmacist)
    assert not Publication.objects.exists()


def test_an_invited_reader_comments_and_signs_but_does_not_decide(
    make_article, editor_user, doctor
):
    lay = factories.sign_off_role("lay-reader", name="Lay reader")
    reader = factories.sign_off_reviewer(role=lay, username="reader")
    factories.sign_off_policy(name="Readers", optional=[lay], topic="ldn")
    review = review_services.review_submit(article=make_article(slug="ldn-doses"), user=editor_user)
    with pytest.raises(NotAClinician):
        review_services.review_reject(review=review, reviewer=reader, note="I dislike it.")
    with pytest.raises(NotAClinician):
        review_services.review_request_changes(
            review=review, reviewer=reader, comments=[{"body": "Unclear."}]
        )
    review.refresh_from_db()
    assert review.state == "submitted" and not review.comments.exists()
    review_services.comment_add(review=review, author=reader, body="Unclear wording.")
    review_services.signoff_record(
        review=review,
        signer=reader,
        role_code="lay-reader",
        content_hash=review.version.content_hash,
    )


def test_a_sign_off_records_the_signer_as_they_were(medicines_review, pharmacist):
    sign_off = pharmacy(medicines_review, pharmacist)
    SignOffRoleHolder.objects.filter(user=pharmacist).update(published_name="Renamed")
    sign_off.refresh_from_db()
    assert (sign_off.signer_name, sign_off.registering_body) == ("Sam Patel", "GPhC")
    assert sign_off.meaning == "I confirm this version as pharmacist."


def test_a_policy_changed_after_submission_does_not_change_what_the_review_needs(
    medicines_review, medicines_policy, doctor
):
    medicines_policy.active = False
    medicines_policy.save()
    clinical(medicines_review, doctor)
    assert not Publication.objects.exists()


def test_policies_by_audience_and_by_article_apply(make_article, editor_user, pharmacist_role):
    lay = factories.sign_off_role("lay-reader", name="Lay reader")
    factories.sign_off_policy(name="Carers", optional=[lay], audience="caregiver")
    carers = make_article(slug="carers", audience="caregiver")
    one = make_article(slug="one")
    factories.sign_off_policy(name="This one", required=[pharmacist_role], article=one)
    needs = {
        article.slug: {
            (r.role.code, r.required)
            for r in review_services.review_submit(
                article=article, user=editor_user
            ).sign_off_requests.all()
        }
        for article in (carers, one)
    }
    assert needs == {
        "carers": {("clinical", True), ("lay-reader", False)},
        "one": {("clinical", True), ("pharmacist", True)},
    }


def test_a_sign_off_whose_signer_lost_the_role_does_not_publish(
    medicines_review, doctor, pharmacist
):
    clinical(medicines_review, doctor)
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    review_services.clinician_revoke(user=doctor, revoked_by=superuser, reason="Left the trust.")
    with pytest.raises(SignerNoLongerHoldsRole, match="Dr Doctor"):
        pharmacy(medicines_review, pharmacist)
    assert not Publication.objects.exists()
    assert list(SignOff.objects.values_list("role__code", flat=True)) == ["clinical"]


def test_the_published_event_carries_every_sign_off(medicines_review, doctor, pharmacist):
    clinical(medicines_review, doctor)
    pharmacy(medicines_review, pharmacist)
    published = Event.objects.get(type=EventType.PUBLISHED)
    assert [item["name"] for item in published.data["sign_offs"]] == ["Dr Doctor", "Sam Patel"]
    assert (
        published.data["sign_offs"]
        == served(medicines_review.article)["medical_review"]["sign_offs"]
    )
