"""Section-level diffs between two snapshots, with word-level diffs of changed text."""

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

# A word keeps the spaces after it, so a diff shows whole changed phrases, not lone spaces.
_TOKEN = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class WordChange:
    """A run of text that is equal in both, only in the old text, or only in the new text."""

    op: str  # "equal" | "insert" | "delete"
    text: str


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


def word_diff(old: str, new: str) -> list[WordChange]:
    """Word-level changes from `old` to `new`; joining the equal and insert runs gives `new`."""
    old_tokens = _TOKEN.findall(old)
    new_tokens = _TOKEN.findall(new)
    changes: list[WordChange] = []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            changes.append(WordChange("equal", "".join(old_tokens[old_start:old_end])))
            continue
        if old_end > old_start:
            changes.append(WordChange("delete", "".join(old_tokens[old_start:old_end])))
        if new_end > new_start:
            changes.append(WordChange("insert", "".join(new_tokens[new_start:new_end])))
    return changes


def _moved_anchors(old_order: list[str], new_order: list[str]) -> set[str]:
    """Anchors outside the longest common subsequence of the two orders moved."""
    kept = [anchor for anchor in old_order if anchor in set(new_order)]
    present = [anchor for anchor in new_order if anchor in set(old_order)]
    matcher = difflib.SequenceMatcher(a=kept, b=present, autojunk=False)
    in_place = set()
    for block in matcher.get_matching_blocks():
        in_place.update(kept[block.a : block.a + block.size])
    return set(present) - in_place


def diff_sections(old: list[dict[str, Any]] | None, new: list[dict[str, Any]]) -> list[SectionDiff]:
    """Diff two ordered section lists matched by anchor: new order first, then removed ones."""
    old = old or []
    old_by_anchor = {item["anchor"]: (position, item) for position, item in enumerate(old)}
    new_anchors = {item["anchor"] for item in new}
    moved = _moved_anchors([item["anchor"] for item in old], [item["anchor"] for item in new])
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
                heading_diff=word_diff(old_item["heading"], item["heading"]) if changed else [],
                body_diff=word_diff(old_item["body"], item["body"]) if changed else [],
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
