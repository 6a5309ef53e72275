"""Flagging articles whose evidence no longer stands: a dead link, or a source its publisher
withdrew or superseded. Every article citing such a source gets a `reference.flagged` event
(CMS webhooks only), and the staff side shows the flag on the article."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.citations import cited_keys
from articles.models import (
    REFERENCE_IDENTIFIER_FIELDS,
    EventType,
    Reference,
    ReferenceCheckResult,
    Section,
)
from articles.services.publishing import event_emit


def same_source(references: Sequence[Reference]) -> Q:
    """References (of any article) that share an identifier with one of `references`."""
    condition = Q(pk__in=[reference.pk for reference in references])
    for reference in references:
        for name in REFERENCE_IDENTIFIER_FIELDS:
            value = getattr(reference, name)
            if value:
                condition |= Q(**{name: value})
    return condition


def references_flag(
    *, references: Sequence[Reference], reason: str, include_same_identifiers: bool
) -> list[Reference]:
    """Emit `reference.flagged` for every article whose working copy cites one of these
    references (or, with `include_same_identifiers`, any reference with the same DOI, PMID,
    guideline id or URL). Runs in the caller's transaction; returns the citing references."""
    if not references:
        return []
    candidates = (
        Reference.objects.filter(same_source(references)).select_related("article")
        if include_same_identifiers
        else Reference.objects.filter(pk__in=[r.pk for r in references]).select_related("article")
    )
    candidates = list(candidates.order_by("article_id", "key"))
    bodies: dict[int, list[str]] = {}
    for article_id, body in Section.objects.filter(
        article_id__in={reference.article_id for reference in candidates}
    ).values_list("article_id", "body"):
        bodies.setdefault(article_id, []).append(body)
    flagged = []
    for reference in candidates:
        cited = any(
            reference.key in cited_keys(body) for body in bodies.get(reference.article_id, [])
        )
        if not cited:
            continue
        flagged.append(reference)
        event_emit(
            type=EventType.REFERENCE_FLAGGED,
            article=reference.article,
            version=None,
            data={
                "key": reference.key,
                "reason": reason,
                "title": reference.title,
                **{name: getattr(reference, name) for name in REFERENCE_IDENTIFIER_FIELDS},
                "status": reference.status,
                "check_result": reference.check_result,
            },
        )
    return flagged


@transaction.atomic
def reference_check_record(*, reference: Reference, resolves: bool | None, detail: str) -> None:
    """Record a link check on every reference with the same link; a link that has just gone
    dead flags every article citing one of them (once: not again while it stays dead).

    The check fields are not content (no editor writes them, no version freezes them), so
    they are written without a history record of each check.
    """
    same_link = Q(url=reference.url) if reference.url else Q(url="", doi=reference.doi)
    references = list(Reference.objects.select_for_update().filter(same_link).order_by("pk"))
    if not references:  # deleted since the check began
        return
    now = timezone.now()
    values = {"last_checked_at": now, "check_detail": detail[:300]}
    if resolves is True:
        values.update(check_result=ReferenceCheckResult.OK, dead_since=None)
    elif resolves is False:
        values["check_result"] = ReferenceCheckResult.DEAD
    Reference.objects.filter(pk__in=[item.pk for item in references]).update(**values)
    if resolves is not False:
        return
    newly_dead = [item for item in references if item.dead_since is None]
    Reference.objects.filter(pk__in=[item.pk for item in newly_dead]).update(dead_since=now)
    for item in newly_dead:
        item.check_result = ReferenceCheckResult.DEAD
    references_flag(
        references=newly_dead,
        reason=f"Link does not resolve ({detail[:100]})",
        include_same_identifiers=False,
    )
