"""Diffs between two article snapshots: every content field, each section by anchor and each
reference by key.

A snapshot is what a Version freezes (`articles.snapshots`): the article's content fields, its
ordered sections and its references. The diff covers every one of them: each reaches served
bytes or is what the reviewer checks the text against.

Word diffs use Myers' algorithm (diff-match-patch) over words, with one deadline for the
whole snapshot diff: past it, what is left is shown as replaced text instead of word by word,
so matching words never takes more than `WORD_DIFF_SECONDS`, and the rest of the work is
linear in the length of the texts.
"""

import bisect
import re
import time
from dataclasses import dataclass, field
from typing import Any

from diff_match_patch import diff_match_patch

# A word keeps the spaces after it, so a diff shows whole changed phrases, not lone spaces.
_TOKEN = re.compile(r"\S+\s*|\s+")
# The time one snapshot diff may spend matching words; the rest of the work is linear.
WORD_DIFF_SECONDS = 0.3
_OPS = {diff_match_patch.DIFF_EQUAL: "equal", diff_match_patch.DIFF_DELETE: "delete",
        diff_match_patch.DIFF_INSERT: "insert"}  # fmt: skip


@dataclass(frozen=True)
class WordChange:
    """A run of text that is equal in both, only in the old text, or only in the new text."""

    op: str  # "equal" | "insert" | "delete"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    """How one content field of the article (title, summary, topics, audience) differs."""

    field: str
    status: str  # "added" | "changed" | "unchanged"
    old: Any
    new: Any
    diff: list[WordChange] = field(default_factory=list)


@dataclass(frozen=True)
class SectionDiff:
    """How one section differs between the old and the new snapshot."""

    anchor: str
    status: str  # "added" | "removed" | "changed" | "unchanged"
    moved: bool
    old_position: int | None
    new_position: int | None
    old_heading: str | None
    new_heading: str | None
    old_body: str | None
    new_body: str | None
    heading_diff: list[WordChange] = field(default_factory=list)
    body_diff: list[WordChange] = field(default_factory=list)


@dataclass(frozen=True)
class ReferenceDiff:
    """How one reference (matched by key) differs between the old and the new snapshot."""

    key: str
    status: str  # "added" | "removed" | "changed" | "unchanged"
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    changed_fields: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SnapshotDiff:
    """Every difference between two snapshots: content fields, sections, then references."""

    fields: list[FieldDiff]
    sections: list[SectionDiff]
    references: list[ReferenceDiff] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when any field, section or reference differs, or any section moved."""
        return (
            any(item.status != "unchanged" for item in self.fields)
            or any(item.status != "unchanged" or item.moved for item in self.sections)
            or any(item.status != "unchanged" for item in self.references)
        )


def word_diff(old: str, new: str, *, deadline: float | None = None) -> list[WordChange]:
    """Word-level changes from `old` to `new`; joining the equal and insert runs gives `new`.

    Each distinct word is encoded as one character, so the character diff is a word diff.
    `deadline` (a `time.time()` value) bounds the matching; by default `WORD_DIFF_SECONDS`.
    """
    words: dict[str, str] = {}
    vocabulary: list[str] = []

    def encode(text: str) -> str:
        characters = []
        for word in _TOKEN.findall(text):
            if word not in words:
                words[word] = chr(len(vocabulary))
                vocabulary.append(word)
            characters.append(words[word])
        return "".join(characters)

    engine = diff_match_patch()
    changes = engine.diff_main(
        encode(old),
        encode(new),
        checklines=False,
        deadline=deadline if deadline is not None else time.time() + WORD_DIFF_SECONDS,
    )
    return [
        WordChange(_OPS[op], "".join(vocabulary[ord(character)] for character in characters))
        for op, characters in changes
        if characters
    ]


def _display_text(value: Any) -> str:
    """A field's value as a reader would compare it: lists as comma-separated items."""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def diff_fields(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    deadline: float | None = None,
    words: bool = True,
) -> list[FieldDiff]:
    """Every content field of the snapshot (all keys but `sections` and `references`), in the
    snapshot's order; `words=False` leaves the word diffs out (statuses only)."""
    deadline = deadline or time.time() + WORD_DIFF_SECONDS
    diffs = []
    for name, new_value in new.items():
        if name in ("sections", "references"):
            continue
        if old is None:
            diffs.append(FieldDiff(name, "added", None, new_value))
            continue
        old_value = old.get(name)
        if old_value == new_value:
            diffs.append(FieldDiff(name, "unchanged", old_value, new_value))
            continue
        diffs.append(
            FieldDiff(
                name,
                "changed",
                old_value,
                new_value,
                word_diff(_display_text(old_value), _display_text(new_value), deadline=deadline)
                if words
                else [],
            )
        )
    return diffs


def moved_anchors(old_order: list[str], new_order: list[str]) -> set[str]:
    """The fewest anchors whose moving explains the new order: those outside a longest
    common subsequence of the two orders.

    Anchors are unique, so that subsequence is the longest increasing run of old positions
    read in the new order (patience sorting, O(n log n)).
    """
    old_position = {anchor: position for position, anchor in enumerate(old_order)}
    present = [anchor for anchor in new_order if anchor in old_position]
    # tails[k]: the index in `present` that ends the best run of length k + 1 found so far,
    # tail_positions[k] its old position (increasing in k, so it can be bisected).
    tails: list[int] = []
    tail_positions: list[int] = []
    previous: list[int | None] = [None] * len(present)
    for index, anchor in enumerate(present):
        length = bisect.bisect_left(tail_positions, old_position[anchor])
        previous[index] = tails[length - 1] if length else None
        if length == len(tails):
            tails.append(index)
            tail_positions.append(old_position[anchor])
        else:
            tails[length] = index
            tail_positions[length] = old_position[anchor]
    in_place = set()
    index = tails[-1] if tails else None
    while index is not None:
        in_place.add(present[index])
        index = previous[index]
    return set(present) - in_place


def diff_sections(
    old: list[dict[str, Any]] | None,
    new: list[dict[str, Any]],
    *,
    deadline: float | None = None,
    words: bool = True,
) -> list[SectionDiff]:
    """Diff two ordered section lists matched by anchor: new order first, then removed ones;
    `words=False` leaves the word diffs out (statuses only)."""
    deadline = deadline or time.time() + WORD_DIFF_SECONDS
    old = old or []
    old_by_anchor = {item["anchor"]: (position, item) for position, item in enumerate(old)}
    new_anchors = {item["anchor"] for item in new}
    moved = moved_anchors([item["anchor"] for item in old], [item["anchor"] for item in new])
    diffs: list[SectionDiff] = []
    for position, item in enumerate(new):
        previous = old_by_anchor.get(item["anchor"])
        if previous is None:
            diffs.append(
                SectionDiff(
                    anchor=item["anchor"],
                    status="added",
                    moved=False,
                    old_position=None,
                    new_position=position,
                    old_heading=None,
                    new_heading=item["heading"],
                    old_body=None,
                    new_body=item["body"],
                )
            )
            continue
        old_position, old_item = previous
        changed = (old_item["heading"], old_item["body"]) != (item["heading"], item["body"])
        with_words = changed and words
        diffs.append(
            SectionDiff(
                anchor=item["anchor"],
                status="changed" if changed else "unchanged",
                moved=item["anchor"] in moved,
                old_position=old_position,
                new_position=position,
                old_heading=old_item["heading"],
                new_heading=item["heading"],
                old_body=old_item["body"],
                new_body=item["body"],
                heading_diff=(
                    word_diff(old_item["heading"], item["heading"], deadline=deadline)
                    if with_words
                    else []
                ),
                body_diff=(
                    word_diff(old_item["body"], item["body"], deadline=deadline)
                    if with_words
                    else []
                ),
            )
        )
    for old_position, old_item in enumerate(old):
        if old_item["anchor"] not in new_anchors:
            diffs.append(
                SectionDiff(
                    anchor=old_item["anchor"],
                    status="removed",
                    moved=False,
                    old_position=old_position,
                    new_position=None,
                    old_heading=old_item["heading"],
                    new_heading=None,
                    old_body=old_item["body"],
                    new_body=None,
                )
            )
    return diffs


def diff_references(
    old: list[dict[str, Any]] | None, new: list[dict[str, Any]] | None
) -> list[ReferenceDiff]:
    """Diff two reference lists matched by key: the new ones in key order, then removed ones."""
    old_by_key = {item["key"]: item for item in old or []}
    new_keys = {item["key"] for item in new or []}
    diffs = []
    for item in sorted(new or [], key=lambda item: item["key"]):
        previous = old_by_key.get(item["key"])
        if previous is None:
            diffs.append(ReferenceDiff(item["key"], "added", None, item))
            continue
        changed = [name for name in item if previous.get(name) != item[name]]
        diffs.append(
            ReferenceDiff(
                item["key"], "changed" if changed else "unchanged", previous, item, changed
            )
        )
    for key in sorted(set(old_by_key) - new_keys):
        diffs.append(ReferenceDiff(key, "removed", old_by_key[key], None))
    return diffs


def diff_snapshots(
    old: dict[str, Any] | None, new: dict[str, Any], *, words: bool = True
) -> SnapshotDiff:
    """Diff two snapshots (None: nothing before): every content field, every section and
    every reference; `words=False` gives the statuses alone, without word diffs."""
    deadline = time.time() + WORD_DIFF_SECONDS
    return SnapshotDiff(
        fields=diff_fields(old, new, deadline=deadline, words=words),
        sections=diff_sections(
            old["sections"] if old else None, new["sections"], deadline=deadline, words=words
        ),
        references=diff_references(old.get("references") if old else None, new.get("references")),
    )
