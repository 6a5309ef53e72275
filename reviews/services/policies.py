"""Managing sign-offs: the roles, the policies that ask for them, and who holds them.

Publishing admins (and superusers) manage roles, policies and holders (assigning an open
review's sign-offs is in `assignment`). The clinical role is the mandatory one: it is only
renamed or reworded here, and it is held through a clinician profile (`clinician_grant`).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model

from articles.models import Article, Audience, slug_validator
from articles.services.validation import validated_topics
from ldncontent.exceptions import InvalidContent, NotAllowed
from ldncontent.permissions import (
    PUBLISHING_ADMINS,
    SIGN_OFF_REVIEWERS,
    require_role,
)
from reviews.exceptions import (
    AlreadyHoldsRole,
    ClinicalRoleFixed,
    NoSignOffRole,
    OwnRole,
    RoleInUse,
    SignOffPolicyTaken,
    SignOffRoleTaken,
)
from reviews.models import (
    CLINICAL_ROLE,
    ReviewState,
    RoleAction,
    SignOffPolicy,
    SignOffRole,
    SignOffRoleHolder,
)
from reviews.services.roles import _lock_user, _record_role_change

ROLE_FIELDS = ("code", "name", "meaning", "checklist", "resign_on_change", "active")
POLICY_FIELDS = (
    "name",
    "description",
    "topic",
    "audience",
    "article",
    "required_roles",
    "optional_roles",
    "active",
)
HOLDER_FIELDS = (
    "published_name",
    "credentials",
    "profession",
    "registering_body",
    "registration_number",
)
CHECKLIST_MAX_ITEMS = 20
CHECKLIST_ITEM_MAX_LENGTH = 300


def _ensure_manager(actor, *, action: str) -> None:
    """Publishing admins and active superusers manage sign-off roles, policies and holders."""
    if not (actor.is_active and actor.is_superuser):
        require_role(actor, PUBLISHING_ADMINS, action=action)


def _validated(instance: Model, *, exclude: Sequence[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except DjangoValidationError as error:
        raise InvalidContent(errors=error.message_dict) from error


def _saved(instance: Model, *, actor, reason: str, taken: Exception, **save) -> None:
    """Save with who and why in the history; a unique name or code taken meanwhile is `taken`."""
    instance._history_user = actor
    instance._change_reason = reason
    try:
        with transaction.atomic():
            instance.save(**save)
    except IntegrityError as error:
        raise taken from error


def _unknown(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidContent(
            errors={
                name: [f"Not a field you can change: use {', '.join(allowed)}."] for name in unknown
            }
        )


# --- roles ---------------------------------------------------------------------------------------


def _validated_checklist(checklist: Any) -> list[str]:
    rule = (
        f"A checklist is a list of at most {CHECKLIST_MAX_ITEMS} distinct statements, each "
        f"with text and at most {CHECKLIST_ITEM_MAX_LENGTH} characters."
    )
    if not isinstance(checklist, list | tuple) or not all(isinstance(i, str) for i in checklist):
        raise InvalidContent(errors={"checklist": [rule]})
    items = [item.strip() for item in checklist]
    if (
        len(items) > CHECKLIST_MAX_ITEMS
        or len(set(items)) != len(items)
        or any(not item or len(item) > CHECKLIST_ITEM_MAX_LENGTH for item in items)
    ):
        raise InvalidContent(errors={"checklist": [rule]})
    return items


def _validated_role(role: SignOffRole) -> None:
    errors: dict[str, list[str]] = {}
    try:
        slug_validator(role.code)
    except DjangoValidationError as error:
        errors["code"] = list(error.messages)
    for name in ("name", "meaning"):
        if not getattr(role, name).strip():
            errors[name] = ["This may not be blank."]
    if errors:
        raise InvalidContent(errors=errors)
    _validated(role)


def _role_taken(code: str) -> SignOffRoleTaken:
    return SignOffRoleTaken(f"There is already a sign-off role {code!r}: choose another code.")


@transaction.atomic
def signoff_role_create(
    *,
    actor,
    code: str,
    name: str,
    meaning: str,
    checklist: Sequence[str] = (),
    resign_on_change: bool = True,
) -> SignOffRole:
    """Add a kind of sign-off (e.g. pharmacist) that policies may then require or invite."""
    _ensure_manager(actor, action="create sign-off roles")
    role = SignOffRole(
        code=code.strip(),
        name=name.strip(),
        meaning=meaning.strip(),
        checklist=_validated_checklist(checklist),
        resign_on_change=resign_on_change,
    )
    _validated_role(role)
    if SignOffRole.objects.filter(code=role.code).exists():
        raise _role_taken(role.code)
    _saved(role, actor=actor, reason="Sign-off role created", taken=_role_taken(role.code))
    return role


def _ensure_role_change_keeps_reviews(role: SignOffRole, changed: dict[str, Any]) -> None:
    """A role's code is fixed once reviews asked for it (signatures, events and served pages
    name it); a role that open reviews require stays active until they are decided, as
    nobody could sign it and they would never complete."""
    if "code" in changed and role.requests.exists():
        raise RoleInUse(
            f"Reviews have asked for the {role.code!r} role, and signatures and served pages "
            "name it by that code: change its name instead."
        )
    if changed.get("active") is False:
        waiting = (
            role.requests.filter(required=True, review__state=ReviewState.SUBMITTED)
            .select_related("review__article", "review__version")
            .order_by("review_id")
        )
        names = [
            f"{request.review.article.slug} v{request.review.version.number}"
            for request in waiting[:10]
        ]
        if names:
            raise RoleInUse(
                f"Open reviews require the {role.name.lower()} role ({', '.join(names)}): "
                "decide them (or request changes, so they are submitted again under the "
                "policies then in force) before deactivating it."
            )


@transaction.atomic
def signoff_role_update(*, role: SignOffRole, actor, changes: dict[str, Any]) -> SignOffRole:
    """Rename, reword, change the checklist or re-signing rule of a role, or (de)activate it.

    Requests already frozen into reviews keep the rule they were opened with; signatures keep
    the meaning they were given with. A code reviews asked for, and a role open reviews
    require, are refused (RoleInUse).
    """
    _ensure_manager(actor, action="change sign-off roles")
    _unknown(changes, ROLE_FIELDS)
    role = SignOffRole.objects.select_for_update().get(pk=role.pk)
    changes = dict(changes)
    for name in ("code", "name", "meaning"):
        if name in changes:
            changes[name] = changes[name].strip()
    if "checklist" in changes:
        changes["checklist"] = _validated_checklist(changes["checklist"])
    changed = {name: value for name, value in changes.items() if getattr(role, name) != value}
    if role.code == CLINICAL_ROLE and (
        "code" in changed
        or changes.get("active") is False
        or changes.get("resign_on_change") is False
    ):
        raise ClinicalRoleFixed()
    if not changed:
        return role
    _ensure_role_change_keeps_reviews(role, changed)
    for name, value in changed.items():
        setattr(role, name, value)
    _validated_role(role)
    if (
        "code" in changed
        and SignOffRole.objects.filter(code=role.code).exclude(pk=role.pk).exists()
    ):
        raise _role_taken(role.code)
    _saved(
        role,
        actor=actor,
        reason="Edited " + ", ".join(sorted(changed)),
        taken=_role_taken(role.code),
        update_fields=list(changed),
    )
    return role


# --- policies ------------------------------------------------------------------------------------


def _policy_taken(name: str) -> SignOffPolicyTaken:
    return SignOffPolicyTaken(f"There is already a sign-off policy named {name!r}: choose another.")


def _validated_scope(*, topic: str, audience: str, article: Article | None) -> str:
    """The topic as stored; refuses an invalid topic or audience, or more than one scope."""
    errors: dict[str, list[str]] = {}
    if topic:
        try:
            (topic,) = validated_topics([topic])
        except InvalidContent as error:
            errors["topic"] = error.errors["topics"]
    if audience and audience not in Audience.values:
        errors["audience"] = [f"Use one of {', '.join(Audience.values)}, or leave it blank."]
    scopes = [
        name
        for name, value in (("topic", topic), ("audience", audience), ("article", article))
        if value
    ]
    if len(scopes) > 1:
        errors["scope"] = [
            "A policy covers one topic, one audience or one article (or, with none, every "
            f"article): this one names {' and '.join(scopes)}. Make one policy per scope."
        ]
    if errors:
        raise InvalidContent(errors=errors)
    return topic


def _validated_roles(
    *, required: Iterable[SignOffRole], optional: Iterable[SignOffRole]
) -> tuple[list[SignOffRole], list[SignOffRole]]:
    required, optional = list(dict.fromkeys(required)), list(dict.fromkeys(optional))
    errors: dict[str, list[str]] = {}
    both = sorted({role.code for role in required} & {role.code for role in optional})
    if both:
        errors["optional_roles"] = [
            f"Required and optional at once: {', '.join(both)}. A role is either one."
        ]
    if any(role.code == CLINICAL_ROLE for role in optional):
        errors.setdefault("optional_roles", []).append(
            "The clinical role is required of every version: it cannot be optional."
        )
    if errors:
        raise InvalidContent(errors=errors)
    return required, optional


def _set_roles(policy: SignOffPolicy, *, actor, reason: str, required=None, optional=None) -> None:
    policy._history_user = actor
    policy._change_reason = reason
    if required is not None:
        policy.required_roles.set(required)
    if optional is not None:
        policy.optional_roles.set(optional)


@transaction.atomic
def signoff_policy_create(
    *,
    actor,
    name: str,
    description: str = "",
    topic: str = "",
    audience: str = "",
    article: Article | None = None,
    required_roles: Iterable[SignOffRole] = (),
    optional_roles: Iterable[SignOffRole] = (),
) -> SignOffPolicy:
    """Ask for these roles' sign-offs on every version the scope covers, from the next
    submission on (reviews already open keep the requests they were opened with)."""
    _ensure_manager(actor, action="create sign-off policies")
    topic = _validated_scope(topic=topic.strip(), audience=audience, article=article)
    required, optional = _validated_roles(required=required_roles, optional=optional_roles)
    policy = SignOffPolicy(
        name=name.strip(),
        description=description.strip(),
        topic=topic,
        audience=audience,
        article=article,
    )
    if not policy.name:
        raise InvalidContent(errors={"name": ["A policy needs a name."]})
    _validated(policy)
    if SignOffPolicy.objects.filter(name=policy.name).exists():
        raise _policy_taken(policy.name)
    reason = "Sign-off policy created"
    _saved(policy, actor=actor, reason=reason, taken=_policy_taken(policy.name))
    _set_roles(policy, actor=actor, reason=reason, required=required, optional=optional)
    return policy


@transaction.atomic
def signoff_policy_update(
    *, policy: SignOffPolicy, actor, changes: dict[str, Any]
) -> SignOffPolicy:
    """Change a policy's name, scope or roles, or (de)activate it; reviews already open keep
    the requests they were opened with."""
    _ensure_manager(actor, action="change sign-off policies")
    _unknown(changes, POLICY_FIELDS)
    policy = SignOffPolicy.objects.select_for_update().get(pk=policy.pk)
    changes = dict(changes)
    for name in ("name", "description", "topic"):
        if name in changes:
            changes[name] = changes[name].strip()
    scope = {name: changes.get(name, getattr(policy, name)) for name in ("topic", "audience")}
    scope["article"] = changes.get("article", policy.article)
    topic = _validated_scope(**scope)
    if "topic" in changes:
        changes["topic"] = topic
    roles_changed = {}
    if "required_roles" in changes or "optional_roles" in changes:
        required, optional = _validated_roles(
            required=changes.pop("required_roles", policy.required_roles.all()),
            optional=changes.pop("optional_roles", policy.optional_roles.all()),
        )
        if set(required) != set(policy.required_roles.all()):
            roles_changed["required"] = required
        if set(optional) != set(policy.optional_roles.all()):
            roles_changed["optional"] = optional
    changed = {name: value for name, value in changes.items() if getattr(policy, name) != value}
    if not changed and not roles_changed:
        return policy
    for name, value in changed.items():
        setattr(policy, name, value)
    if not policy.name:
        raise InvalidContent(errors={"name": ["A policy needs a name."]})
    _validated(policy)
    if "name" in changed and (
        SignOffPolicy.objects.filter(name=policy.name).exclude(pk=policy.pk).exists()
    ):
        raise _policy_taken(policy.name)
    names = sorted(changed) + [f"{kind}_roles" for kind in sorted(roles_changed)]
    reason = "Edited " + ", ".join(names)
    if changed:
        _saved(
            policy,
            actor=actor,
            reason=reason,
            taken=_policy_taken(policy.name),
            update_fields=list(changed),
        )
    _set_roles(
        policy,
        actor=actor,
        reason=reason,
        required=roles_changed.get("required"),
        optional=roles_changed.get("optional"),
    )
    return policy


# --- holders -------------------------------------------------------------------------------------


def _ensure_may_change_holders(*, actor, subject, role: SignOffRole, action: str) -> None:
    """Only a superuser grants a role; publishing admins and superusers revoke. Never on
    one's own account; a superuser's account only by a superuser; never the clinical role,
    which comes with a clinician profile.

    Granting is kept from publishing admins as the clinician role is: they create accounts
    and set their passwords, so one could otherwise grant signing authority to an account
    of their own making and sign with it.
    """
    if action == "grant":
        if not (actor.is_active and actor.is_superuser):
            raise NotAllowed(
                "Only a superuser grants sign-off roles (publishing admins revoke them): "
                "signing authority is not given by those who create accounts."
            )
    else:
        _ensure_manager(actor, action=f"{action} sign-off roles")
    if actor.pk == subject.pk:
        # Only a superuser grants, and only a superuser changes a superuser's account.
        superuser_needed = action == "grant" or subject.is_superuser
        someone_else = "another superuser" if superuser_needed else "another publishing admin"
        raise OwnRole(
            f"No one may {action} a sign-off role for their own account: ask {someone_else}."
        )
    if subject.is_superuser and not actor.is_superuser:
        raise NotAllowed("Only a superuser may change a superuser's account.")
    if role.code == CLINICAL_ROLE:
        raise ClinicalRoleFixed(
            f"The clinical role is not granted or revoked here: a superuser {action}s the "
            "clinician role on the clinician profiles."
        )


@transaction.atomic
def signoff_role_grant(
    *,
    user,
    role: SignOffRole,
    granted_by,
    published_name: str,
    credentials: str = "",
    profession: str = "",
    registering_body: str = "",
    registration_number: str = "",
    note: str = "",
) -> SignOffRoleHolder:
    """Let `user` sign for `role`, named to readers as given; they join sign-off-reviewers.

    A holder whose role was revoked is made active again with these details. Recorded in the
    role audit trail and in the holder's history.
    """
    _ensure_may_change_holders(actor=granted_by, subject=user, role=role, action="grant")
    user = _lock_user(user)
    if not user.is_active:
        raise InvalidContent(
            errors={"user": ["This account is deactivated: activate it before granting roles."]}
        )
    holder = SignOffRoleHolder.objects.select_for_update().filter(user=user, role=role).first()
    if holder is not None and holder.active:
        raise AlreadyHoldsRole(
            f"{user.get_username()} already holds the {role.name.lower()} role: edit their "
            "details instead."
        )
    if holder is None:
        holder = SignOffRoleHolder(user=user, role=role)
    holder.published_name = published_name.strip()
    holder.credentials = credentials.strip()
    holder.profession = profession.strip()
    holder.registering_body = registering_body.strip()
    holder.registration_number = registration_number.strip()
    holder.active = True
    if not holder.published_name:
        raise InvalidContent(errors={"published_name": ["Give the name readers will see."]})
    _validated(holder, exclude=["user", "role"])
    holder._history_user = granted_by
    holder._change_reason = f"{role.name} role granted"
    holder.save()
    user.groups.add(Group.objects.get_or_create(name=SIGN_OFF_REVIEWERS)[0])
    _record_role_change(
        subject=user,
        actor=granted_by,
        role=SIGN_OFF_REVIEWERS,
        sign_off_role=role,
        action=RoleAction.GRANTED,
        note=note.strip(),
    )
    return holder


@transaction.atomic
def signoff_role_revoke(*, user, role: SignOffRole, revoked_by, reason: str) -> SignOffRoleHolder:
    """Stop `user` signing for `role`: the holder is deactivated (kept, as sign-offs name it),
    and without another active sign-off role they leave sign-off-reviewers. Needs a reason.

    Signatures they gave on reviews still open stop counting: the last one is refused until
    the version is sent back (see `SignerNoLongerHoldsRole`).
    """
    _ensure_may_change_holders(actor=revoked_by, subject=user, role=role, action="revoke")
    if not reason.strip():
        raise InvalidContent(errors={"reason": ["Say why the sign-off role is revoked."]})
    user = _lock_user(user)
    holder = SignOffRoleHolder.objects.select_for_update().filter(user=user, role=role).first()
    if holder is None or not holder.active:
        raise NoSignOffRole(
            f"{user.get_username()} does not hold the {role.name.lower()} role: there is "
            "nothing to revoke."
        )
    holder.active = False
    holder._history_user = revoked_by
    holder._change_reason = f"{role.name} role revoked"
    holder.save(update_fields=["active"])
    if not SignOffRoleHolder.objects.filter(user=user, active=True).exists():
        user.groups.remove(*Group.objects.filter(name=SIGN_OFF_REVIEWERS))
    _record_role_change(
        subject=user,
        actor=revoked_by,
        role=SIGN_OFF_REVIEWERS,
        sign_off_role=role,
        action=RoleAction.REVOKED,
        note=reason.strip(),
    )
    return holder


# --- assignment ----------------------------------------------------------------------------------
