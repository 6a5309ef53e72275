"""The migration to sign-off policies keeps every publication byte for byte and records the
clinician's approval of every existing review as its clinical sign-off."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles import services as article_services
from articles.models import Publication, ReviewKind
from articles.rendering import publication_render
from reviews import services as review_services
from reviews.models import ClinicianProfile, SignOff, SignOffPolicy, SignOffRequest
from tests import factories
from tests.reviews.test_sign_offs import edit

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("articles", "0010_workflow_event_types"), ("reviews", "0003_role_changes")]


def test_existing_reviews_become_clinical_sign_offs_and_publications_keep_their_bytes(
    make_article, editor_user, doctor, second_doctor
):
    article = make_article()
    approved = review_services.review_submit(article=article, user=editor_user)
    review_services.review_approve(
        review=approved,
        reviewer=doctor,
        content_hash=approved.version.content_hash,
        kind=ReviewKind.FULL,
        note="Checked the doses.",
    )
    # As a publication approved before sign-off policies was stored and served.
    publication = Publication.objects.get(article=article)
    publication.sign_offs = []
    publication_render(publication=publication, now=publication.updated_at)
    publication.save()
    served = (bytes(publication.payload), publication.etag, bytes(publication.list_entry))
    pending = review_services.review_submit(article=make_article(slug="pending"), user=editor_user)
    # The clinician's name changed after approving: the sign-off names them as they were.
    ClinicianProfile.objects.filter(user=doctor).update(published_name="Dr Renamed")

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    old_apps.get_model("reviews", "Review").objects.filter(pk=pending.pk).update(
        assigned_to=second_doctor.pk
    )
    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    publication.refresh_from_db()
    assert (bytes(publication.payload), publication.etag, bytes(publication.list_entry)) == served
    assert publication.sign_offs == []
    policy = SignOffPolicy.objects.get()
    assert [role.code for role in policy.required_roles.all()] == ["clinical"]
    sign_off = SignOff.objects.get()
    assert sign_off.review_id == approved.pk
    assert sign_off.content_hash == approved.version.content_hash
    assert (sign_off.role.code, sign_off.signer, sign_off.kind) == ("clinical", doctor, "full")
    assert sign_off.signer_name == "Dr Doctor"
    assert sign_off.note == "Checked the doses."
    requests = {r.review_id: r for r in SignOffRequest.objects.all()}
    assert set(requests) == {approved.pk, pending.pk}
    assert requests[pending.pk].assignee == second_doctor
    assert requests[pending.pk].required and requests[pending.pk].needed_for_change


def test_open_reviews_stop_sparing_roles_that_signed_nothing_earlier(
    make_article, editor_user, doctor, publisher
):
    pharmacist_role = factories.sign_off_role("pharmacist", resign_on_change=False)
    pharmacist = factories.sign_off_reviewer(role=pharmacist_role, username="pharmacist")
    factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="medicines")

    def changed_after_both_signed(slug):
        article = make_article(slug=slug, topics=["medicines"])
        first = review_services.review_submit(article=article, user=editor_user)
        for signer, role in ((pharmacist, "pharmacist"), (doctor, "clinical")):
            review_services.signoff_record(
                review=first,
                signer=signer,
                role_code=role,
                content_hash=first.version.content_hash,
                **({"kind": ReviewKind.FULL} if role == "clinical" else {}),
            )
        edit(article, editor_user, "A corrected sentence.")
        return review_services.review_submit(article=article, user=editor_user)

    change_after_signature = changed_after_both_signed("signed-before")
    after_retraction = changed_after_both_signed("retracted")
    article_services.publication_retract(
        article=after_retraction.article, user=publisher, reason="Wrong dose."
    )
    never_signed = review_services.review_submit(
        article=make_article(slug="never-signed", topics=["medicines"]), user=editor_user
    )
    # As open reviews were frozen before the rule: spared on the role's setting alone.
    SignOffRequest.objects.filter(role=pharmacist_role).update(needed_for_change=False)

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("reviews", "0007_sign_off_requests_required_first")])
    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    def needed_for_change(review) -> bool:
        return SignOffRequest.objects.get(review=review, role=pharmacist_role).needed_for_change

    assert needed_for_change(never_signed), "nothing it could rest on"
    assert needed_for_change(after_retraction), "what it rests on was withdrawn"
    changed = SignOffRequest.objects.get(review=never_signed, role=pharmacist_role)
    latest = changed.history.order_by("-history_date", "-history_id").first()
    assert (latest.history_type, latest.needed_for_change) == ("~", True), "recorded"
    assert not needed_for_change(change_after_signature), "the pharmacist signed version 1"
