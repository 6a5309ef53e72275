"""Citations in section bodies: `[^key]` cites the article's reference `key`.

Pure functions over text and snapshots, shared by validation, rendering, diffs and review.
A marker followed by `:` (`[^key]: …`) is a Markdown footnote definition, not a citation.
"""

import re
from collections.abc import Iterable
from typing import Any

CITATION = re.compile(r"\[\^([a-z0-9]+(?:-[a-z0-9]+)*)\](?!:)")


def cited_keys(body: str) -> list[str]:
    """The keys `body` cites, in order of first citation, each once."""
    return list(dict.fromkeys(CITATION.findall(body)))


def citation_order(bodies: Iterable[str]) -> list[str]:
    """Every key cited by these bodies (in order), numbered by first citation: index + 1."""
    order: dict[str, None] = {}
    for body in bodies:
        for key in CITATION.findall(body):
            order.setdefault(key, None)
    return list(order)


def unknown_citations(bodies: Iterable[str], known: Iterable[str]) -> list[str]:
    """The keys cited by `bodies` that are not among `known`, sorted."""
    known = set(known)
    return sorted({key for body in bodies for key in CITATION.findall(body)} - known)


def unused_references(bodies: Iterable[str], known: Iterable[str]) -> list[str]:
    """The keys among `known` that no body cites, sorted."""
    cited = {key for body in bodies for key in CITATION.findall(body)}
    return sorted(set(known) - cited)


def snapshot_cited_keys(
    snapshot: dict[str, Any], anchors: Iterable[str] | None = None
) -> list[str]:
    """The keys a snapshot's sections (or only those with these anchors) cite, in order."""
    wanted = None if anchors is None else set(anchors)
    return citation_order(
        section["body"]
        for section in snapshot["sections"]
        if wanted is None or section["anchor"] in wanted
    )
