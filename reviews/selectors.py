"""Shared reads of clinical review: the queue, earlier approvals, and an article's review status."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, Max, OuterRef, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from articles import selectors as article_selectors
from articles.diffing import SectionDiff, diff_snapshots
from articles.models import (
    ARTICLE_CONTENT_FIELDS,
    Article,
    Publication,
    PublicationStatus,
    ReviewKind,
    Version,
    topics_include,
)
from articles.rendering import Attribution, iso_8601, publication_render, publication_values
from articles.snapshots import (
    content_hash,
    section_text_hash,
    version_snapshot,
    working_copy_snapshot,
)
from ldncontent.permissions import CLINICAL_REVIEWERS
from reviews.models import (
    CLINICAL_ROLE,
    ClinicianProfile,
    Comment,
    EvidenceCheck,
    Review,
    ReviewState,
    SignOff,
    SignOffPolicy,
    SignOffRequest,
    SignOffRole,
    SignOffRoleHolder,
)
from reviews.policy import latest_review_due

# What a review's output shows beside it, in the same query: the version, who submitted and
# decided it, and when its clinical approval asked for it to be published (scheduling's
# PublishRequest, by its reverse one-to-one: reviews imports no scheduling model here).
REVIEW_RELATED = (
    "version",
    "article",
    "reviewer",
    "version__submitted_by",
    "version__publish_request__release",
    "version__publish_request__requested_by",
)

# What a review's output shows of its sign-offs, read in two queries for any number of reviews.
REVIEW_SIGN_OFF_PREFETCH = (
    Prefetch(
        "sign_off_requests",
        queryset=SignOffRequest.objects.select_related("role", "assignee"),
    ),
    Prefetch("sign_offs", queryset=SignOff.objects.select_related("role", "signer")),
)


def review_queue(
    *,
    user,
    state: str | None = None,
    topic: str | None = None,
    overdue: bool | None = None,
    assigned_to_me: bool = False,
    sign_off_overdue: bool | None = None,
) -> QuerySet[Review]:
    """Reviews oldest first (the queue), by default only those awaiting a decision.

    `assigned_to_me`: open reviews with a sign-off assigned to `user` and not yet signed.
    `sign_off_overdue`: open reviews with a sign-off past its due date and not yet signed.
    """
    reviews = (
        Review.objects.select_related(*REVIEW_RELATED)
        .prefetch_related(*REVIEW_SIGN_OFF_PREFETCH)
        .order_by("created_at", "id")
    )
    reviews = reviews.filter(state=state or ReviewState.SUBMITTED)
    if topic:
        reviews = reviews.filter(topics_include(topic, field="version__topics"))
    if overdue is not None:
        overdue_articles = Publication.objects.overdue(today=timezone.localdate()).values(
            "article_id"
        )
        condition = Q(article_id__in=overdue_articles)
        reviews = reviews.filter(condition) if overdue else reviews.exclude(condition)
    if assigned_to_me:
        reviews = reviews.filter(awaiting_sign_off_by(user))
    if sign_off_overdue is not None:
        condition = sign_off_overdue_now()
        reviews = reviews.filter(condition) if sign_off_overdue else reviews.exclude(condition)
    return reviews


def _unsigned_requests() -> QuerySet[SignOffRequest]:
    """The sign-off requests of the outer review whose role nobody has signed yet."""
    signed = SignOff.objects.filter(review=OuterRef("review"), role=OuterRef("role"))
    return SignOffRequest.objects.filter(review=OuterRef("pk")).exclude(Exists(signed))


def awaiting_sign_off_by(user) -> Q:
    """Reviews condition: open, with a sign-off assigned to `user` still to give (the API's
    `assigned=me` and the admin's filter)."""
    return Q(Exists(_unsigned_requests().filter(assignee=user)), state=ReviewState.SUBMITTED)


def sign_off_overdue_now() -> Q:
    """Reviews condition: open, with a required sign-off past its due date (an invited role
    holds nothing up)."""
    late = _unsigned_requests().filter(required=True, due_on__lt=timezone.localdate())
    return Q(Exists(late), state=ReviewState.SUBMITTED)


def retracted_since_submission() -> Exists:
    """Whether a review's article was retracted after its version was submitted, to annotate
    reviews with: a change review then spares no role, as what they signed was withdrawn."""
    return Exists(
        Publication.objects.filter(
            article_id=OuterRef("article_id"),
            status=PublicationStatus.RETRACTED,
            retracted_at__gte=OuterRef("version__submitted_at"),
        )
    )


def outstanding_requests(
    *,
    requests: Iterable[SignOffRequest],
    sign_offs: Iterable[SignOff],
    retracted_since_submission: bool,
) -> list[SignOffRequest]:
    """The requests still to sign before the review completes (from rows already read): every
    required role not yet signed, except those that skip change reviews once the clinician
    signed this as a change review (only the clinical sign-off has a kind), unless the
    article was retracted since the version was submitted."""
    sign_offs = list(sign_offs)
    signed = {sign_off.role_id for sign_off in sign_offs}
    change_review = not retracted_since_submission and any(
        sign_off.kind == ReviewKind.CHANGE for sign_off in sign_offs
    )
    return [
        request
        for request in requests
        if request.required
        and request.role_id not in signed
        and not (change_review and not request.needed_for_change)
    ]


def last_approved_review(*, article_id: int, before_number: int | None = None) -> Review | None:
    """The approved review of the article's newest version (before `before_number`), if any."""
    reviews = Review.objects.filter(article_id=article_id, state=ReviewState.APPROVED)
    if before_number is not None:
        reviews = reviews.filter(version__number__lt=before_number)
    return reviews.select_related("version").order_by("-version__number").first()


def review_get(*, review_id: int) -> Review:
    """The review with this id, or 404."""
    review = (
        Review.objects.select_related(*REVIEW_RELATED)
        .prefetch_related(*REVIEW_SIGN_OFF_PREFETCH)
        .annotate(retracted_since_submission=retracted_since_submission())
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise Http404(f"There is no review {review_id}.")
    return review


def evidence_checks(*, review: Review) -> list[EvidenceCheck]:
    """The evidence checks of the review's clinical sign-off, by reference key."""
    return list(
        EvidenceCheck.objects.filter(review=review)
        .select_related("checked_by")
        .order_by("reference_key")
    )


def comment_get(*, review: Review, comment_id: int) -> Comment:
    """The review's comment with this id, or 404."""
    comment = Comment.objects.filter(review=review, pk=comment_id).first()
    if comment is None:
        raise Http404(f"Review {review.pk} has no comment {comment_id}.")
    return comment


def sign_off_role_list() -> QuerySet[SignOffRole]:
    """Every sign-off role, the clinical one first, then by code."""
    return SignOffRole.objects.annotate(
        clinical_first=Case(When(code=CLINICAL_ROLE, then=0), default=1)
    ).order_by("clinical_first", "code")


def sign_off_role_get(*, code: str) -> SignOffRole:
    """The sign-off role with this code, or 404."""
    role = SignOffRole.objects.filter(code=code).first()
    if role is None:
        raise Http404(f"There is no sign-off role {code!r}.")
    return role


def sign_off_policy_list() -> QuerySet[SignOffPolicy]:
    """Every sign-off policy by name, with its article and roles (three queries in all)."""
    return SignOffPolicy.objects.select_related("article").prefetch_related(
        Prefetch("required_roles", queryset=SignOffRole.objects.order_by("code")),
        Prefetch("optional_roles", queryset=SignOffRole.objects.order_by("code")),
    )


def sign_off_policy_get(*, policy_id: int) -> SignOffPolicy:
    """The sign-off policy with this id, or 404."""
    policy = sign_off_policy_list().filter(pk=policy_id).first()
    if policy is None:
        raise Http404(f"There is no sign-off policy {policy_id}.")
    return policy


def sign_off_role_holders(*, role: SignOffRole) -> QuerySet:
    """The people who hold `role`, active ones first: its holders, or for the clinical role
    the clinicians (clinical-reviewers members with a clinician profile)."""
    if role.code == CLINICAL_ROLE:
        holders = ClinicianProfile.objects.filter(user__groups__name=CLINICAL_REVIEWERS)
    else:
        holders = SignOffRoleHolder.objects.filter(role=role)
    return holders.select_related("user").order_by("-active", "published_name", "pk")


def user_get(*, username: str):
    """The account with this username, or 404."""
    user = get_user_model()._default_manager.filter(username=username).first()
    if user is None:
        raise Http404(f"There is no account {username!r}.")
    return user


@dataclass(frozen=True)
class EarlierApproval:
    """The first approval since which a section's text has stayed the same."""

    anchor: str
    version: int
    reviewer_name: str
    approved_at: datetime


def earlier_approvals(*, version: Version) -> dict[str, EarlierApproval]:
    """For each section of `version` whose text was approved before, who approved it first.

    Walking back through approved versions, a section counts as covered as long as every
    approval in the run had exactly the same heading and body.
    """
    approved = list(
        Review.objects.filter(
            article_id=version.article_id,
            state=ReviewState.APPROVED,
            version__number__lt=version.number,
        )
        .select_related("version", "reviewer")
        .order_by("-version__number")
    )
    names = dict(
        ClinicianProfile.objects.filter(
            user_id__in={review.reviewer_id for review in approved}
        ).values_list("user_id", "published_name")
    )
    result: dict[str, EarlierApproval] = {}
    for section in version.sections:
        text = section_text_hash(section)
        for review in approved:
            match = next(
                (item for item in review.version.sections if item["anchor"] == section["anchor"]),
                None,
            )
            if match is None or section_text_hash(match) != text:
                break
            result[section["anchor"]] = EarlierApproval(
                anchor=section["anchor"],
                version=review.version.number,
                reviewer_name=names.get(review.reviewer_id, review.reviewer.get_username()),
                approved_at=review.decided_at,
            )
    return result


@dataclass(frozen=True)
class SectionReviewStatus:
    anchor: str
    status: str  # "same_as_live" | "changed_since_approval" | "moved" | "new" | "removed"


@dataclass(frozen=True)
class FieldReviewStatus:
    field: str
    status: str  # "same_as_live" | "changed_since_approval" | "new"


@dataclass(frozen=True)
class ArticleReviewStatus:
    """The medical-review status of an article's working copy, derived, never stored."""

    status: str
    live_version: int | None
    latest_version: int | None
    open_review_id: int | None
    next_review_due: date | None
    fields: list[FieldReviewStatus]
    sections: list[SectionReviewStatus]


_SECTION_STATUS = {"added": "new", "removed": "removed", "changed": "changed_since_approval"}


def _section_status(item: SectionDiff) -> str:
    """A section's review status from its diff against the live version."""
    if item.status in _SECTION_STATUS:
        return _SECTION_STATUS[item.status]
    return "moved" if item.moved else "same_as_live"


def article_review_status(*, article: Article) -> ArticleReviewStatus:
    """Derive the working copy's review status from its versions, reviews and publication."""
    sections = article_selectors.section_list(article=article)
    working_copy = working_copy_snapshot(article=article, sections=sections)
    working_hash = content_hash(working_copy)
    publication = Publication.objects.filter(article=article).select_related("version").first()
    latest_review = (
        Review.objects.filter(article=article).select_related("version").order_by("-id").first()
    )
    live = publication if publication and publication.status == PublicationStatus.LIVE else None

    if publication and publication.status == PublicationStatus.RETRACTED:
        status = "retracted"
    elif latest_review and latest_review.state == ReviewState.SUBMITTED:
        status = "in_review"
    elif latest_review and latest_review.state == ReviewState.CHANGES_REQUESTED:
        status = "changes_requested"
    elif live and live.content_hash == working_hash:
        status = "live"
    elif live:
        status = "live_with_unreviewed_changes"
    else:
        status = "draft"

    if live:
        diff = diff_snapshots(version_snapshot(live.version), working_copy, words=False)
        field_statuses = [
            FieldReviewStatus(
                item.field,
                "same_as_live" if item.status == "unchanged" else "changed_since_approval",
            )
            for item in diff.fields
        ]
        section_statuses = [
            SectionReviewStatus(item.anchor, _section_status(item)) for item in diff.sections
        ]
    else:
        field_statuses = [FieldReviewStatus(name, "new") for name in ARTICLE_CONTENT_FIELDS]
        section_statuses = [SectionReviewStatus(section.anchor, "new") for section in sections]

    return ArticleReviewStatus(
        status=status,
        live_version=live.version.number if live else None,
        latest_version=latest_review.version.number if latest_review else None,
        open_review_id=(
            latest_review.pk
            if latest_review and latest_review.state == ReviewState.SUBMITTED
            else None
        ),
        next_review_due=live.next_review_due if live else None,
        fields=field_statuses,
        sections=section_statuses,
    )


@dataclass(frozen=True)
class ReviewCounts:
    """What the admin index shows a clinician first."""

    pending: int
    changes_requested: int
    overdue: int


def review_counts() -> ReviewCounts:
    """Counts of pending reviews, reviews sent back, and live articles overdue for review.

    "Sent back" counts articles whose latest review asks for changes (an article resubmitted
    since has a newer, pending review instead).
    """
    latest_review_ids = Review.objects.values("article_id").annotate(latest=Max("id"))
    return ReviewCounts(
        pending=Review.objects.filter(state=ReviewState.SUBMITTED).count(),
        changes_requested=Review.objects.filter(
            id__in=latest_review_ids.values("latest"), state=ReviewState.CHANGES_REQUESTED
        ).count(),
        overdue=Publication.objects.overdue(today=timezone.localdate()).count(),
    )


def review_due_board() -> QuerySet[Publication]:
    """Live publications by next review date, soonest first."""
    return Publication.objects.live().order_by("next_review_due", "slug")


def _preview_sign_offs(*, version: Version, user, now: datetime) -> tuple[dict[str, str], ...]:
    """The sign-offs a full approval of `version` now would list: those given, then each
    required role still to sign, named by the user's profile if they hold it, else by a
    placeholder."""
    review = version.review if hasattr(version, "review") else None
    if review is None:
        return ()
    given = list(review.sign_offs.select_related("role").order_by("signed_at", "id"))
    signed_roles = {sign_off.role_id for sign_off in given}
    profile = ClinicianProfile.objects.filter(user=user, active=True).first()
    pending = []
    for request in review.sign_off_requests.select_related("role").order_by("role__code"):
        if not request.required or request.role_id in signed_roles:
            continue
        is_clinical = request.role.code == CLINICAL_ROLE
        own = profile if is_clinical else None
        pending.append(
            {
                "role": request.role.code,
                "role_name": request.role.name,
                "name": own.published_name if own else f"({request.role.name.lower()})",
                "credentials": own.credentials if own else "",
                "profession": own.profession if own else "",
                "signed_at": iso_8601(now),
            }
        )
    pending.sort(key=lambda item: item["role"] != CLINICAL_ROLE)
    return tuple(served_sign_off(sign_off) for sign_off in given) + tuple(pending)


def served_sign_off(sign_off: SignOff) -> dict[str, str]:
    """A sign-off as delivery serves it (in `medical_review.sign_offs`) and events carry it."""
    return {
        "role": sign_off.role.code,
        "role_name": sign_off.role_name,
        "name": sign_off.signer_name,
        "credentials": sign_off.signer_credentials,
        "profession": sign_off.signer_profession,
        "signed_at": iso_8601(sign_off.signed_at),
    }


def version_preview(*, version: Version, user) -> Publication:
    """The unsaved Publication delivery would serve if `user` approved `version` now in full.

    Its payload and list entry are the bytes consuming sites would get. The reviewer fields are
    the user's clinician profile, or a placeholder for non-clinicians; the sign-offs are those
    given and, for the roles still to sign, placeholders.
    """
    profile = ClinicianProfile.objects.filter(user=user, active=True).first()
    now = timezone.now()
    preview = Publication(
        **publication_values(
            version=version,
            slug=version.article.slug,
            attribution=Attribution(
                reviewer_name=profile.published_name if profile else "(approving clinician)",
                reviewer_credentials=profile.credentials if profile else "",
                review_kind=ReviewKind.FULL,
                approved_at=now,
                last_reviewed=now.date(),
                next_review_due=latest_review_due(now.date()),
                sign_offs=_preview_sign_offs(version=version, user=user, now=now),
            ),
            now=now,
        ),
    )
    publication_render(publication=preview, now=now)
    return preview


def sign_off_requests_overdue(*, today: date) -> QuerySet[SignOffRequest]:
    """Assigned, required sign-off requests of open reviews, past their due date and not yet
    signed (an invitation to sign is not chased)."""
    signed = SignOff.objects.filter(review=OuterRef("review"), role=OuterRef("role"))
    return (
        SignOffRequest.objects.filter(
            assignee__isnull=False,
            required=True,
            due_on__lt=today,
            review__state=ReviewState.SUBMITTED,
        )
        .exclude(Exists(signed))
        .select_related("review__version", "role", "assignee")
        .order_by("due_on", "review_id", "role__code")
    )
