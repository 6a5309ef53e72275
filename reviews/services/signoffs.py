"""Who may sign which role of a version, and the requests a submission opens.

The signing itself is a review transition (`workflow.signoff_record`): these are the rules it
and the other decisions check.
"""

from dataclasses import dataclass

from simple_history.utils import bulk_create_with_history

from articles.models import Article, Publication, PublicationStatus, Reference, Section, Version
from ldncontent.permissions import CLINICAL_REVIEWERS, SIGN_OFF_REVIEWERS, user_roles
from reviews.exceptions import NotAClinician, NotASigner, SeparationOfDuties
from reviews.models import (
    CLINICAL_MEANING,
    CLINICAL_ROLE,
    ClinicianProfile,
    Review,
    SignOffPolicy,
    SignOffRequest,
    SignOffRole,
    SignOffRoleHolder,
)
from reviews.selectors import last_approved_review


@dataclass(frozen=True)
class Signer:
    """What a sign-off records of the person signing, as it is when they sign."""

    name: str
    credentials: str
    profession: str
    registering_body: str
    registration_number: str


@dataclass(frozen=True)
class RoleRequirement:
    """One role a version needs or invites, the policies that ask for it, and whether it must
    sign a change review too."""

    role: SignOffRole
    required: bool
    policies: tuple[str, ...]
    needed_for_change: bool


def clinical_role() -> SignOffRole:
    """The mandatory clinical role, made by the migration that introduced sign-offs (and again
    here should a database have lost it, as a flushed test database has)."""
    role, _ = SignOffRole.objects.get_or_create(
        code=CLINICAL_ROLE, defaults={"name": "Clinical reviewer", "meaning": CLINICAL_MEANING}
    )
    return role


def sign_off_requirements(*, version: Version) -> list[RoleRequirement]:
    """The roles `version` needs (always the clinical one) and invites, by the active policies.

    A role one policy requires and another only invites is required.
    """
    policies = [
        policy
        for policy in SignOffPolicy.objects.filter(active=True).prefetch_related(
            "required_roles", "optional_roles"
        )
        if _covers(policy, version)
    ]
    clinical = clinical_role()
    required: dict[int, tuple[SignOffRole, list[str]]] = {clinical.pk: (clinical, [])}
    optional: dict[int, tuple[SignOffRole, list[str]]] = {}
    for policy in policies:
        for role in policy.required_roles.all():
            if role.active:
                required.setdefault(role.pk, (role, []))[1].append(policy.name)
    for policy in policies:
        for role in policy.optional_roles.all():
            if role.active and role.pk not in required:
                optional.setdefault(role.pk, (role, []))[1].append(policy.name)
    built_on = _roles_a_change_review_builds_on(version)
    requirements = [
        RoleRequirement(
            role=role,
            required=is_required,
            policies=tuple(names),
            needed_for_change=role.resign_on_change or role.pk not in built_on,
        )
        for is_required, roles in ((True, required), (False, optional))
        for role, names in roles.values()
    ]
    return sorted(
        requirements,
        key=lambda item: (item.role.code != CLINICAL_ROLE, not item.required, item.role.code),
    )


def _roles_a_change_review_builds_on(version: Version) -> set[int]:
    """The roles whose signatures a change review of `version` may rest on: those that signed
    the article's last approved version, unless the article was retracted since. A role that
    never signed the content being changed (a policy that applies only now, as when a
    medicines topic is added) signs a change review in full, as does every role after a
    retraction (what they signed was withdrawn)."""
    if version.article_id is None:
        return set()
    previous = last_approved_review(article_id=version.article_id, before_number=version.number)
    if previous is None:
        return set()
    if Publication.objects.filter(
        article_id=version.article_id, status=PublicationStatus.RETRACTED
    ).exists():
        return set()
    return set(previous.sign_offs.values_list("role_id", flat=True))


def article_sign_off_requirements(*, article: Article) -> list[RoleRequirement]:
    """The roles the article's working copy would need (and invite) if submitted now."""
    unsaved = Version(article=article, topics=article.topics, audience=article.audience)
    return sign_off_requirements(version=unsaved)


def _covers(policy: SignOffPolicy, version: Version) -> bool:
    if policy.topic:
        return policy.topic in version.topics
    if policy.audience:
        return policy.audience == version.audience
    if policy.article_id:
        return policy.article_id == version.article_id
    return True


def sign_off_requests_open(*, review: Review, user) -> list[SignOffRequest]:
    """Freeze the roles the review's version needs as its sign-off requests (at submission),
    each with its first history row (assignments are recorded after it)."""
    return bulk_create_with_history(
        [
            SignOffRequest(
                review=review,
                role=requirement.role,
                required=requirement.required,
                needed_for_change=requirement.needed_for_change,
                policies=list(requirement.policies),
            )
            for requirement in sign_off_requirements(version=review.version)
        ],
        SignOffRequest,
        default_user=user,
        default_change_reason=f"Requested at the submission of version {review.version.number}",
    )


def signer_for(*, user, role: SignOffRole) -> Signer | None:
    """What a sign-off by `user` for `role` records, or None if they may not sign it.

    The clinical role: a clinical-reviewers member with an active clinician profile. Any other:
    a sign-off-reviewers member who holds the (active) role.
    """
    if not (user and user.is_authenticated and user.is_active and role.active):
        return None
    if role.code == CLINICAL_ROLE:
        profile = ClinicianProfile.objects.filter(user=user, active=True).first()
        if profile is None or CLINICAL_REVIEWERS not in user_roles(user):
            return None
        return Signer(
            name=profile.published_name,
            credentials=profile.credentials,
            profession=profile.profession,
            registering_body=profile.registering_body,
            registration_number=profile.registration_number,
        )
    holder = SignOffRoleHolder.objects.filter(user=user, role=role, active=True).first()
    if holder is None or SIGN_OFF_REVIEWERS not in user_roles(user):
        return None
    return Signer(
        name=holder.published_name,
        credentials=holder.credentials,
        profession=holder.profession,
        registering_body=holder.registering_body,
        registration_number=holder.registration_number,
    )


def ensure_no_own_work(*, review: Review, user) -> None:
    """Nobody decides on a version they submitted or on edits of their own in it (those since
    the last approved version, up to this one's submission)."""
    version = review.version
    if version.submitted_by_id == user.pk:
        raise SeparationOfDuties("You submitted this version: someone else must decide on it.")
    last = last_approved_review(article_id=review.article_id, before_number=version.number)
    previous = last.version if last else None
    window = {"history_user": user, "history_date__lte": version.submitted_at}
    if previous is not None:
        window["history_date__gt"] = previous.submitted_at
    # Everything frozen into a version has a history: the article's fields, its sections and
    # its references.
    own_edits = (
        Article.history.filter(id=review.article_id, **window),
        Section.history.filter(article_id=review.article_id, **window),
        Reference.history.filter(article_id=review.article_id, **window),
    )
    if any(edits.exists() for edits in own_edits):
        raise SeparationOfDuties(
            "You edited this article since its last approved version: someone else must "
            "review your changes."
        )


def ensure_can_sign(*, review: Review, user, role: SignOffRole) -> Signer:
    """The signer record, if `user` may sign `role` of this review; otherwise a domain error."""
    signer = signer_for(user=user, role=role)
    if signer is None:
        if role.code == CLINICAL_ROLE:
            raise NotAClinician()
        raise NotASigner(
            f"Only an active {role.name.lower()} (a sign-off reviewer holding the "
            f"{role.code!r} role) may sign for it."
        )
    ensure_no_own_work(review=review, user=user)
    other = review.sign_offs.filter(signer=user).exclude(role=role).first()
    if other is not None:
        raise SeparationOfDuties(
            f"You signed this version as {other.role_name.lower()}: one person signs at most "
            "one role of a version."
        )
    return signer


def ensure_can_decide(*, review: Review, user) -> list[SignOffRole]:
    """The required roles of this review `user` may sign: they may then also request changes
    or reject. A role a policy only invites (a lay reader) signs and comments, but does not
    end the review.

    Refused (a domain error) for anyone holding none of them, and for the version's own
    submitter or editors.
    """
    roles = [
        request.role
        for request in review.sign_off_requests.filter(required=True).select_related("role")
    ]
    mine = [role for role in roles if signer_for(user=user, role=role) is not None]
    if not mine:
        if [role.code for role in roles] in ([], [CLINICAL_ROLE]):
            raise NotAClinician()
        raise NotASigner(
            "Only a person holding one of the roles this version requires ("
            + ", ".join(role.name.lower() for role in roles)
            + ") may request changes or reject it; invited roles sign and comment."
        )
    ensure_no_own_work(review=review, user=user)
    return mine
