"""Review transitions: every allowed and forbidden step, separation of duties, hash binding.

The articles services they call (submit, publish, retract) are tested in
tests/articles/test_services.py."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import (
    ImmutableRecord,
    Publication,
    PublicationStatus,
    ReviewKind,
    Version,
)
from articles.selectors import article_etag, section_list
from ldncontent.exceptions import InvalidContent, NotAllowed
from reviews import selectors, services
from reviews.exceptions import (
    ChangeReviewNeedsFullReview,
    CommentRequired,
    ContentHashMismatch,
    InvalidTransition,
    NotAClinician,
    NotTheSubmitter,
    SeparationOfDuties,
)
from reviews.models import ReviewState, ReviewTransition
from reviews.policy import add_months
from tests import factories

pytestmark = pytest.mark.django_db


def approve(review, reviewer, kind=ReviewKind.FULL, **kwargs):
    return services.review_approve(
        review=review,
        reviewer=reviewer,
        content_hash=review.version.content_hash,
        kind=kind,
        **kwargs,
    )


def edit_section(article, user, anchor="part-0", body="Edited body."):
    sections = section_list(article=article)
    return article_services.section_update(
        article=article,
        anchor=anchor,
        user=user,
        if_match=article_etag(article=article, sections=sections),
        changes={"body": body},
    )


# --- submission -----------------------------------------------------------------------------


def test_submit_freezes_the_working_copy_as_version_1(submitted, editor_user):
    version = submitted.version
    assert version.number == 1
    assert [item["anchor"] for item in version.sections] == ["part-0", "part-1", "part-2"]
    assert len(version.content_hash) == 64
    assert submitted.state == ReviewState.SUBMITTED
    transition = submitted.transitions.get()
    assert (transition.actor, transition.from_state, transition.to_state) == (
        editor_user,
        "",
        "submitted",
    )


def test_a_new_submission_supersedes_the_pending_one(submitted, editor_user):
    edit_section(submitted.article, editor_user)
    newer = services.review_submit(article=submitted.article, user=editor_user)
    submitted.refresh_from_db()
    assert newer.version.number == 2
    assert submitted.state == ReviewState.SUPERSEDED
    assert submitted.transitions.last().to_state == ReviewState.SUPERSEDED


def test_only_editors_may_submit(make_article, doctor):
    article = make_article()
    with pytest.raises(NotAllowed):
        services.review_submit(article=article, user=doctor)


# --- approval -------------------------------------------------------------------------------


def test_approval_publishes_exactly_the_version_with_attribution(submitted, doctor):
    review = approve(submitted, doctor)
    publication = Publication.objects.get()
    today = timezone.localdate()
    assert review.state == ReviewState.APPROVED
    assert publication.version == submitted.version
    assert publication.content_hash == submitted.version.content_hash
    assert publication.status == PublicationStatus.LIVE
    assert (publication.reviewer_name, publication.reviewer_credentials) == (
        "Dr Doctor",
        "MBBS, MRCGP",
    )
    assert review.last_reviewed == publication.last_reviewed == today
    assert publication.next_review_due == add_months(today, 12)
    payload = json.loads(bytes(publication.payload))
    assert [s["markdown"] for s in payload["sections"]] == [
        item["body"] for item in submitted.version.sections
    ]
    assert payload["medical_review"]["reviewer_name"] == "Dr Doctor"
    assert payload["json_ld"]["reviewedBy"]["name"] == "Dr Doctor"
    assert payload["version"] == 1


def test_approval_may_set_an_earlier_review_date(submitted, doctor):
    due = timezone.localdate() + timedelta(days=90)
    assert approve(submitted, doctor, next_review_due=due).next_review_due == due


@pytest.mark.parametrize("days", [0, -1, 400])
def test_approval_refuses_review_dates_out_of_range(submitted, doctor, days):
    with pytest.raises(InvalidContent):
        approve(submitted, doctor, next_review_due=timezone.localdate() + timedelta(days=days))
    assert not Publication.objects.exists()


def test_approve_refuses_a_stale_content_hash(submitted, doctor):
    with pytest.raises(ContentHashMismatch):
        services.review_approve(
            review=submitted, reviewer=doctor, content_hash="0" * 64, kind=ReviewKind.FULL
        )
    submitted.refresh_from_db()
    assert submitted.state == ReviewState.SUBMITTED
    assert not Publication.objects.exists()


@pytest.mark.parametrize(
    "make_user",
    [
        factories.editor,
        factories.publishing_admin,
        factories.clinician,  # in the group but without a clinician profile
        lambda: factories.clinician_with_profile(active=False),
    ],
    ids=["editor", "publishing-admin", "clinician-without-profile", "inactive-clinician"],
)
def test_only_active_clinicians_may_decide(submitted, make_user):
    user = make_user()
    with pytest.raises(NotAClinician):
        approve(submitted, user)
    with pytest.raises(NotAClinician):
        services.review_reject(review=submitted, reviewer=user, note="No.")
    with pytest.raises(NotAClinician):
        services.review_request_changes(
            review=submitted, reviewer=user, comments=[{"body": "Fix it."}]
        )
    assert not Publication.objects.exists()


def test_a_clinician_may_not_decide_on_their_own_submission(make_article):
    both = factories.clinician_with_profile()
    both.groups.add(factories.Group.objects.get_or_create(name="editors")[0])
    article = make_article()
    review = services.review_submit(article=article, user=both)
    with pytest.raises(SeparationOfDuties):
        approve(review, both)


def test_a_clinician_may_not_approve_content_they_edited(make_article, editor_user):
    both = factories.clinician_with_profile()
    both.groups.add(factories.Group.objects.get_or_create(name="editors")[0])
    article = make_article()
    edit_section(article, both)
    review = services.review_submit(article=article, user=editor_user)
    with pytest.raises(SeparationOfDuties):
        approve(review, both)


def test_edits_before_the_last_approved_version_do_not_bar_a_clinician(
    make_article, editor_user, doctor
):
    both = factories.clinician_with_profile()
    both.groups.add(factories.Group.objects.get_or_create(name="editors")[0])
    article = make_article()
    edit_section(article, both)
    approve(services.review_submit(article=article, user=editor_user), doctor)
    edit_section(article, editor_user, anchor="part-1")
    review = services.review_submit(article=article, user=editor_user)
    assert approve(review, both).state == ReviewState.APPROVED


def test_a_change_review_keeps_the_last_full_reviews_dates(submitted, doctor, editor_user):
    due = timezone.localdate() + timedelta(days=100)
    first = approve(submitted, doctor, next_review_due=due)
    edit_section(submitted.article, editor_user)
    second = services.review_submit(article=submitted.article, user=editor_user)
    approved = approve(second, doctor, kind=ReviewKind.CHANGE)
    publication = Publication.objects.get()
    assert approved.kind == ReviewKind.CHANGE
    assert (approved.last_reviewed, approved.next_review_due) == (first.last_reviewed, due)
    assert (publication.last_reviewed, publication.next_review_due) == (first.last_reviewed, due)
    assert publication.review_kind == ReviewKind.CHANGE
    assert publication.version == second.version


def test_a_first_approval_cannot_be_a_change_review(submitted, doctor):
    with pytest.raises(ChangeReviewNeedsFullReview):
        approve(submitted, doctor, kind=ReviewKind.CHANGE)


def test_a_change_review_cannot_set_its_own_review_date(submitted, doctor, editor_user):
    approve(submitted, doctor)
    edit_section(submitted.article, editor_user)
    second = services.review_submit(article=submitted.article, user=editor_user)
    with pytest.raises(InvalidContent):
        approve(
            second,
            doctor,
            kind=ReviewKind.CHANGE,
            next_review_due=timezone.localdate() + timedelta(days=10),
        )


# --- other decisions and illegal starting states --------------------------------------------


def test_request_changes_needs_a_comment(submitted, doctor):
    with pytest.raises(CommentRequired):
        services.review_request_changes(review=submitted, reviewer=doctor, note="Hmm")
    submitted.refresh_from_db()
    assert submitted.state == ReviewState.SUBMITTED


def test_request_changes_with_a_section_comment(submitted, doctor):
    review = services.review_request_changes(
        review=submitted,
        reviewer=doctor,
        comments=[{"section_anchor": "part-1", "body": "Cite the dose range."}],
    )
    assert review.state == ReviewState.CHANGES_REQUESTED
    assert review.comments.get().section_anchor == "part-1"


def test_a_comment_on_an_unknown_section_is_refused(submitted, doctor):
    with pytest.raises(InvalidContent):
        services.comment_add(review=submitted, author=doctor, body="?", section_anchor="nope")


def test_reject_needs_a_reason(submitted, doctor):
    with pytest.raises(InvalidContent):
        services.review_reject(review=submitted, reviewer=doctor, note=" ")
    assert services.review_reject(review=submitted, reviewer=doctor, note="Wrong dose.").state == (
        ReviewState.REJECTED
    )


def test_only_the_submitter_may_withdraw(submitted, editor_user):
    with pytest.raises(NotTheSubmitter):
        services.review_withdraw(review=submitted, user=factories.editor())
    assert services.review_withdraw(review=submitted, user=editor_user).state == "withdrawn"


def decide(state, review, doctor, editor_user):
    if state == "approved":
        approve(review, doctor)
    elif state == "rejected":
        services.review_reject(review=review, reviewer=doctor, note="No.")
    elif state == "changes_requested":
        services.review_request_changes(review=review, reviewer=doctor, comments=[{"body": "Fix."}])
    elif state == "withdrawn":
        services.review_withdraw(review=review, user=editor_user)
    elif state == "superseded":
        edit_section(review.article, editor_user)
        services.review_submit(article=review.article, user=editor_user)


@pytest.mark.parametrize(
    "state", ["approved", "rejected", "changes_requested", "withdrawn", "superseded"]
)
def test_a_closed_review_cannot_be_decided_or_withdrawn(
    submitted, doctor, second_doctor, editor_user, state
):
    decide(state, submitted, doctor, editor_user)
    with pytest.raises(InvalidTransition):
        approve(submitted, second_doctor)
    with pytest.raises(InvalidTransition):
        services.review_reject(review=submitted, reviewer=second_doctor, note="No.")
    with pytest.raises(InvalidTransition):
        services.review_request_changes(
            review=submitted, reviewer=second_doctor, comments=[{"body": "x"}]
        )
    with pytest.raises(InvalidTransition):
        services.review_withdraw(review=submitted, user=editor_user)


# --- immutability ---------------------------------------------------------------------------


def test_versions_and_audit_rows_cannot_be_changed_or_deleted(submitted):
    version = submitted.version
    version.title = "Changed"
    with pytest.raises(ImmutableRecord):
        version.save()
    with pytest.raises(ImmutableRecord):
        version.delete()
    with pytest.raises(ImmutableRecord):
        Version.objects.filter(pk=version.pk).update(title="Changed")
    with pytest.raises(ImmutableRecord):
        Version.objects.all().delete()
    transition = ReviewTransition.objects.first()
    with pytest.raises(ImmutableRecord):
        transition.save()
    with pytest.raises(ImmutableRecord):
        ReviewTransition.objects.all().delete()
    assert Version.objects.get().title != "Changed"


def test_review_counts_count_articles_whose_latest_review_asks_for_changes(
    make_article, editor_user, doctor, django_assert_max_num_queries
):
    sent_back, resubmitted, approved = (
        make_article(slug=slug, sections=1) for slug in ("sent-back", "resubmitted", "approved")
    )
    for article in (sent_back, resubmitted):
        services.review_request_changes(
            review=services.review_submit(article=article, user=editor_user),
            reviewer=doctor,
            comments=[{"body": "Say when to take it."}],
        )
    article_services.section_update(
        article=resubmitted,
        anchor="part-0",
        user=editor_user,
        if_match=article_etag(article=resubmitted, sections=section_list(article=resubmitted)),
        changes={"body": "Take it at bedtime."},
    )
    services.review_submit(article=resubmitted, user=editor_user)
    first = services.review_submit(article=approved, user=editor_user)
    services.review_approve(
        review=first, reviewer=doctor, content_hash=first.version.content_hash, kind="full"
    )
    with django_assert_max_num_queries(3):
        counts = selectors.review_counts()
    assert (counts.pending, counts.changes_requested, counts.overdue) == (1, 1, 0)
