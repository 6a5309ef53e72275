"""Writes to the references of the working copy, and the citation rule every write keeps:
each `[^key]` in a section body names a reference of the article."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404

from articles.citations import cited_keys
from articles.exceptions import ReferenceCited, ReferenceKeyTaken
from articles.models import (
    REFERENCE_CONTENT_FIELDS,
    Article,
    Reference,
    ReferenceStatus,
)
from articles.selectors import reference_list
from articles.services.preconditions import lock_with_current_etag
from articles.services.reference_flags import references_flag
from articles.services.section_sync import touch_article
from articles.services.validation import checked_reason
from ldncontent.exceptions import InvalidContent
from ldncontent.permissions import EDITORS, require_role

# What an editor writes of a reference (its key is its identity: it never changes).
REFERENCE_EDITABLE_FIELDS = tuple(name for name in REFERENCE_CONTENT_FIELDS if name != "key")
REFERENCES_MAX = 200


def validate_reference(values: dict[str, Any], *, prefix: str = "") -> dict[str, list[str]]:
    """The errors of one reference's values (key included), by field name with `prefix`."""
    candidate = Reference(**values)
    try:
        candidate.full_clean(exclude=["article"], validate_unique=False, validate_constraints=False)
    except DjangoValidationError as error:
        return {f"{prefix}{name}": list(messages) for name, messages in error.message_dict.items()}
    return {}


def validate_references(references: Sequence[dict[str, Any]]) -> None:
    """Refuse a whole document's references: too many, an invalid one, or a key used twice."""
    if len(references) > REFERENCES_MAX:
        raise InvalidContent(
            errors={"references": [f"An article may have at most {REFERENCES_MAX} references."]}
        )
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, values in enumerate(references):
        prefix = f"references[{index}]."
        errors.update(validate_reference(values, prefix=prefix))
        if values["key"] in seen:
            errors.setdefault(f"{prefix}key", []).append(
                f"The key {values['key']!r} is used twice: keys are unique in an article."
            )
        seen.add(values["key"])
    if errors:
        raise InvalidContent(errors=errors)


def sync_references(
    *,
    article: Article,
    current: list[Reference],
    desired: Sequence[dict[str, Any]],
    user,
    reason: str,
) -> list[Reference]:
    """Make the article's references exactly `desired`, matched by key; only real changes are
    saved, so the history shows each edit once. Link-check fields stay as they are."""
    by_key = {reference.key: reference for reference in current}
    wanted = {values["key"] for values in desired}
    for reference in current:
        if reference.key not in wanted:
            reference._history_user = user
            reference._change_reason = reason
            reference.delete()
    result = []
    for values in desired:
        reference = by_key.get(values["key"])
        if reference is None:
            reference = Reference(article=article, **_with_defaults(values))
        else:
            complete = _with_defaults(values)
            if all(getattr(reference, name) == value for name, value in complete.items()):
                result.append(reference)
                continue
            for name, value in complete.items():
                setattr(reference, name, value)
        reference._history_user = user
        reference._change_reason = reason
        reference.save()
        result.append(reference)
    return result


def _with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """A reference's content as stored: fields left out get the model's defaults."""
    complete = {}
    for name in REFERENCE_CONTENT_FIELDS:
        if name in values:
            complete[name] = values[name]
            continue
        model_field = Reference._meta.get_field(name)
        complete[name] = (
            model_field.get_default()
            if model_field.has_default()
            else (None if model_field.null else "")
        )
    return complete


def _bodies(sections) -> list[tuple[str, str]]:
    return [(f"sections.{section.anchor}.body", section.body) for section in sections]


@transaction.atomic
def reference_create(
    *,
    article: Article,
    user,
    if_match: str | None,
    values: dict[str, Any],
    reason: str | None = None,
) -> Reference:
    """Add a reference to the working copy; sections may then cite it as `[^key]`."""
    require_role(user, EDITORS, action="change articles")
    reason = checked_reason(reason, default=f"Added reference {values.get('key')}")
    article, _ = lock_with_current_etag(article=article, if_match=if_match)
    current = reference_list(article=article)
    if any(reference.key == values["key"] for reference in current):
        raise ReferenceKeyTaken()
    if len(current) >= REFERENCES_MAX:
        raise InvalidContent(
            errors={"references": [f"An article may have at most {REFERENCES_MAX} references."]}
        )
    complete = _with_defaults(values)
    if errors := validate_reference(complete):
        raise InvalidContent(errors=errors)
    reference = Reference(article=article, **complete)
    reference._history_user = user
    reference._change_reason = reason
    reference.save()
    touch_article(article)
    _flag_if_no_longer_standing(reference=reference, before=None, user=user)
    return reference


@transaction.atomic
def reference_update(
    *,
    article: Article,
    key: str,
    user,
    if_match: str | None,
    changes: dict[str, Any],
    reason: str | None = None,
) -> Reference:
    """Change some of a reference's fields (never its key)."""
    require_role(user, EDITORS, action="change articles")
    reason = checked_reason(reason, default=f"Edited reference {key}")
    article, _ = lock_with_current_etag(article=article, if_match=if_match)
    reference = Reference.objects.filter(article=article, key=key).first()
    if reference is None:
        raise Http404(f"Article {article.slug!r} has no reference with the key {key!r}.")
    before = reference.status
    values = {name: getattr(reference, name) for name in REFERENCE_CONTENT_FIELDS}
    values.update({name: value for name, value in changes.items() if name != "key"})
    if errors := validate_reference(values):
        raise InvalidContent(errors=errors)
    if all(getattr(reference, name) == value for name, value in values.items()):
        return reference
    for name, value in values.items():
        setattr(reference, name, value)
    reference._history_user = user
    reference._change_reason = reason
    reference.save()
    touch_article(article)
    _flag_if_no_longer_standing(reference=reference, before=before, user=user)
    return reference


@transaction.atomic
def reference_delete(
    *, article: Article, key: str, user, if_match: str | None, reason: str | None = None
) -> None:
    """Delete a reference that no section cites; the deletion stays in the history."""
    require_role(user, EDITORS, action="change articles")
    reason = checked_reason(reason, default=f"Deleted reference {key}")
    article, sections = lock_with_current_etag(article=article, if_match=if_match)
    reference = Reference.objects.filter(article=article, key=key).first()
    if reference is None:
        raise Http404(f"Article {article.slug!r} has no reference with the key {key!r}.")
    citing = [section.anchor for section in sections if key in cited_keys(section.body)]
    if citing:
        raise ReferenceCited(
            f"The sections {', '.join(citing)} cite [^{key}]: remove the citations first."
        )
    reference._history_user = user
    reference._change_reason = reason
    reference.delete()
    touch_article(article)


def _flag_if_no_longer_standing(*, reference: Reference, before: str | None, user) -> None:
    """When an editor marks a source withdrawn or superseded, flag every article citing it."""
    if reference.status == ReferenceStatus.CURRENT or reference.status == before:
        return
    references_flag(
        references=[reference],
        reason=f"Marked {reference.get_status_display().lower()}",
        include_same_identifiers=True,
    )
