"""Split a plain-text or Markdown article into a title and anchored sections, without a database.

A trailing "References" or "Sources" section is read as references where its lines can be
recognised (a DOI, a PubMed id or a URL); lines that cannot stay in that section as text.
"""

import bisect
import re
from dataclasses import dataclass
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from markdown_it import MarkdownIt

from articles.models import Article, Reference, ReferenceKind, Section

FORMATS = ("auto", "markdown", "text")
INTRODUCTION = "Introduction"
ANCHOR_MAX_LENGTH = Section._meta.get_field("anchor").max_length
# The longest title or heading the models can store; a longer line is prose, never a heading.
HEADING_MAX_LENGTH = min(
    Article._meta.get_field("title").max_length, Section._meta.get_field("heading").max_length
)
# Without a table of contents, only a short line that does not read as a sentence is a heading.
PLAIN_HEADING_MAX_WORDS = 12
PLAIN_HEADING_MAX_CHARS = 100
SENTENCE_ENDINGS = (".", ",", ";", ":")

BULLET_ITEM = re.compile(r"[-*+•]\s+(?P<text>\S.*)")
ORDERED_ITEM = re.compile(r"\d{1,9}[.)]\s+(?P<text>\S.*)")
TOC_LABEL = re.compile(r"(?:table of contents|contents)\s*:?", re.IGNORECASE)
REFERENCES_HEADING = re.compile(
    r"(?:references|sources|bibliography|references and sources|sources and references)\s*:?",
    re.IGNORECASE,
)
REFERENCE_ITEM_MARKER = re.compile(r"(?:[-*+•]|\d{1,3}[.)]|\[\d{1,3}\])\s+")
_TRAILING = ".,;:)]>"
DOI_IN_TEXT = re.compile(
    r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(?P<doi>10\.\d{4,9}/\S+)", re.IGNORECASE
)
PMID_IN_TEXT = re.compile(r"PMID:?\s*(?P<pmid>\d{1,9})\b", re.IGNORECASE)
URL_IN_TEXT = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class ImportedSection:
    """One section of an imported article: its anchor, heading and Markdown body."""

    anchor: str
    heading: str
    body: str


@dataclass(frozen=True)
class ImportedReference:
    """A source recognised in a trailing references list: a DOI, a PubMed id or a URL."""

    key: str
    kind: str
    title: str
    doi: str = ""
    pmid: str = ""
    url: str = ""


@dataclass(frozen=True)
class ImportedArticle:
    """An imported article: its title ("" when the text has none), its sections in order and
    the references recognised in a trailing references list (None when there is none)."""

    title: str
    sections: list[ImportedSection]
    references: list[ImportedReference] | None = None


@dataclass(frozen=True)
class _MarkdownHeading:
    level: int
    text: str
    first_line: int
    end_line: int


def parse_article(text: str, *, fmt: str = "auto") -> ImportedArticle:
    """Split `text` ("markdown", "text", or "auto" to detect Markdown headings) into sections."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    if not text.strip():
        raise ValueError("The article is empty: there is no text to import.")
    # markdown-it counts lines on "\n" only, so every other split must agree with it.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    headings = [] if fmt == "text" else _markdown_headings(text)
    if fmt == "markdown" or headings:
        title, parts = _split_markdown(lines, headings)
    else:
        title, parts = _split_plain_text(lines)
    parts, references = _trailing_references(parts)
    return ImportedArticle(title=title, sections=_anchored(parts), references=references)


def _trailing_references(
    parts: list[tuple[str, str]],
) -> tuple[list[tuple[str, str]], list[ImportedReference] | None]:
    """The parts without a trailing references list's recognised lines, and those references.

    Lines that cannot be recognised stay in the section as text; a section left with none
    is dropped. Without a trailing references heading, nothing changes (None).
    """
    if len(parts) < 2 or not REFERENCES_HEADING.fullmatch(parts[-1][0].strip()):
        return parts, None
    heading, body = parts[-1]
    references: list[ImportedReference] = []
    kept: list[str] = []
    for line in body.split("\n"):
        reference = _recognised_reference(line.strip(), key=f"ref-{len(references) + 1}")
        if reference is None:
            kept.append(line)
        else:
            references.append(reference)
    if not references:
        return parts, None
    rest = _trimmed_markdown(kept)
    return ([*parts[:-1], (heading, rest)] if rest else parts[:-1]), references


def _recognised_reference(line: str, *, key: str) -> ImportedReference | None:
    """A reference read from one line of a references list, or None when it has no valid DOI,
    PubMed id or URL."""
    text = REFERENCE_ITEM_MARKER.sub("", line, count=1)
    found: dict[str, str] = {}
    rest = text
    for name, pattern in (("doi", DOI_IN_TEXT), ("pmid", PMID_IN_TEXT), ("url", URL_IN_TEXT)):
        match = pattern.search(rest)
        if match is None:
            continue
        value = match.group(name if name != "url" else 0).rstrip(_TRAILING)
        if _valid(name, value):
            found[name] = value
            rest = rest[: match.start()] + rest[match.end() :]
    if not found:
        return None
    title = _collapsed(rest).strip(" .,;:-") or text
    limit = Reference._meta.get_field("title").max_length
    kind = ReferenceKind.WEBSITE if set(found) == {"url"} else ReferenceKind.JOURNAL_ARTICLE
    return ImportedReference(key=key, kind=kind, title=title[:limit], **found)


def _valid(name: str, value: str) -> bool:
    field = Reference._meta.get_field(name)
    try:
        field.clean(value, None)
    except ValidationError:
        return False
    return True


def make_slug(text: str, *, max_length: int) -> str:
    """Django's slugify of `text`, made valid for the slug validator and cut to `max_length`."""
    # slugify keeps underscores, which the slug validator refuses.
    slug = re.sub(r"[-_]+", "-", slugify(text)).strip("-")
    return slug[:max_length].rstrip("-")


def _markdown_headings(text: str) -> list[_MarkdownHeading]:
    # Heading tokens (not "#" at a line start) mark headings, so code blocks never split a section.
    tokens = MarkdownIt("commonmark").parse(text)
    headings = []
    for token, inline in pairwise(tokens):
        # Headings nested in lists or block quotes belong to the text around them.
        if token.type != "heading_open" or token.level != 0:
            continue
        heading = _collapsed(inline.content)
        if heading and len(heading) <= HEADING_MAX_LENGTH:
            first_line, end_line = token.map
            headings.append(_MarkdownHeading(int(token.tag[1:]), heading, first_line, end_line))
    return headings


def _split_markdown(
    lines: list[str], headings: list[_MarkdownHeading]
) -> tuple[str, list[tuple[str, str]]]:
    title = ""
    if headings and headings[0].level == 1:
        title_heading, *headings = headings
        title = title_heading.text
        lines = lines.copy()
        # Blanking keeps line numbers valid for the headings that follow.
        lines[title_heading.first_line : title_heading.end_line] = [""] * (
            title_heading.end_line - title_heading.first_line
        )
    split_level = min((heading.level for heading in headings), default=0)
    splits = [heading for heading in headings if heading.level == split_level]
    starts = [heading.first_line for heading in splits] + [len(lines)]
    parts = [(INTRODUCTION, _trimmed_markdown(lines[: starts[0]]))]
    for heading, end_line in zip(splits, starts[1:], strict=True):
        parts.append((heading.text, _trimmed_markdown(lines[heading.end_line : end_line])))
    return title, _without_empty_introduction(parts)


def _trimmed_markdown(lines: list[str]) -> str:
    return "\n".join(_trim_blank_lines(lines))


def _trim_blank_lines(lines: list[str]) -> list[str]:
    content = [index for index, line in enumerate(lines) if line.strip()]
    return lines[content[0] : content[-1] + 1] if content else []


def _without_empty_introduction(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return parts[1:] if not parts[0][1] else parts


def _split_plain_text(lines: list[str]) -> tuple[str, list[tuple[str, str]]]:
    title, lines = _plain_title([line.strip() for line in lines])
    line_per_paragraph = "" not in _trim_blank_lines(lines)
    toc = _table_of_contents(lines)
    if toc is None:
        dropped, headings = range(0), _standalone_headings(lines, line_per_paragraph)
    else:
        dropped, headings = toc
    parts: list[tuple[str, list[str]]] = [(INTRODUCTION, [])]
    for index, line in enumerate(lines):
        if index in headings:
            parts.append((_collapsed(line), []))
        elif index not in dropped:
            parts[-1][1].append(line)
    bodies = [(heading, _plain_body(body, line_per_paragraph)) for heading, body in parts]
    return title, _without_empty_introduction(bodies)


def _plain_title(lines: list[str]) -> tuple[str, list[str]]:
    """The first non-empty line as the title, and the lines after it."""
    title_index = next(index for index, line in enumerate(lines) if line)
    title = _collapsed(lines[title_index])
    # A first line too long for a title is the start of the text, not its title.
    if len(title) > HEADING_MAX_LENGTH:
        return "", lines[title_index:]
    return title, lines[title_index + 1 :]


def _table_of_contents(lines: list[str]) -> tuple[range, set[int]] | None:
    """The first TOC block whose entries all reappear later, with the lines of those headings.

    Lines are indexed by heading key once, so each TOC label costs only its own entries.
    """
    lines_by_key: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        if line and len(line) <= HEADING_MAX_LENGTH:
            lines_by_key.setdefault(_heading_key(line), []).append(index)
    for index, line in enumerate(lines):
        if not TOC_LABEL.fullmatch(line):
            continue
        end, entries = _toc_entries(lines, index + 1)
        # Each key's lines are in order: the last one tells whether any comes after the TOC.
        if entries and all(lines_by_key.get(key, [-1])[-1] >= end for key in entries):
            headings = {
                later
                for key in entries
                for later in lines_by_key[key][bisect.bisect_left(lines_by_key[key], end) :]
            }
            return range(index, end), headings
    return None


def _toc_entries(lines: list[str], start: int) -> tuple[int, set[str]]:
    """The list items after a TOC label (blank lines may separate them) and where they end."""
    entries: set[str] = set()
    end = start
    for index in range(start, len(lines)):
        if not lines[index]:
            continue
        item = _list_item_text(lines[index])
        if item is None:
            break
        entries.add(_heading_key(item))
        end = index + 1
    return end, entries


def _standalone_headings(lines: list[str], line_per_paragraph: bool) -> set[int]:
    """Short lines that stand alone: between blank lines, or (with no blank lines) before prose."""
    content = [index for index, line in enumerate(lines) if line]
    last_content = content[-1] if content else -1
    headings = set()
    for index, line in enumerate(lines[:last_content]):
        if not _reads_as_heading(line):
            continue
        before = lines[index - 1] if index else ""
        after = lines[index + 1]
        if line_per_paragraph:
            stands_alone = _list_item_text(after) is None and len(after) > len(line)
        else:
            stands_alone = not before and not after
        if stands_alone:
            headings.add(index)
    return headings


def _reads_as_heading(line: str) -> bool:
    return (
        bool(line)
        and len(line) <= PLAIN_HEADING_MAX_CHARS
        and len(line.split()) <= PLAIN_HEADING_MAX_WORDS
        and not line.endswith(SENTENCE_ENDINGS)
        and _list_item_text(line) is None
    )


def _plain_body(lines: list[str], line_per_paragraph: bool) -> str:
    """Paragraphs separated by blank lines, with runs of list items kept as one Markdown list."""
    blocks: list[list[str]] = []
    previous_kind = None
    for line in lines:
        if not line:
            previous_kind = None
            continue
        kind = "text" if _list_item_text(line) is None else "item"
        if kind == previous_kind and (kind == "item" or not line_per_paragraph):
            blocks[-1].append(_as_markdown_line(line))
        else:
            blocks.append([_as_markdown_line(line)])
        previous_kind = kind
    return "\n\n".join("\n".join(block) for block in blocks)


def _as_markdown_line(line: str) -> str:
    bullet = BULLET_ITEM.fullmatch(line)
    return f"- {bullet['text']}" if bullet else line


def _list_item_text(line: str) -> str | None:
    item = BULLET_ITEM.fullmatch(line) or ORDERED_ITEM.fullmatch(line)
    return item["text"] if item else None


def _heading_key(text: str) -> str:
    return _collapsed(text).casefold()


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def _anchored(parts: list[tuple[str, str]]) -> list[ImportedSection]:
    taken: set[str] = set()
    # The next number to try per base, so a heading repeated n times costs n steps, not n².
    next_number: dict[str, int] = {}
    sections = []
    for number, (heading, body) in enumerate(parts, start=1):
        base = make_slug(heading, max_length=ANCHOR_MAX_LENGTH) or f"section-{number}"
        anchor = _unique_anchor(base, taken, next_number)
        taken.add(anchor)
        sections.append(ImportedSection(anchor=anchor, heading=heading, body=body))
    return sections


def _unique_anchor(base: str, taken: set[str], next_number: dict[str, int]) -> str:
    anchor, number = base, next_number.get(base, 2)
    while anchor in taken:
        anchor = _numbered(base, number)
        number += 1
    next_number[base] = number
    return anchor


def _numbered(base: str, number: int) -> str:
    suffix = f"-{number}"
    return base[: ANCHOR_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
