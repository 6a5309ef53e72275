"""The canonical content of an article, as frozen in a Version and bound to by approvals.

`references` is in a snapshot only when the article has some: the snapshot (and so the
content hash) of every article without references is what it was before references existed.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from articles.models import (
    ARTICLE_CONTENT_FIELDS,
    REFERENCE_CONTENT_FIELDS,
    Article,
    Reference,
    Section,
    Version,
)
from ldncontent.http import canonical_sha256


def reference_snapshot(reference: Reference) -> dict[str, Any]:
    """One reference as frozen: its content fields, dates as ISO 8601 (None when unset)."""
    values = {}
    for name in REFERENCE_CONTENT_FIELDS:
        value = getattr(reference, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    return values


def working_copy_snapshot(
    *,
    article: Article,
    sections: Iterable[Section],
    references: Iterable[Reference] | None = None,
) -> dict[str, Any]:
    """The reviewable content of the working copy: what a Version freezes.

    `references` are read from the database when not given.
    """
    if references is None:
        references = Reference.objects.filter(article_id=article.pk)
    snapshot = {
        **{name: getattr(article, name) for name in ARTICLE_CONTENT_FIELDS},
        "sections": [
            {"anchor": section.anchor, "heading": section.heading, "body": section.body}
            for section in sorted(sections, key=lambda section: section.position)
        ],
    }
    frozen = sorted(
        (reference_snapshot(reference) for reference in references), key=lambda item: item["key"]
    )
    if frozen:
        snapshot["references"] = frozen
    return snapshot


def version_snapshot(version: Version) -> dict[str, Any]:
    """The content frozen in a Version, in the same canonical shape."""
    snapshot = {
        **{name: getattr(version, name) for name in ARTICLE_CONTENT_FIELDS},
        "sections": [
            {"anchor": item["anchor"], "heading": item["heading"], "body": item["body"]}
            for item in version.sections
        ],
    }
    if version.references:
        snapshot["references"] = [
            {name: item.get(name) for name in REFERENCE_CONTENT_FIELDS}
            for item in version.references
        ]
    return snapshot


def content_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 over the snapshot's canonical JSON: equal content, equal hash."""
    return canonical_sha256(snapshot)


def section_text_hash(section: dict[str, Any]) -> str:
    """A hash of one section's heading and body, to find earlier approvals of the same text."""
    return canonical_sha256([section["heading"], section["body"]])
