"""Citations in section bodies: `[^key]` cites the article's reference `key`.

Pure functions over text and snapshots, shared by validation, rendering, diffs and review.
A marker cites only in the text Markdown parses (not in code, link targets or image text),
so what is validated is what rendering links. A marker followed by `:` (`[^key]: …`) is a
Markdown footnote definition, not a citation.
"""

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt

CITATION = re.compile(r"\[\^([a-z0-9]+(?:-[a-z0-9]+)*)\](?!:)")


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The Markdown dialect of section bodies: CommonMark with tables; raw HTML in the
    Markdown is escaped rather than passed through."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def text_runs(body: str) -> Iterator[str]:
    """The plain-text runs of `body` as Markdown parses it, where citation markers count."""
    for token in markdown_parser().parse(body):
        for child in token.children or ():
            if child.type == "text":
                yield child.content


@lru_cache(maxsize=2048)
def cited_keys(body: str) -> tuple[str, ...]:
    """The keys `body` cites, in order of first citation, each once."""
    return tuple(dict.fromkeys(key for run in text_runs(body) for key in CITATION.findall(run)))


def citation_order(bodies: Iterable[str]) -> list[str]:
    """Every key cited by these bodies (in order), numbered by first citation: index + 1."""
    order: dict[str, None] = {}
    for body in bodies:
        for key in cited_keys(body):
            order.setdefault(key, None)
    return list(order)


def unknown_citations(bodies: Iterable[str], known: Iterable[str]) -> list[str]:
    """The keys cited by `bodies` that are not among `known`, sorted."""
    return sorted(set(citation_order(bodies)) - set(known))


def unused_references(bodies: Iterable[str], known: Iterable[str]) -> list[str]:
    """The keys among `known` that no body cites, sorted."""
    return sorted(set(known) - set(citation_order(bodies)))


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
