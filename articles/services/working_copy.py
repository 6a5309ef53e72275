"""Writes to the working copy: each checks the editors role, locks the article, checks If-Match
and records history."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.http import Http404
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from articles.exceptions import (
    AnchorTaken,
    ExternalIdTaken,
    NothingToRevert,
    SlugTaken,
    TooManySections,
)
from articles.models import (
    ARTICLE_CONTENT_FIELDS,
    ARTICLE_EDITABLE_FIELDS,
    CHANGE_REASON_MAX_LENGTH,
    Article,
    Section,
    Version,
    change_reason_validator,
    slug_validator,
)
from articles.selectors import article_etag, section_list
from articles.snapshots import (
    content_hash,
    version_snapshot,
    working_copy_snapshot,
)
from ldncontent.exceptions import (
    InvalidContent,
    PreconditionFailed,
    PreconditionRequired,
)
from ldncontent.http import EntityTag, parse_if_match
from ldncontent.permissions import EDITORS, require_role

TOPICS_MAX = 20
TOPIC_MAX_LENGTH = 50
TOPICS_RULE = (
    f"Topics are a list of at most {TOPICS_MAX} slugs (lowercase letters, digits and single "
    f"hyphens, at most {TOPIC_MAX_LENGTH} characters each), e.g. `ldn, chronic-pain`; "
    "duplicates are dropped."
)
# Positions are moved out of the way before they are reassigned, because the
# (article, position) unique constraint is checked row by row on SQLite.
_TEMPORARY_POSITION_OFFSET = 1_000_000


def _validate_section(
    *, anchor: str, heading: str, body: str, prefix: str = ""
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        slug_validator(anchor)
    except DjangoValidationError as error:
        errors[f"{prefix}anchor"] = list(error.messages)
    if too_long := _too_long(anchor, model=Section, field="anchor"):
        errors.setdefault(f"{prefix}anchor", []).extend(too_long)
    if not heading.strip():
        errors[f"{prefix}heading"] = ["A section needs a heading that is not blank."]
    if len(body) > settings.SECTION_BODY_MAX_CHARS:
        errors[f"{prefix}body"] = [
            f"The body has {len(body)} characters; the limit is {settings.SECTION_BODY_MAX_CHARS}:"
            " split it into several sections."
        ]
    return errors


def _too_long(value: str, *, model: type[Model], field: str) -> list[str]:
    """The error of a value longer than the model's `field` stores, if it is."""
    limit = model._meta.get_field(field).max_length
    return [f"Use at most {limit} characters."] if len(value) > limit else []


def _validate_sections(sections: Sequence[dict[str, Any]]) -> None:
    if len(sections) > settings.ARTICLE_MAX_SECTIONS:
        raise TooManySections(
            f"An article may have at most {settings.ARTICLE_MAX_SECTIONS} sections; "
            f"this one would have {len(sections)}.",
            errors={"sections": [f"At most {settings.ARTICLE_MAX_SECTIONS} sections."]},
        )
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, section in enumerate(sections):
        prefix = f"sections[{index}]."
        errors.update(
            _validate_section(
                anchor=section["anchor"],
                heading=section["heading"],
                body=section.get("body", ""),
                prefix=prefix,
            )
        )
        if section["anchor"] in seen:
            errors.setdefault(f"{prefix}anchor", []).append(
                f"The anchor {section['anchor']!r} is used twice: anchors are unique in an article."
            )
        seen.add(section["anchor"])
    if errors:
        raise InvalidContent(errors=errors)


def _validated_topics(topics: Any) -> list[str]:
    """The topics without duplicates, or InvalidContent saying which ones break the rule."""
    if not isinstance(topics, list | tuple) or not all(isinstance(item, str) for item in topics):
        raise InvalidContent(errors={"topics": [TOPICS_RULE]})
    unique = list(dict.fromkeys(topics))
    problems = []
    # Counted as sent, duplicates included, as the schema's maxItems counts them.
    if len(topics) > TOPICS_MAX:
        problems.append(f"There are {len(topics)} topics; the limit is {TOPICS_MAX}.")
    for topic in unique:
        try:
            slug_validator(topic)
        except DjangoValidationError:
            problems.append(f"{topic!r} is not a topic slug.")
            continue
        if len(topic) > TOPIC_MAX_LENGTH:
            problems.append(f"{topic!r} is longer than {TOPIC_MAX_LENGTH} characters.")
    if problems:
        raise InvalidContent(errors={"topics": [*problems, TOPICS_RULE]})
    return unique


def _normalised_fields(fields: dict[str, Any]) -> dict[str, Any]:
    fields = dict(fields)
    if "topics" in fields:
        fields["topics"] = _validated_topics(fields["topics"])
    if "title" in fields and not fields["title"].strip():
        raise InvalidContent(errors={"title": ["The title may not be blank."]})
    if fields.get("external_id") == "":
        fields["external_id"] = None
    return fields


def _ensure_external_id_free(*, external_id: str | None, article_pk: int | None) -> None:
    if external_id is None:
        return
    if Article.objects.filter(external_id=external_id).exclude(pk=article_pk).exists():
        raise ExternalIdTaken(
            f"Another article already has external_id {external_id!r}: "
            "GET /api/v1/articles/?external_id=… finds it."
        )


def _if_match_tags(if_match: str | None) -> list[EntityTag]:
    """The entity tags of If-Match: 428 when it is missing, blank or `*`, 400 when malformed."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired()
    if if_match.strip() == "*":
        raise PreconditionRequired(
            "If-Match: * is not accepted: send the ETag from your last GET of this article, "
            "so that no one else's change is overwritten."
        )
    tags = parse_if_match(if_match)
    if not tags:
        raise PreconditionRequired()
    return tags


def _lock_with_current_etag(*, article: Article, if_match: str | None) -> tuple[Article, list]:
    """Lock the article row, then refuse the write unless If-Match names its current ETag.

    The comparison is strong (RFC 9110 13.1.1): a weak tag never matches, even with the same
    opaque tag, because a weak validator does not promise that the content is the same.
    """
    tags = _if_match_tags(if_match)
    article = Article.objects.select_for_update().get(pk=article.pk)
    sections = section_list(article=article)
    current = article_etag(article=article, sections=sections)
    if not any(tag.opaque == current and not tag.weak for tag in tags):
        if any(tag.weak for tag in tags):
            raise PreconditionFailed(
                "If-Match sent a weak entity tag (W/…), and a weak tag never matches a write "
                "(RFC 9110 strong comparison): send the ETag exactly as your last GET returned "
                "it, without W/."
            )
        raise PreconditionFailed()
    return article, sections


def _touch(article: Article) -> None:
    # updated_at is not a tracked field: a queryset update keeps section-only edits out of
    # the article's own history while still moving its modification time.
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())


def _checked_reason(reason: str | None, *, default: str) -> str:
    """The change reason to record: the caller's, checked, or `default` when none was given."""
    if reason is None:
        return default
    problems = []
    if len(reason) > CHANGE_REASON_MAX_LENGTH:
        problems.append(
            f"The reason has {len(reason)} characters; the limit is {CHANGE_REASON_MAX_LENGTH}."
        )
    try:
        change_reason_validator(reason)
    except DjangoValidationError as error:
        problems.extend(error.messages)
    if problems:
        raise InvalidContent(errors={"reason": problems})
    return reason


def _replace_locked(
    *,
    article: Article,
    current: list[Section],
    fields: dict[str, Any],
    sections: Sequence[dict[str, Any]],
    user,
    reason: str,
) -> Article:
    """Make the locked article exactly this document, matching sections by anchor.

    Optional fields left out get their defaults; only what really changes is saved.
    """
    complete = _optional_field_defaults()
    complete.update(fields)
    complete = _normalised_fields(complete)
    _validate_sections(sections)
    _ensure_external_id_free(external_id=complete["external_id"], article_pk=article.pk)
    if any(getattr(article, name) != value for name, value in complete.items()):
        for name, value in complete.items():
            setattr(article, name, value)
        _save_article(article, user=user, reason=reason)
    _sync_sections(article=article, current=current, desired=sections, user=user, reason=reason)
    _touch(article)
    return article


def _optional_field_defaults() -> dict[str, Any]:
    """What a PUT gives the article's optional fields it leaves out: the model's defaults."""
    fields = [Article._meta.get_field(name) for name in ARTICLE_EDITABLE_FIELDS]
    return {
        field.name: field.get_default() for field in fields if field.has_default() or field.blank
    }


def _save_article(article: Article, *, user, reason: str) -> None:
    article._history_user = user
    article._change_reason = reason
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as error:
        if Article.objects.filter(slug=article.slug).exclude(pk=article.pk).exists():
            raise SlugTaken() from error
        raise ExternalIdTaken() from error


def _sync_sections(
    *,
    article: Article,
    current: list[Section],
    desired: Sequence[dict[str, Any]],
    user,
    reason: str,
) -> list[Section]:
    """Make the article's sections exactly `desired` (in order), matched by anchor.

    Sections whose anchor is not in `desired` are deleted, new anchors are created and only
    sections that really change are saved, so the history shows each edit once.
    """
    by_anchor = {section.anchor: section for section in current}
    wanted = {item["anchor"] for item in desired}

    for section in current:
        if section.anchor not in wanted:
            section._history_user = user
            section._change_reason = reason
            section.delete()

    changed: list[Section] = []
    created: list[Section] = []
    result: list[Section] = []
    for position, item in enumerate(desired):
        section = by_anchor.get(item["anchor"])
        if section is None:
            section = Section(
                article=article,
                anchor=item["anchor"],
                heading=item["heading"],
                body=item.get("body", ""),
                position=position,
            )
            created.append(section)
        else:
            new_values = {
                "heading": item.get("heading", section.heading),
                "body": item.get("body", section.body),
                "position": position,
            }
            if any(getattr(section, name) != value for name, value in new_values.items()):
                for name, value in new_values.items():
                    setattr(section, name, value)
                changed.append(section)
        result.append(section)

    moving = [section.pk for section in changed]
    if moving:
        Section.objects.filter(pk__in=moving).update(
            position=F("position") + _TEMPORARY_POSITION_OFFSET
        )
        bulk_update_with_history(
            changed,
            Section,
            ["heading", "body", "position"],
            default_user=user,
            default_change_reason=reason,
        )
    for section in created:
        section._history_user = user
        section._change_reason = reason
        section.save()
    return result


@transaction.atomic
def article_create(
    *,
    author,
    slug: str,
    fields: dict[str, Any],
    sections: Sequence[dict[str, Any]] = (),
    reason: str | None = None,
) -> Article:
    """Create an article with its sections; nothing is published."""
    require_role(author, EDITORS, action="create articles")
    reason = _checked_reason(reason, default="Created")
    try:
        slug_validator(slug)
    except DjangoValidationError as error:
        raise InvalidContent(errors={"slug": list(error.messages)}) from error
    if too_long := _too_long(slug, model=Article, field="slug"):
        raise InvalidContent(errors={"slug": too_long})
    fields = _normalised_fields(fields)
    _validate_sections(sections)
    if Article.objects.filter(slug=slug).exists():
        raise SlugTaken()
    _ensure_external_id_free(external_id=fields.get("external_id"), article_pk=None)
    article = Article(slug=slug, author=author, **fields)
    _save_article(article, user=author, reason=reason)
    _sync_sections(article=article, current=[], desired=sections, user=author, reason=reason)
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    user,
    if_match: str | None,
    fields: dict[str, Any],
    reason: str | None = None,
) -> Article:
    """Change some of the article's own fields (a PATCH); sections stay as they are."""
    require_role(user, EDITORS, action="change articles")
    reason = _checked_reason(reason, default="Edited")
    article, _ = _lock_with_current_etag(article=article, if_match=if_match)
    fields = _normalised_fields(fields)
    _ensure_external_id_free(external_id=fields.get("external_id"), article_pk=article.pk)
    if all(getattr(article, name) == value for name, value in fields.items()):
        return article
    for name, value in fields.items():
        setattr(article, name, value)
    _save_article(article, user=user, reason=reason)
    return article


@transaction.atomic
def article_put(
    *,
    slug: str,
    user,
    if_match: str | None,
    fields: dict[str, Any],
    sections: Sequence[dict[str, Any]],
    reason: str | None = None,
) -> tuple[Article, bool]:
    """Make the article `slug` exactly this document (a PUT), matching sections by anchor.

    When no article has the slug it is created, and If-Match must be left out; otherwise
    If-Match must name the current ETag. Returns the article and whether it was created.
    """
    article = Article.objects.filter(slug=slug).first()
    require_role(user, EDITORS, action="create articles" if article is None else "change articles")
    if article is None:
        _refuse_if_match_without_article(slug=slug, if_match=if_match)
        created = article_create(
            author=user, slug=slug, fields=fields, sections=sections, reason=reason
        )
        return created, True
    reason = _checked_reason(reason, default="Replaced by a full update")
    article, current = _lock_with_current_etag(article=article, if_match=if_match)
    replaced = _replace_locked(
        article=article, current=current, fields=fields, sections=sections, user=user, reason=reason
    )
    return replaced, False


def _refuse_if_match_without_article(*, slug: str, if_match: str | None) -> None:
    """412 when If-Match names a version of an article that does not exist (RFC 9110 13.1.1)."""
    if if_match is None or not if_match.strip():
        return
    if if_match.strip() != "*":
        parse_if_match(if_match)  # a malformed header is a 400 here too
    raise PreconditionFailed(
        f"No article has the slug {slug!r}: leave If-Match out to create it, or check the slug."
    )


@transaction.atomic
def article_revert(
    *,
    article: Article,
    version: Version,
    user,
    if_match: str | None,
    reason: str | None = None,
) -> Article:
    """Make the working copy's content equal to a frozen version's, as a PUT of it would.

    Title, summary, topics, audience and the sections (matched by anchor, in the version's
    order) become the version's; the CMS's external_id is not content and stays. Each changed
    row is recorded in the history; nothing is published.
    """
    require_role(user, EDITORS, action="revert articles")
    if version.article_id != article.pk:
        raise Http404(f"Article {article.slug!r} has no version {version.number}.")
    reason = _checked_reason(reason, default=f"Reverted to version {version.number}")
    article, current = _lock_with_current_etag(article=article, if_match=if_match)
    snapshot = working_copy_snapshot(article=article, sections=current)
    if content_hash(snapshot) == version.content_hash:
        raise NothingToRevert(
            f"The working copy already equals version {version.number}: nothing to revert."
        )
    frozen = version_snapshot(version)
    return _replace_locked(
        article=article,
        current=current,
        fields={name: frozen[name] for name in ARTICLE_CONTENT_FIELDS}
        | {"external_id": article.external_id},
        sections=frozen["sections"],
        user=user,
        reason=reason,
    )


@transaction.atomic
def section_create(
    *,
    article: Article,
    user,
    if_match: str | None,
    anchor: str,
    heading: str,
    body: str = "",
    position: int | None = None,
    reason: str | None = None,
) -> Section:
    """Add a section at `position` (at the end when None), moving later sections down."""
    require_role(user, EDITORS, action="change articles")
    reason = _checked_reason(reason, default=f"Added {anchor}")
    article, current = _lock_with_current_etag(article=article, if_match=if_match)
    if any(section.anchor == anchor for section in current):
        raise AnchorTaken()
    if len(current) >= settings.ARTICLE_MAX_SECTIONS:
        raise TooManySections(
            f"The article already has the maximum of {settings.ARTICLE_MAX_SECTIONS} sections."
        )
    errors = _validate_section(anchor=anchor, heading=heading, body=body)
    if errors:
        raise InvalidContent(errors=errors)
    desired = [{"anchor": section.anchor} for section in current]
    place = len(desired) if position is None else min(position, len(desired))
    desired.insert(place, {"anchor": anchor, "heading": heading, "body": body})
    result = _sync_sections(
        article=article, current=current, desired=desired, user=user, reason=reason
    )
    _touch(article)
    return result[place]


@transaction.atomic
def section_update(
    *,
    article: Article,
    anchor: str,
    user,
    if_match: str | None,
    changes: dict[str, Any],
    reason: str | None = None,
) -> Section:
    """Change a section's heading, body and/or position."""
    require_role(user, EDITORS, action="change articles")
    reason = _checked_reason(reason, default=f"Edited {anchor}")
    article, current = _lock_with_current_etag(article=article, if_match=if_match)
    section = next((section for section in current if section.anchor == anchor), None)
    if section is None:
        raise Http404(f"Article {article.slug!r} has no section with the anchor {anchor!r}.")
    heading = changes.get("heading", section.heading)
    body = changes.get("body", section.body)
    errors = _validate_section(anchor=anchor, heading=heading, body=body)
    if errors:
        raise InvalidContent(errors=errors)
    desired = [{"anchor": other.anchor} for other in current if other.anchor != anchor]
    position = changes.get("position", section.position)
    place = min(position, len(desired))
    desired.insert(place, {"anchor": anchor, "heading": heading, "body": body})
    result = _sync_sections(
        article=article, current=current, desired=desired, user=user, reason=reason
    )
    _touch(article)
    return result[place]


@transaction.atomic
def section_delete(
    *, article: Article, anchor: str, user, if_match: str | None, reason: str | None = None
) -> None:
    """Delete a section; later sections move up so positions stay 0..n-1."""
    require_role(user, EDITORS, action="change articles")
    reason = _checked_reason(reason, default=f"Deleted {anchor}")
    article, current = _lock_with_current_etag(article=article, if_match=if_match)
    if not any(section.anchor == anchor for section in current):
        raise Http404(f"Article {article.slug!r} has no section with the anchor {anchor!r}.")
    desired = [{"anchor": section.anchor} for section in current if section.anchor != anchor]
    _sync_sections(article=article, current=current, desired=desired, user=user, reason=reason)
    _touch(article)


@transaction.atomic
def section_reorder(
    *,
    article: Article,
    user,
    if_match: str | None,
    anchors: Sequence[str],
    reason: str | None = None,
) -> list[Section]:
    """Put the sections in this order; `anchors` must name every section exactly once."""
    require_role(user, EDITORS, action="change articles")
    reason = _checked_reason(reason, default="Reordered sections")
    article, current = _lock_with_current_etag(article=article, if_match=if_match)
    existing = [section.anchor for section in current]
    if sorted(anchors) != sorted(existing) or len(set(anchors)) != len(anchors):
        missing = sorted(set(existing) - set(anchors))
        unknown = sorted(set(anchors) - set(existing))
        problems = []
        if missing:
            problems.append(f"missing: {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown: {', '.join(unknown)}")
        if len(set(anchors)) != len(anchors):
            problems.append("some anchors are listed twice")
        raise InvalidContent(
            "List every anchor of the article exactly once, in the new order.",
            errors={
                "anchors": [f"Not a permutation of the current anchors ({'; '.join(problems)})."]
            },
        )
    result = _sync_sections(
        article=article,
        current=current,
        desired=[{"anchor": anchor} for anchor in anchors],
        user=user,
        reason=reason,
    )
    _touch(article)
    return result
