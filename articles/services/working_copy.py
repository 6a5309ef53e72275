"""Writes to the working copy: each checks the editors role, locks the article, checks If-Match
and records history (rules in services.validation, If-Match in services.preconditions, the rows
in services.section_sync)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404

from articles.exceptions import AnchorTaken, NothingToRevert, SlugTaken, TooManySections
from articles.models import (
    ARTICLE_CONTENT_FIELDS,
    ARTICLE_EDITABLE_FIELDS,
    Article,
    Section,
    Version,
    slug_validator,
)
from articles.selectors import reference_list
from articles.services.preconditions import (
    lock_with_current_etag,
    refuse_if_match_without_article,
)
from articles.services.references import sync_references, validate_references
from articles.services.section_sync import save_article, sync_sections, touch_article
from articles.services.validation import (
    checked_reason,
    ensure_citations_known,
    ensure_external_id_free,
    length_errors,
    normalised_fields,
    validate_section,
    validate_sections,
)
from articles.snapshots import content_hash, version_snapshot, working_copy_snapshot
from ldncontent.exceptions import InvalidContent
from ldncontent.permissions import EDITORS, require_role


def _replace_locked(
    *,
    article: Article,
    current: list[Section],
    fields: dict[str, Any],
    sections: Sequence[dict[str, Any]],
    references: Sequence[dict[str, Any]] | None,
    user,
    reason: str,
) -> Article:
    """Make the locked article exactly this document, matching sections by anchor and
    references by key (`references` None: they stay as they are).

    Optional fields left out get their defaults; only what really changes is saved.
    """
    complete = _optional_field_defaults()
    complete.update(fields)
    complete = normalised_fields(complete)
    validate_sections(sections)
    current_references = reference_list(article=article)
    if references is not None:
        validate_references(references)
    keys = (
        [reference.key for reference in current_references]
        if references is None
        else [item["key"] for item in references]
    )
    _ensure_document_citations_known(sections=sections, keys=keys)
    ensure_external_id_free(external_id=complete["external_id"], article_pk=article.pk)
    if any(getattr(article, name) != value for name, value in complete.items()):
        for name, value in complete.items():
            setattr(article, name, value)
        save_article(article, user=user, reason=reason)
    sync_sections(article=article, current=current, desired=sections, user=user, reason=reason)
    if references is not None:
        sync_references(
            article=article,
            current=current_references,
            desired=references,
            user=user,
            reason=reason,
        )
    touch_article(article)
    return article


def _ensure_document_citations_known(
    *, sections: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    ensure_citations_known(
        bodies=[
            (f"sections[{index}].body", section.get("body", ""))
            for index, section in enumerate(sections)
        ],
        keys=keys,
    )


_DATE_FIELDS = ("published_on", "accessed_on")


def _optional_field_defaults() -> dict[str, Any]:
    """What a PUT gives the article's optional fields it leaves out: the model's defaults."""
    fields = [Article._meta.get_field(name) for name in ARTICLE_EDITABLE_FIELDS]
    return {
        field.name: field.get_default() for field in fields if field.has_default() or field.blank
    }


@transaction.atomic
def article_create(
    *,
    author,
    slug: str,
    fields: dict[str, Any],
    sections: Sequence[dict[str, Any]] = (),
    references: Sequence[dict[str, Any]] = (),
    reason: str | None = None,
) -> Article:
    """Create an article with its sections and references; nothing is published."""
    require_role(author, EDITORS, action="create articles")
    reason = checked_reason(reason, default="Created")
    try:
        slug_validator(slug)
    except DjangoValidationError as error:
        raise InvalidContent(errors={"slug": list(error.messages)}) from error
    if too_long := length_errors(slug, model=Article, field="slug"):
        raise InvalidContent(errors={"slug": too_long})
    fields = normalised_fields(fields)
    validate_sections(sections)
    validate_references(references)
    _ensure_document_citations_known(sections=sections, keys=[item["key"] for item in references])
    if Article.objects.filter(slug=slug).exists():
        raise SlugTaken()
    ensure_external_id_free(external_id=fields.get("external_id"), article_pk=None)
    article = Article(slug=slug, author=author, **fields)
    save_article(article, user=author, reason=reason)
    sync_sections(article=article, current=[], desired=sections, user=author, reason=reason)
    sync_references(article=article, current=[], desired=references, user=author, reason=reason)
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
    reason = checked_reason(reason, default="Edited")
    article, _ = lock_with_current_etag(article=article, if_match=if_match)
    fields = normalised_fields(fields)
    ensure_external_id_free(external_id=fields.get("external_id"), article_pk=article.pk)
    if all(getattr(article, name) == value for name, value in fields.items()):
        return article
    for name, value in fields.items():
        setattr(article, name, value)
    save_article(article, user=user, reason=reason)
    return article


@transaction.atomic
def article_put(
    *,
    slug: str,
    user,
    if_match: str | None,
    fields: dict[str, Any],
    sections: Sequence[dict[str, Any]],
    references: Sequence[dict[str, Any]] | None = None,
    reason: str | None = None,
) -> tuple[Article, bool]:
    """Make the article `slug` exactly this document (a PUT), matching sections by anchor
    and references by key; `references` None leaves the references as they are.

    When no article has the slug it is created, and If-Match must be left out; otherwise
    If-Match must name the current ETag. Returns the article and whether it was created.
    """
    article = Article.objects.filter(slug=slug).first()
    require_role(user, EDITORS, action="create articles" if article is None else "change articles")
    if article is None:
        refuse_if_match_without_article(slug=slug, if_match=if_match)
        created = article_create(
            author=user,
            slug=slug,
            fields=fields,
            sections=sections,
            references=references or (),
            reason=reason,
        )
        return created, True
    reason = checked_reason(reason, default="Replaced by a full update")
    article, current = lock_with_current_etag(article=article, if_match=if_match)
    replaced = _replace_locked(
        article=article,
        current=current,
        fields=fields,
        sections=sections,
        references=references,
        user=user,
        reason=reason,
    )
    return replaced, False


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

    Title, summary, topics, audience, the sections (matched by anchor, in the version's
    order) and the references (matched by key) become the version's; the CMS's external_id
    is not content and stays. Each changed row is recorded in the history; nothing is
    published.
    """
    require_role(user, EDITORS, action="revert articles")
    if version.article_id != article.pk:
        raise Http404(f"Article {article.slug!r} has no version {version.number}.")
    reason = checked_reason(reason, default=f"Reverted to version {version.number}")
    article, current = lock_with_current_etag(article=article, if_match=if_match)
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
        references=[
            {
                name: date.fromisoformat(value) if name in _DATE_FIELDS and value else value
                for name, value in item.items()
            }
            for item in frozen.get("references", [])
        ],
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
    reason = checked_reason(reason, default=f"Added {anchor}")
    article, current = lock_with_current_etag(article=article, if_match=if_match)
    if any(section.anchor == anchor for section in current):
        raise AnchorTaken()
    if len(current) >= settings.ARTICLE_MAX_SECTIONS:
        raise TooManySections(
            f"The article already has the maximum of {settings.ARTICLE_MAX_SECTIONS} sections."
        )
    errors = validate_section(anchor=anchor, heading=heading, body=body)
    if errors:
        raise InvalidContent(errors=errors)
    keys = [reference.key for reference in reference_list(article=article)]
    ensure_citations_known(bodies=[("body", body)], keys=keys)
    desired = [{"anchor": section.anchor} for section in current]
    place = len(desired) if position is None else min(position, len(desired))
    desired.insert(place, {"anchor": anchor, "heading": heading, "body": body})
    result = sync_sections(
        article=article, current=current, desired=desired, user=user, reason=reason
    )
    touch_article(article)
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
    reason = checked_reason(reason, default=f"Edited {anchor}")
    article, current = lock_with_current_etag(article=article, if_match=if_match)
    section = next((section for section in current if section.anchor == anchor), None)
    if section is None:
        raise Http404(f"Article {article.slug!r} has no section with the anchor {anchor!r}.")
    heading = changes.get("heading", section.heading)
    body = changes.get("body", section.body)
    errors = validate_section(anchor=anchor, heading=heading, body=body)
    if errors:
        raise InvalidContent(errors=errors)
    if "body" in changes:
        keys = [reference.key for reference in reference_list(article=article)]
        ensure_citations_known(bodies=[("body", body)], keys=keys)
    desired = [{"anchor": other.anchor} for other in current if other.anchor != anchor]
    position = changes.get("position", section.position)
    place = min(position, len(desired))
    desired.insert(place, {"anchor": anchor, "heading": heading, "body": body})
    result = sync_sections(
        article=article, current=current, desired=desired, user=user, reason=reason
    )
    touch_article(article)
    return result[place]


@transaction.atomic
def section_delete(
    *, article: Article, anchor: str, user, if_match: str | None, reason: str | None = None
) -> None:
    """Delete a section; later sections move up so positions stay 0..n-1."""
    require_role(user, EDITORS, action="change articles")
    reason = checked_reason(reason, default=f"Deleted {anchor}")
    article, current = lock_with_current_etag(article=article, if_match=if_match)
    if not any(section.anchor == anchor for section in current):
        raise Http404(f"Article {article.slug!r} has no section with the anchor {anchor!r}.")
    desired = [{"anchor": section.anchor} for section in current if section.anchor != anchor]
    sync_sections(article=article, current=current, desired=desired, user=user, reason=reason)
    touch_article(article)


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
    reason = checked_reason(reason, default="Reordered sections")
    article, current = lock_with_current_etag(article=article, if_match=if_match)
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
    result = sync_sections(
        article=article,
        current=current,
        desired=[{"anchor": anchor} for anchor in anchors],
        user=user,
        reason=reason,
    )
    touch_article(article)
    return result
