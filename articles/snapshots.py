"""The canonical content of an article, as frozen in a Version and bound to by approvals."""

from collections.abc import Iterable
from typing import Any

from articles.models import ARTICLE_CONTENT_FIELDS, Article, Section, Version
from ldncontent.http import canonical_sha256


def working_copy_snapshot(*, article: Article, sections: Iterable[Section]) -> dict[str, Any]:
    """The reviewable content of the working copy: what a Version freezes."""
    return {
        **{name: getattr(article, name) for name in ARTICLE_CONTENT_FIELDS},
        "sections": [
            {"anchor": section.anchor, "heading": section.heading, "body": section.body}
            for section in sorted(sections, key=lambda section: section.position)
        ],
    }


def version_snapshot(version: Version) -> dict[str, Any]:
    """The content frozen in a Version, in the same canonical shape."""
    return {
        **{name: getattr(version, name) for name in ARTICLE_CONTENT_FIELDS},
        "sections": [
            {"anchor": item["anchor"], "heading": item["heading"], "body": item["body"]}
            for item in version.sections
        ],
    }


def content_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 over the snapshot's canonical JSON: equal content, equal hash."""
    return canonical_sha256(snapshot)


def section_text_hash(section: dict[str, Any]) -> str:
    """A hash of one section's heading and body, to find earlier approvals of the same text."""
    return canonical_sha256([section["heading"], section["body"]])
