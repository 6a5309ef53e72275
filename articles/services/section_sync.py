"""Writing the working copy's rows with their history: the article row, its modification time,
and its sections matched by anchor, saving only what really changes."""

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from articles.exceptions import ExternalIdTaken, SlugTaken
from articles.models import Article, Section

# Positions are moved out of the way before they are reassigned, because the
# (article, position) unique constraint is checked row by row on SQLite.
_TEMPORARY_POSITION_OFFSET = 1_000_000


def touch_article(article: Article) -> None:
    """Move the article's modification time to now, without a history record of its own."""
    # updated_at is not a tracked field: a queryset update keeps section-only edits out of
    # the article's own history while still moving its modification time.
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())


def save_article(article: Article, *, user, reason: str) -> None:
    """Save the article row with who and why in its history; a taken slug or id is refused."""
    article._history_user = user
    article._change_reason = reason
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as error:
        if Article.objects.filter(slug=article.slug).exclude(pk=article.pk).exists():
            raise SlugTaken() from error
        raise ExternalIdTaken() from error


def sync_sections(
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
