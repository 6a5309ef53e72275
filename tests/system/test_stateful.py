"""Random sequences of edits and review steps keep the served Publication in step with approvals.

A hypothesis state machine drives one article through edits, submissions, sign-offs,
decisions, withdrawals and retractions by a small cast of users. The article's policies
require a clinician, a pharmacist (who does not re-sign change reviews) and a plain-language
editor, and invite a lay reader; the version served is always the latest one whose required
sign-offs are all in. It keeps its own model of what should
happen (each review's state, which version should be live, the bodies each version froze)
and after every step compares the database with it.

Database isolation: hypothesis runs many examples inside one test method, and neither
`hypothesis.extra.django.TestCase` (whose `setup_example`/`teardown_example` hooks are only
called for `@given` methods of the test case, not for `run_state_machine_as_test`) nor
mixing `Machine.TestCase` into a Django TestCase resets the database between examples. So
each machine opens a savepoint in `__init__` and rolls it back in `teardown`; the initialize
step checks that it starts from an empty database.
"""

import itertools
import json
from collections.abc import Callable
from typing import Any

import hypothesis.extra.django
import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from articles import services as article_services
from articles.exceptions import AlreadyRetracted, NothingToSubmit, NotPublished, OlderThanLive
from articles.models import (
    Article,
    ImmutableRecord,
    Publication,
    PublicationStatus,
    ReviewKind,
    Version,
)
from articles.rendering import Attribution
from articles.selectors import article_etag, section_list
from ldncontent.exceptions import DomainError, NotAllowed
from ldncontent.permissions import SIGN_OFF_REVIEWERS
from reviews import services as review_services
from reviews.exceptions import (
    AlreadySigned,
    ChangeReviewNeedsFullReview,
    ContentHashMismatch,
    EvidenceChecksMissing,
    InvalidTransition,
    NotAClinician,
    NotASigner,
    NotRequested,
    NotTheSubmitter,
    SeparationOfDuties,
)
from reviews.models import Review, ReviewState, SignOff, SignOffRoleHolder
from tests import factories

SLUG = "stopping-ldn"
ANCHORS = ("part-0", "part-1", "part-2")
CLINICIANS = ("clinician", "second-clinician", "clinician-pharmacist")
# The roles each signer holds (the clinician-pharmacist holds two, and may sign one per version).
HOLDS = {
    "clinician": {"clinical"},
    "second-clinician": {"clinical"},
    "clinician-pharmacist": {"clinical", "pharmacist"},
    "pharmacist": {"pharmacist"},
    "plain-language": {"plain-language"},
    "lay-reader": {"lay-reader"},
}
ROLES = ("clinical", "pharmacist", "plain-language", "lay-reader", "nutritionist")
REQUIRED = {"clinical", "pharmacist", "plain-language"}  # lay-reader is only invited
NOT_FOR_CHANGES = {"pharmacist"}  # need not sign a change review again
CHECKLISTS = {"plain-language": ["Reading age checked"]}
# part-0 always cites the article's one reference: a full approval must check it, a change
# approval only when part-0 changed since the last approved version.
CITED_ANCHOR = "part-0"
REFERENCE = {"key": "src", "kind": "guideline", "title": "NICE NG193", "guideline_id": "NG193"}
EVIDENCE = [{"reference_key": "src", "verdict": "still_supports", "note": ""}]
DECIDERS = (*HOLDS, "editor", "publisher")
RETRACTORS = ("publisher", "clinician", "editor")
WITHDRAWERS = ("editor", "second-editor")
# -1 is the latest review; other numbers pick any review (modulo the number of reviews).
PICK = st.one_of(st.just(-1), st.integers(min_value=0, max_value=9))
# Approvals drive the Publication, so the approve rule leans to the latest review and to
# clinicians; the other rules pick uniformly.
PICK_MOSTLY_LATEST = st.one_of(st.just(-1), PICK)
APPROVERS = st.one_of(st.sampled_from(CLINICIANS), st.sampled_from(DECIDERS))
MAX_EDITS_BETWEEN_SUBMISSIONS = 3

MACHINE_SETTINGS = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def attempt(expected: type[DomainError] | None, action: Callable[[], Any]) -> bool:
    """Run `action`; a domain error is a legitimate refusal, but only the one the model expects.

    Returns whether the action was carried out.
    """
    try:
        action()
    except DomainError as error:
        assert expected is not None, f"refused, but the model expected success: {error!r}"
        assert isinstance(error, expected), f"expected {expected.__name__}, got {error!r}"
        return False
    assert expected is None, f"expected {expected.__name__}, but it was carried out"
    return True


class ReviewMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # One savepoint per example, rolled back in teardown: each example starts empty.
        self._example_atomic = transaction.atomic()
        self._example_atomic.__enter__()
        self.users: dict[str, User] = {}
        self.article: Article | None = None
        self.reviews: list[Review] = []  # in submission order
        self.expected_states: dict[int, str] = {}  # review pk -> state the model expects
        self.frozen_bodies: dict[int, list[str]] = {}  # review pk -> bodies when submitted
        self.signed: dict[int, dict[str, str]] = {}  # review pk -> role -> who signed it
        self.clinical_kind: dict[int, str] = {}  # review pk -> kind of its clinical sign-off
        # review pk -> the roles a change review of it may skip, fixed at its submission.
        self.spared_on_change: dict[int, set[str]] = {}
        self.bodies: dict[str, str] = {}  # the working copy's bodies, as the model knows them
        self.differs_from_latest_version = True
        self.edits_since_submission = 0
        self.tampered_versions: set[int] = set()
        self.older_publish_attempts: set[tuple[int, int]] = set()  # (older, published) pks
        # The most recent approved review whose version was not retracted afterwards.
        self.live: Review | None = None
        # The most recent approved review at all (the Publication row's version).
        self.last_approved: Review | None = None
        self.fresh = itertools.count()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example_atomic.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------------

    def pick(self, index: int) -> Review:
        return self.reviews[index % len(self.reviews)]

    def has_approval(self) -> bool:
        return ReviewState.APPROVED in self.expected_states.values()

    def has_open_review(self) -> bool:
        return ReviewState.SUBMITTED in self.expected_states.values()

    def decision_refusal(self, review: Review, user: str) -> type[DomainError] | None:
        """What request changes/reject must be refused with, if anything: only someone who may
        sign a required role of the review decides on it (the invited lay reader does not)."""
        if self.expected_states[review.pk] != ReviewState.SUBMITTED:
            return InvalidTransition
        if not HOLDS.get(user, set()) & REQUIRED:
            return NotASigner
        return None

    def sign_refusal(self, review: Review, role: str, user: str) -> type[DomainError] | None:
        """What a sign-off must be refused with before its content hash is looked at."""
        if self.expected_states[review.pk] != ReviewState.SUBMITTED:
            return InvalidTransition
        if role == "nutritionist":  # no policy asks for it
            return NotRequested
        if role not in HOLDS.get(user, set()):
            return NotAClinician if role == "clinical" else NotASigner
        signed = self.signed[review.pk]
        if any(signer == user and other != role for other, signer in signed.items()):
            return SeparationOfDuties
        if role in signed:
            return AlreadySigned
        return None

    def record_sign_off(self, review: Review, role: str, user: str, kind: str) -> None:
        """The model of a sign-off: the review is approved once every role it needs signed."""
        self.signed[review.pk][role] = user
        if role == "clinical":
            self.clinical_kind[review.pk] = kind
        kind = self.clinical_kind.get(review.pk)
        needed = REQUIRED - (
            self.spared_on_change[review.pk] if kind == ReviewKind.CHANGE else set()
        )
        if kind is not None and needed <= set(self.signed[review.pk]):
            event(f"approved after {len(self.signed[review.pk])} sign-offs")
            self.expected_states[review.pk] = ReviewState.APPROVED
            self.live = self.last_approved = review

    @staticmethod
    def cited(anchor: str, body: str) -> str:
        return f"{body} [^src]" if anchor == CITED_ANCHOR else body

    def evidence_refusal(self, review: Review, kind: str) -> type[DomainError] | None:
        """What a clinical approval without evidence checks is refused with: a full one always
        (part-0 cites the reference), a change one when part-0 changed since the last approved
        version."""
        if kind == ReviewKind.FULL:
            return EvidenceChecksMissing
        index = self.reviews.index(review)
        previous = next(
            (
                earlier
                for earlier in reversed(self.reviews[:index])
                if self.expected_states[earlier.pk] == ReviewState.APPROVED
            ),
            None,
        )
        cited = ANCHORS.index(CITED_ANCHOR)
        if (
            previous is not None
            and self.frozen_bodies[previous.pk][cited] == self.frozen_bodies[review.pk][cited]
        ):
            return None
        return EvidenceChecksMissing

    def untampered(self) -> list[Review]:
        return [
            review for review in self.reviews if review.version_id not in self.tampered_versions
        ]

    def older_than_published(self) -> list[Review]:
        """Reviews of versions older than the Publication's, not yet tried against it."""
        if self.last_approved is None:
            return []
        published = self.last_approved.version
        return [
            review
            for review in self.reviews
            if review.version.number < published.number
            and (review.version_id, published.pk) not in self.older_publish_attempts
        ]

    # --- setup --------------------------------------------------------------------------------

    @initialize()
    def create_users_and_article(self) -> None:
        # The previous example's rows must have been rolled back.
        assert not Article.objects.exists()
        assert not User.objects.exists()
        assert not Review.objects.exists()
        self.users = {
            "editor": factories.editor(),
            "second-editor": factories.editor(),
            "clinician": factories.clinician_with_profile(),
            "second-clinician": factories.clinician_with_profile(),
            "clinician-pharmacist": factories.clinician_with_profile(),
            "publisher": factories.publishing_admin(),
        }
        roles = {
            code: factories.sign_off_role(
                code,
                checklist=CHECKLISTS.get(code, []),
                resign_on_change=code not in NOT_FOR_CHANGES,
            )
            for code in ROLES
            if code != "clinical"
        }
        signers = Group.objects.get_or_create(name=SIGN_OFF_REVIEWERS)[0]
        for name, held in HOLDS.items():
            if name not in self.users:
                self.users[name] = factories.UserFactory(username=name)
            user = self.users[name]
            for code in sorted(held - {"clinical"}):
                user.groups.add(signers)
                SignOffRoleHolder.objects.create(
                    role=roles[code], user=user, published_name=name.title()
                )
        factories.sign_off_policy(name="Plain language", required=[roles["plain-language"]])
        factories.sign_off_policy(
            name="Medicines",
            required=[roles["pharmacist"]],
            optional=[roles["lay-reader"]],
            topic="ldn",
        )
        self.bodies = {anchor: self.cited(anchor, f"Body of {anchor}.") for anchor in ANCHORS}
        self.article = article_services.article_create(
            author=self.users["editor"],
            slug=SLUG,
            fields={"title": "Stopping low-dose naltrexone", "topics": ["ldn"]},
            sections=[
                {"anchor": anchor, "heading": f"Part {index}", "body": self.bodies[anchor]}
                for index, anchor in enumerate(ANCHORS)
            ],
            references=[REFERENCE],
        )
        attempt(
            NotPublished,
            lambda: article_services.publication_retract(
                article=self.article, user=self.users["publisher"], reason="Nothing is live."
            ),
        )
        # Start with version 1 awaiting review, so that decisions have something to act on.
        self.submit()

    # --- the working copy and submissions -----------------------------------------------------

    @precondition(lambda self: self.edits_since_submission < MAX_EDITS_BETWEEN_SUBMISSIONS)
    @rule(anchor=st.sampled_from(ANCHORS))
    def edit_section(self, anchor: str) -> None:
        body = self.cited(anchor, f"Edit number {next(self.fresh)} of {anchor}.")
        article_services.section_update(
            article=self.article,
            anchor=anchor,
            user=self.users["editor"],
            if_match=article_etag(
                article=self.article, sections=section_list(article=self.article)
            ),
            changes={"body": body},
        )
        self.bodies[anchor] = body
        self.differs_from_latest_version = True
        self.edits_since_submission += 1

    @precondition(lambda self: self.differs_from_latest_version)
    @rule()
    def submit(self) -> None:
        review = review_services.review_submit(
            article=self.article, user=self.users["editor"], note="Please review."
        )
        for pk, state in self.expected_states.items():
            if state == ReviewState.SUBMITTED:
                self.expected_states[pk] = ReviewState.SUPERSEDED
        self.reviews.append(review)
        self.expected_states[review.pk] = ReviewState.SUBMITTED
        self.signed[review.pk] = {}
        # A change review skips a role that does not re-sign changes only when it signed the
        # last approved version and the article was not retracted since.
        retracted = self.last_approved is not None and self.live is None
        built_on = (
            set()
            if retracted or self.last_approved is None
            else set(self.signed[self.last_approved.pk])
        )
        self.spared_on_change[review.pk] = NOT_FOR_CHANGES & built_on
        self.frozen_bodies[review.pk] = [self.bodies[anchor] for anchor in ANCHORS]
        self.differs_from_latest_version = False
        self.edits_since_submission = 0
        # The working copy is now identical to the new version: submitting again is refused.
        attempt(
            NothingToSubmit,
            lambda: review_services.review_submit(article=self.article, user=self.users["editor"]),
        )

    # --- decisions ----------------------------------------------------------------------------

    @precondition(lambda self: self.has_open_review())
    @rule(
        pick=PICK_MOSTLY_LATEST,
        approver=APPROVERS,
        kind=st.sampled_from(ReviewKind.values),
        checks_evidence=st.one_of(st.just(True), st.booleans()),
    )
    def approve(self, pick: int, approver: str, kind: str, checks_evidence: bool) -> None:
        """The clinical sign-off, through `review_approve`, mostly with its evidence check."""
        review = self.pick(pick)
        expected = self.sign_refusal(review, "clinical", approver)
        if expected is None and kind == ReviewKind.CHANGE and not self.has_approval():
            expected = ChangeReviewNeedsFullReview
        if expected is None and not checks_evidence:
            expected = self.evidence_refusal(review, kind)
        if attempt(
            expected,
            lambda: review_services.review_approve(
                review=review,
                reviewer=self.users[approver],
                content_hash=review.version.content_hash,
                kind=kind,
                evidence=EVIDENCE if checks_evidence else [],
            ),
        ):
            self.record_sign_off(review, "clinical", approver, kind)

    @precondition(lambda self: self.has_open_review())
    @rule(
        pick=PICK_MOSTLY_LATEST,
        role=st.sampled_from(ROLES),
        kind=st.sampled_from(ReviewKind.values),
        data=st.data(),
    )
    def sign_off(self, pick: int, role: str, kind: str, data: st.DataObject) -> None:
        """Any role's sign-off, mostly by someone holding it; the kind goes with the clinical
        one only."""
        holders = sorted(name for name, held in HOLDS.items() if role in held) or list(DECIDERS)
        signer = data.draw(
            st.one_of(st.sampled_from(holders), st.sampled_from(DECIDERS)), label="signer"
        )
        self.sign(self.pick(pick), role, signer, kind)

    def sign(self, review: Review, role: str, signer: str, kind: str) -> None:
        expected = self.sign_refusal(review, role, signer)
        if (
            expected is None
            and role == "clinical"
            and kind == ReviewKind.CHANGE
            and not self.has_approval()
        ):
            expected = ChangeReviewNeedsFullReview
        if attempt(
            expected,
            lambda: review_services.signoff_record(
                review=review,
                signer=self.users[signer],
                role_code=role,
                content_hash=review.version.content_hash,
                kind=kind if role == "clinical" else "",
                checklist=CHECKLISTS.get(role, []),
                evidence=EVIDENCE if role == "clinical" else [],
            ),
        ):
            self.record_sign_off(review, role, signer, kind)

    @precondition(lambda self: self.has_open_review())
    @rule(kind=st.sampled_from(ReviewKind.values))
    def sign_every_outstanding_role(self, kind: str) -> None:
        """The open review's remaining required roles, each signed by a holder who has signed
        none of its other roles; publishes it unless a first approval is a change review."""
        review = next(r for r in self.reviews if self.expected_states[r.pk] == "submitted")
        # The pharmacist last: a change review is approved before they sign.
        for role in ("clinical", "plain-language", "pharmacist"):
            if role in self.signed[review.pk]:
                continue
            if self.expected_states[review.pk] != ReviewState.SUBMITTED:
                return  # approved once enough roles signed (a change review needs fewer)
            signer = next(
                name
                for name, held in HOLDS.items()
                if role in held and name not in self.signed[review.pk].values()
            )
            self.sign(review, role, signer, kind)

    @precondition(lambda self: self.has_open_review())
    @rule(pick=PICK, approver=st.sampled_from(DECIDERS), kind=st.sampled_from(ReviewKind.values))
    def approve_with_a_wrong_hash(self, pick: int, approver: str, kind: str) -> None:
        review = self.pick(pick)
        others = [other for other in self.reviews if other.pk != review.pk]
        wrong = others[-1].version.content_hash if others else "0" * 64
        assert wrong != review.version.content_hash
        attempt(
            self.sign_refusal(review, "clinical", approver) or ContentHashMismatch,
            lambda: review_services.review_approve(
                review=review, reviewer=self.users[approver], content_hash=wrong, kind=kind
            ),
        )

    @precondition(lambda self: self.has_open_review())
    @rule(pick=PICK, reviewer=st.sampled_from(DECIDERS), on_section=st.booleans())
    def request_changes(self, pick: int, reviewer: str, on_section: bool) -> None:
        review = self.pick(pick)
        comment = {
            "body": "Cite the dose range.",
            "section_anchor": ANCHORS[1] if on_section else "",
        }
        if attempt(
            self.decision_refusal(review, reviewer),
            lambda: review_services.review_request_changes(
                review=review, reviewer=self.users[reviewer], comments=[comment]
            ),
        ):
            self.expected_states[review.pk] = ReviewState.CHANGES_REQUESTED

    @precondition(lambda self: self.has_open_review())
    @rule(pick=PICK, reviewer=st.sampled_from(DECIDERS))
    def reject(self, pick: int, reviewer: str) -> None:
        review = self.pick(pick)
        if attempt(
            self.decision_refusal(review, reviewer),
            lambda: review_services.review_reject(
                review=review, reviewer=self.users[reviewer], note="Wrong dose."
            ),
        ):
            self.expected_states[review.pk] = ReviewState.REJECTED

    @precondition(lambda self: self.has_open_review())
    @rule(pick=PICK, user=st.sampled_from(WITHDRAWERS))
    def withdraw(self, pick: int, user: str) -> None:
        review = self.pick(pick)
        if self.expected_states[review.pk] != ReviewState.SUBMITTED:
            expected = InvalidTransition
        elif user != "editor":  # every version is submitted by "editor"
            expected = NotTheSubmitter
        else:
            expected = None
        if attempt(
            expected,
            lambda: review_services.review_withdraw(review=review, user=self.users[user]),
        ):
            self.expected_states[review.pk] = ReviewState.WITHDRAWN

    # --- retraction ---------------------------------------------------------------------------

    @precondition(lambda self: self.last_approved is not None)
    @rule(user=st.sampled_from(RETRACTORS))
    def retract(self, user: str) -> None:
        if user == "editor":
            expected = NotAllowed
        elif self.live is None:
            expected = AlreadyRetracted
        else:
            expected = None
        if attempt(
            expected,
            lambda: article_services.publication_retract(
                article=self.article, user=self.users[user], reason="Dose guidance under review."
            ),
        ):
            self.live = None
            # Open reviews now spare no role: what their change reviews rest on was withdrawn.
            for pk, state in self.expected_states.items():
                if state == ReviewState.SUBMITTED:
                    self.spared_on_change[pk] = set()

    # --- frozen records -----------------------------------------------------------------------

    @precondition(lambda self: self.untampered())
    @rule(data=st.data())
    def try_to_change_a_version(self, data: st.DataObject) -> None:
        review = data.draw(st.sampled_from(self.untampered()), label="review")
        self.tampered_versions.add(review.version_id)
        version = Version.objects.get(pk=review.version_id)
        original = (version.title, version.sections, version.content_hash)
        version.title = "Changed"
        version.sections = [{"anchor": "part-0", "heading": "Changed", "body": "Changed."}]
        version.content_hash = "0" * 64
        with pytest.raises(ImmutableRecord):
            version.save()
        with pytest.raises(ImmutableRecord):
            Version.objects.filter(pk=version.pk).update(title="Changed")
        with pytest.raises(ImmutableRecord):
            version.delete()
        stored = Version.objects.get(pk=version.pk)
        assert (stored.title, stored.sections, stored.content_hash) == original

    @precondition(lambda self: self.older_than_published())
    @rule(data=st.data())
    def try_to_publish_an_older_version(self, data: st.DataObject) -> None:
        older = data.draw(st.sampled_from(self.older_than_published()), label="older")
        self.older_publish_attempts.add((older.version_id, self.last_approved.version_id))
        today = timezone.localdate()
        attribution = Attribution(
            reviewer_name="Dr Nobody",
            reviewer_credentials="",
            review_kind=ReviewKind.FULL,
            approved_at=timezone.now(),
            last_reviewed=today,
            next_review_due=today,
        )
        with pytest.raises(OlderThanLive):
            article_services.publish(
                version=older.version, attribution=attribution, actor=self.users["publisher"]
            )

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def publication_serves_exactly_the_live_approved_version(self) -> None:
        publication = Publication.objects.filter(article=self.article).first()
        if self.live is None:
            assert publication is None or publication.status == PublicationStatus.RETRACTED
            if publication is not None:
                assert publication.version_id == self.last_approved.version_id
            return
        assert publication is not None
        assert publication.status == PublicationStatus.LIVE
        assert publication.retracted_at is None
        version = self.live.version
        assert publication.version_id == version.pk
        assert publication.content_hash == version.content_hash
        payload = json.loads(bytes(publication.payload))
        markdown = [section["markdown"] for section in payload["sections"]]
        assert markdown == [item["body"] for item in version.sections]
        assert markdown == self.frozen_bodies[self.live.pk]
        assert payload["version"] == version.number
        # The cited reference is served as number 1, cited by part-0 only.
        assert [item["key"] for item in payload["references"]] == ["src"]
        assert [section["cites"] for section in payload["sections"]] == [[1], [], []]

    @invariant()
    def sign_offs_match_the_model_and_the_served_ones_are_the_live_review_s(self) -> None:
        stored = {
            (review_id, role): signer.username
            for review_id, role, signer in (
                (sign_off.review_id, sign_off.role.code, sign_off.signer)
                for sign_off in SignOff.objects.select_related("role", "signer")
            )
        }
        names = {user.username: name for name, user in self.users.items()}
        modelled = {
            (review_id, role): user
            for review_id, roles in self.signed.items()
            for role, user in roles.items()
        }
        assert {key: names[value] for key, value in stored.items()} == modelled
        publication = Publication.objects.filter(article=self.article).first()
        if self.live is not None:
            served = json.loads(bytes(publication.payload))["medical_review"]["sign_offs"]
            assert {item["role"] for item in served} == set(self.signed[self.live.pk])
            assert all(
                sign_off.content_hash == self.live.version.content_hash
                for sign_off in SignOff.objects.filter(review=self.live)
            )

    @invariant()
    def at_most_one_review_awaits_a_decision(self) -> None:
        open_reviews = Review.objects.filter(article=self.article, state=ReviewState.SUBMITTED)
        assert open_reviews.count() <= 1

    @invariant()
    def review_states_match_the_model(self) -> None:
        stored = dict(Review.objects.filter(article=self.article).values_list("pk", "state"))
        assert stored == self.expected_states


class ReviewWorkflowTest(hypothesis.extra.django.TestCase):
    def test_random_workflows_keep_the_publication_in_step_with_approvals(self):
        run_state_machine_as_test(ReviewMachine, settings=MACHINE_SETTINGS)
        # Every example rolled its rows back.
        assert not Article.objects.exists()
        assert not Version.objects.exists()
