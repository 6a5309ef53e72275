"""Versions and publication: freeze, publish, retract, flag overdue reviews, record events."""

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from articles.exceptions import (
    AlreadyRetracted,
    EmptyArticle,
    NothingToSubmit,
    NotPublished,
    OlderThanLive,
)
from articles.models import (
    Article,
    Event,
    EventSequence,
    EventType,
    Publication,
    PublicationStatus,
    Version,
)
from articles.rendering import Attribution, publication_render, publication_values
from articles.selectors import reference_list, section_list
from articles.services.preconditions import lock_with_current_etag
from articles.services.validation import ensure_citations_known
from articles.services.webhooks import webhook_deliveries_enqueue
from articles.snapshots import content_hash, working_copy_snapshot
from ldncontent.exceptions import (
    InvalidContent,
)
from ldncontent.permissions import (
    CLINICAL_REVIEWERS,
    EDITORS,
    PUBLISHING_ADMINS,
    require_role,
)


@transaction.atomic
def version_submit(
    *, article: Article, user, note: str = "", if_match: str | None = None
) -> Version:
    """Freeze the working copy as the article's next Version, its references included.

    `If-Match` is optional here (submitting does not change the working copy), but when it is
    sent it must be current, so a CMS freezes exactly what it last saw. Every reference is
    frozen, cited or not (the review sees them all); only cited ones are ever served. A
    citation of an unknown key is refused, naming it.
    """
    require_role(user, EDITORS, action="submit articles for review")
    if if_match is not None:
        article, sections = lock_with_current_etag(article=article, if_match=if_match)
    else:
        article = Article.objects.select_for_update().get(pk=article.pk)
        sections = section_list(article=article)
    if not sections:
        raise EmptyArticle()
    references = reference_list(article=article)
    ensure_citations_known(
        bodies=[(f"sections[{section.anchor}].body", section.body) for section in sections],
        keys=[reference.key for reference in references],
    )
    snapshot = working_copy_snapshot(article=article, sections=sections, references=references)
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
        references=snapshot.get("references", []),
        content_hash=digest,
        submitted_by=user,
        submitted_at=timezone.now(),
        note=note,
    )


def _publication_save(publication: Publication, *, now: datetime) -> None:
    """Save a changed publication with its served bytes made anew from its fields."""
    publication_render(publication=publication, now=now)
    publication.save()


@transaction.atomic
def publish(*, version: Version, attribution: Attribution, actor) -> Publication:
    """Make `version` the served content of its article, with its reviewer's attribution.

    Called by the review workflow on approval, inside its transaction; nothing else writes
    content into the Publication. The workflow checked the clinician profile; the role is
    checked here again.
    """
    article = Article.objects.select_for_update().get(pk=version.article_id)
    publication = Publication.objects.select_for_update().filter(article=article).first()
    if publication is not None and publication.version.number > version.number:
        raise OlderThanLive(
            f"Version {publication.version.number} is already live; version {version.number} "
            "is older."
        )
    require_role(actor, CLINICAL_REVIEWERS, action="publish approved versions")
    now = timezone.now()
    values = publication_values(
        version=version, slug=article.slug, attribution=attribution, now=now
    )
    if publication is None:
        publication = Publication(article=article, **values)
    else:
        for name, value in values.items():
            setattr(publication, name, value)
    publication._history_user = actor
    publication._change_reason = f"Published version {version.number}"
    _publication_save(publication, now=now)
    event_emit(
        type=EventType.PUBLISHED,
        article=article,
        version=version,
        data={
            "reviewer_name": attribution.reviewer_name,
            "review_kind": attribution.review_kind,
            "next_review_due": attribution.next_review_due.isoformat(),
            "sign_offs": list(attribution.sign_offs),
        },
    )
    return publication


@transaction.atomic
def publication_retract(*, article: Article, user, reason: str) -> Publication:
    """Withdraw the article's live version from delivery; the record stays in history."""
    require_role(user, PUBLISHING_ADMINS, CLINICAL_REVIEWERS, action="retract articles")
    return _retract(article=article, user=user, reason=reason)


@transaction.atomic
def publication_withdraw_due(*, article: Article, set_by, reason: str) -> Publication:
    """Retract the article at a time set earlier (scheduling's withdrawals), in `set_by`'s
    name and through the same path as `publication_retract`.

    No role is checked now: whoever set the time was checked then, and withdrawing serves
    nothing new, so a medical article does not stay live past its end because the person
    who set that end has since left.
    """
    return _retract(article=article, user=set_by, reason=reason)


def _retract(*, article: Article, user, reason: str) -> Publication:
    if not reason.strip():
        raise InvalidContent(errors={"reason": ["Say why the article is retracted."]})
    # Article first, as publishing and the review workflow lock it: no lock-order cycles.
    article = Article.objects.select_for_update().get(pk=article.pk)
    publication = Publication.objects.select_for_update().filter(article=article).first()
    if publication is None:
        raise NotPublished()
    if publication.status == PublicationStatus.RETRACTED:
        raise AlreadyRetracted()
    now = timezone.now()
    publication.status = PublicationStatus.RETRACTED
    publication.retracted_at = now
    publication.retraction_reason = reason.strip()
    publication.retracted_by = user
    publication._history_user = user
    publication._change_reason = f"Retracted: {reason.strip()}"[:100]
    _publication_save(publication, now=now)
    event_emit(
        type=EventType.RETRACTED,
        article=article,
        version=publication.version,
        data={"reason": publication.retraction_reason},
    )
    return publication


def event_emit(
    *, type: str, article: Article, version: Version | None, data: dict[str, Any]
) -> Event:
    """Append an event in the caller's transaction, in commit order, and queue its webhooks.

    Locking the single sequence row makes event-writing transactions commit one after the
    other, so positions become visible in order and a reader paging by position never skips
    one that commits late. A rolled-back change therefore leaves no event and no delivery.
    """
    sequence, _ = EventSequence.objects.select_for_update().get_or_create(pk=1)
    sequence.last_position += 1
    sequence.save(update_fields=["last_position"])
    event = Event.objects.create(
        position=sequence.last_position,
        type=type,
        article=article,
        slug=article.slug,
        version=version.number if version else None,
        content_hash=version.content_hash if version else "",
        occurred_at=timezone.now(),
        data=data,
    )
    webhook_deliveries_enqueue(event=event)
    return event


@transaction.atomic
def publications_mark_overdue(*, today: date) -> list[Publication]:
    """Flag live publications whose review date has passed, once per due date, with an event.

    The stored payload is rendered again with `review_overdue: true`, so its ETag changes
    and caches refetch it.
    """
    overdue = list(
        Publication.objects.select_for_update()
        .select_related("version", "article")
        .overdue(today=today)
        .filter(review_overdue=False)
    )
    now = timezone.now()
    for publication in overdue:
        publication.review_overdue = True
        publication._change_reason = "Review overdue"
        _publication_save(publication, now=now)
        event_emit(
            type=EventType.REVIEW_OVERDUE,
            article=publication.article,
            version=publication.version,
            data={"next_review_due": publication.next_review_due.isoformat()},
        )
    return overdue
