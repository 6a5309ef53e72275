"""Writes: the working copy (locked, If-Match checked, history recorded), versions, publication."""

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from articles.exceptions import (
    AlreadyRetracted,
    AnchorTaken,
    EmptyArticle,
    ExternalIdTaken,
    NothingToSubmit,
    NotPublished,
    OlderThanLive,
    SlugTaken,
    TooManySections,
)
from articles.models import (
    Article,
    ConsumerApiKey,
    ConsumerSite,
    Event,
    EventSequence,
    EventType,
    Publication,
    PublicationStatus,
    Section,
    Version,
    slug_validator,
)
from articles.rendering import Attribution, payload_bytes, render_payload
from articles.selectors import article_etag, section_list
from articles.snapshots import content_hash, working_copy_snapshot
from ldncontent.exceptions import (
    InvalidContent,
    PreconditionFailed,
    PreconditionRequired,
)
from ldncontent.http import parse_etag_list
from ldncontent.permissions import (
    CLINICAL_REVIEWERS,
    EDITORS,
    PUBLISHING_ADMINS,
    require_role,
)

ARTICLE_FIELDS = ("title", "summary", "topics", "audience", "external_id")
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
    if len(anchor) > Section._meta.get_field("anchor").max_length:
        errors.setdefault(f"{prefix}anchor", []).append("Use at most 80 characters.")
    if not heading.strip():
        errors[f"{prefix}heading"] = ["A section needs a heading that is not blank."]
    if len(body) > settings.SECTION_BODY_MAX_CHARS:
        errors[f"{prefix}body"] = [
            f"The body has {len(body)} characters; the limit is {settings.SECTION_BODY_MAX_CHARS}:"
            " split it into several sections."
        ]
    return errors


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


def _normalised_fields(fields: dict[str, Any]) -> dict[str, Any]:
    fields = dict(fields)
    if "topics" in fields:
        fields["topics"] = list(dict.fromkeys(fields["topics"]))
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


def _lock_with_current_etag(*, article: Article, if_match: str | None) -> tuple[Article, list]:
    """Lock the article row, then refuse the write unless If-Match names its current ETag."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired()
    if if_match.strip() == "*":
        raise PreconditionRequired(
            "If-Match: * is not accepted: send the ETag from your last GET of this article, "
            "so that no one else's change is overwritten."
        )
    article = Article.objects.select_for_update().get(pk=article.pk)
    sections = section_list(article=article)
    if article_etag(article=article, sections=sections) not in parse_etag_list(if_match):
        raise PreconditionFailed()
    return article, sections


def _touch(article: Article) -> None:
    # updated_at is not a tracked field: a queryset update keeps section-only edits out of
    # the article's own history while still moving its modification time.
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())


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
    reason: str = "Created",
) -> Article:
    """Create an article with its sections; nothing is published."""
    try:
        slug_validator(slug)
    except DjangoValidationError as error:
        raise InvalidContent(errors={"slug": list(error.messages)}) from error
    if len(slug) > Article._meta.get_field("slug").max_length:
        raise InvalidContent(errors={"slug": ["Use at most 120 characters."]})
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
    *, article: Article, user, if_match: str | None, fields: dict[str, Any], reason: str = "Edited"
) -> Article:
    """Change some of the article's own fields (a PATCH); sections stay as they are."""
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
def article_replace(
    *,
    article: Article,
    user,
    if_match: str | None,
    fields: dict[str, Any],
    sections: Sequence[dict[str, Any]],
    reason: str = "Replaced by a full update",
) -> Article:
    """Make the working copy exactly this document (a PUT), matching sections by anchor."""
    article, current = _lock_with_current_etag(article=article, if_match=if_match)
    complete = {
        "summary": "",
        "topics": [],
        "audience": Article._meta.get_field("audience").default,
        "external_id": None,
    }
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
) -> Section:
    """Add a section at `position` (at the end when None), moving later sections down."""
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
        article=article, current=current, desired=desired, user=user, reason=f"Added {anchor}"
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
) -> Section:
    """Change a section's heading, body and/or position."""
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
        article=article, current=current, desired=desired, user=user, reason=f"Edited {anchor}"
    )
    _touch(article)
    return result[place]


@transaction.atomic
def section_delete(*, article: Article, anchor: str, user, if_match: str | None) -> None:
    """Delete a section; later sections move up so positions stay 0..n-1."""
    article, current = _lock_with_current_etag(article=article, if_match=if_match)
    if not any(section.anchor == anchor for section in current):
        raise Http404(f"Article {article.slug!r} has no section with the anchor {anchor!r}.")
    desired = [{"anchor": section.anchor} for section in current if section.anchor != anchor]
    _sync_sections(
        article=article, current=current, desired=desired, user=user, reason=f"Deleted {anchor}"
    )
    _touch(article)


@transaction.atomic
def section_reorder(
    *, article: Article, user, if_match: str | None, anchors: Sequence[str]
) -> list[Section]:
    """Put the sections in this order; `anchors` must name every section exactly once."""
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
        reason="Reordered sections",
    )
    _touch(article)
    return result


@transaction.atomic
def version_submit(
    *, article: Article, user, note: str = "", if_match: str | None = None
) -> Version:
    """Freeze the working copy as the article's next Version.

    `If-Match` is optional here (submitting does not change the working copy), but when it is
    sent it must be current, so a CMS freezes exactly what it last saw.
    """
    require_role(user, EDITORS, action="submit articles for review")
    if if_match is not None:
        article, sections = _lock_with_current_etag(article=article, if_match=if_match)
    else:
        article = Article.objects.select_for_update().get(pk=article.pk)
        sections = section_list(article=article)
    if not sections:
        raise EmptyArticle()
    snapshot = working_copy_snapshot(article=article, sections=sections)
    digest = content_hash(snapshot)
    latest = article.versions.order_by("-number").first()
    if latest is not None and latest.content_hash == digest:
        raise NothingToSubmit(
            f"The working copy is identical to version {latest.number}: edit it before submitting."
        )
    return Version.objects.create(
        article=article,
        number=(latest.number + 1) if latest else 1,
        title=snapshot["title"],
        summary=snapshot["summary"],
        topics=snapshot["topics"],
        audience=snapshot["audience"],
        sections=snapshot["sections"],
        content_hash=digest,
        submitted_by=user,
        submitted_at=timezone.now(),
        note=note,
    )


def _publication_etag(*, version: Version, payload: bytes) -> str:
    # Derived from the content hash, plus the payload's own digest so that a change of the
    # review metadata (e.g. review_overdue) also changes the validator a CDN holds.
    payload_digest = hashlib.sha256(payload).hexdigest()[:16]
    return f'"v{version.number}-{version.content_hash[:16]}-{payload_digest}"'


@transaction.atomic
def publish(*, version: Version, attribution: Attribution, actor) -> Publication:
    """Make `version` the served content of its article, with its reviewer's attribution.

    Called by the review workflow on approval, inside its transaction; nothing else writes
    content into the Publication.
    """
    article = Article.objects.select_for_update().get(pk=version.article_id)
    publication = Publication.objects.select_for_update().filter(article=article).first()
    if publication is not None and publication.version.number > version.number:
        raise OlderThanLive(
            f"Version {publication.version.number} is already live; version {version.number} "
            "is older."
        )
    now = timezone.now()
    review_overdue = attribution.next_review_due < now.date()
    payload = render_payload(
        version=version, slug=article.slug, attribution=attribution, review_overdue=review_overdue
    )
    raw = payload_bytes(payload)
    values = {
        "slug": article.slug,
        "version": version,
        "status": PublicationStatus.LIVE,
        "payload": raw,
        "etag": _publication_etag(version=version, payload=raw),
        "content_hash": version.content_hash,
        "title": version.title,
        "summary": version.summary,
        "topics": version.topics,
        "audience": version.audience,
        "reviewer_name": attribution.reviewer_name,
        "reviewer_credentials": attribution.reviewer_credentials,
        "review_kind": attribution.review_kind,
        "approved_at": attribution.approved_at,
        "last_reviewed": attribution.last_reviewed,
        "next_review_due": attribution.next_review_due,
        "review_overdue": review_overdue,
        "published_at": now,
        "retracted_at": None,
        "retraction_reason": "",
        "retracted_by": None,
    }
    if publication is None:
        publication = Publication(article=article, **values)
    else:
        for name, value in values.items():
            setattr(publication, name, value)
    publication._history_user = actor
    publication._change_reason = f"Published version {version.number}"
    publication.save()
    _emit_event(
        type=EventType.PUBLISHED,
        publication=publication,
        data={
            "reviewer_name": attribution.reviewer_name,
            "review_kind": attribution.review_kind,
            "next_review_due": attribution.next_review_due.isoformat(),
        },
    )
    return publication


@transaction.atomic
def publication_retract(*, article: Article, user, reason: str) -> Publication:
    """Withdraw the article's live version from delivery; the record stays in history."""
    require_role(user, PUBLISHING_ADMINS, CLINICAL_REVIEWERS, action="retract articles")
    if not reason.strip():
        raise InvalidContent(errors={"reason": ["Say why the article is retracted."]})
    publication = Publication.objects.select_for_update().filter(article=article).first()
    if publication is None:
        raise NotPublished()
    if publication.status == PublicationStatus.RETRACTED:
        raise AlreadyRetracted()
    publication.status = PublicationStatus.RETRACTED
    publication.retracted_at = timezone.now()
    publication.retraction_reason = reason.strip()
    publication.retracted_by = user
    publication._history_user = user
    publication._change_reason = f"Retracted: {reason.strip()}"[:100]
    publication.save()
    _emit_event(
        type=EventType.RETRACTED,
        publication=publication,
        data={"reason": publication.retraction_reason},
    )
    return publication


def _emit_event(*, type: str, publication: Publication, data: dict[str, Any]) -> Event:
    """Append an event in the caller's transaction, in commit order.

    Locking the single sequence row makes event-writing transactions commit one after the
    other, so positions become visible in order and a reader paging by position never skips
    one that commits late.
    """
    sequence, _ = EventSequence.objects.select_for_update().get_or_create(pk=1)
    sequence.last_position += 1
    sequence.save(update_fields=["last_position"])
    return Event.objects.create(
        position=sequence.last_position,
        type=type,
        article_id=publication.article_id,
        slug=publication.slug,
        version=publication.version.number,
        content_hash=publication.content_hash,
        occurred_at=timezone.now(),
        data=data,
    )


@transaction.atomic
def publications_mark_overdue(*, today: date) -> list[Publication]:
    """Flag live publications whose review date has passed, once per due date, with an event.

    The stored payload is rendered again with `review_overdue: true`, so its ETag changes
    and caches refetch it.
    """
    overdue = list(
        Publication.objects.select_for_update()
        .select_related("version")
        .filter(status=PublicationStatus.LIVE, review_overdue=False, next_review_due__lt=today)
    )
    for publication in overdue:
        payload = render_payload(
            version=publication.version,
            slug=publication.slug,
            attribution=Attribution(
                reviewer_name=publication.reviewer_name,
                reviewer_credentials=publication.reviewer_credentials,
                review_kind=publication.review_kind,
                approved_at=publication.approved_at,
                last_reviewed=publication.last_reviewed,
                next_review_due=publication.next_review_due,
            ),
            review_overdue=True,
        )
        raw = payload_bytes(payload)
        publication.payload = raw
        publication.etag = _publication_etag(version=publication.version, payload=raw)
        publication.review_overdue = True
        publication._change_reason = "Review overdue"
        publication.save()
        _emit_event(
            type=EventType.REVIEW_OVERDUE,
            publication=publication,
            data={"next_review_due": publication.next_review_due.isoformat()},
        )
    return overdue


@transaction.atomic
def consumer_key_issue(
    *, site: ConsumerSite, name: str, expires_at: datetime | None = None
) -> tuple[ConsumerApiKey, str]:
    """Issue an API key for a consuming site; the plain key is returned once, only its hash kept."""
    if not site.active:
        raise InvalidContent(errors={"site": ["The site is inactive: activate it first."]})
    return ConsumerApiKey.objects.create_key(site=site, name=name, expiry_date=expires_at)


@transaction.atomic
def consumer_key_revoke(*, key: ConsumerApiKey) -> ConsumerApiKey:
    """Revoke a key: it stops working at once and cannot be restored."""
    key = ConsumerApiKey.objects.select_for_update().get(pk=key.pk)
    key.revoked = True
    key.save(update_fields=["revoked"])
    return key
