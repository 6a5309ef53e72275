"""Section diffs between snapshots and word diffs of changed text, on hand-made cases."""

import random
import time

from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from articles.diffing import (
    SectionDiff,
    WordChange,
    diff_sections,
    diff_snapshots,
    moved_anchors,
    word_diff,
)


def section(anchor: str, heading: str | None = None, body: str | None = None) -> dict[str, str]:
    return {
        "anchor": anchor,
        "heading": heading if heading is not None else f"Heading {anchor}",
        "body": body if body is not None else f"Body of {anchor}.",
    }


def summary(diffs: list[SectionDiff]) -> list[tuple[str, str, bool]]:
    return [(diff.anchor, diff.status, diff.moved) for diff in diffs]


def joined(changes: list[WordChange], *ops: str) -> str:
    return "".join(change.text for change in changes if change.op in ops)


# --- word_diff ------------------------------------------------------------------------------


def test_word_diff_of_identical_text_is_one_equal_run():
    assert word_diff("Take one tablet.", "Take one tablet.") == [
        WordChange("equal", "Take one tablet.")
    ]


def test_word_diff_of_two_empty_strings_is_empty():
    assert word_diff("", "") == []


def test_word_diff_from_empty_text_is_one_insert_and_to_empty_text_one_delete():
    assert word_diff("", "New text") == [WordChange("insert", "New text")]
    assert word_diff("Old text", "") == [WordChange("delete", "Old text")]


def test_word_diff_replaces_a_run_of_changed_words_as_one_phrase_delete_before_insert():
    # A word carries the whitespace after it, so adjacent changed words form one phrase.
    assert word_diff("Take one tablet at night.", "Take two tablets at night.") == [
        WordChange("equal", "Take "),
        WordChange("delete", "one tablet "),
        WordChange("insert", "two tablets "),
        WordChange("equal", "at night."),
    ]


def test_word_diff_treats_a_change_of_the_whitespace_after_a_word_as_a_change_of_that_word():
    assert word_diff("a  b", "a b") == [
        WordChange("delete", "a  "),
        WordChange("insert", "a "),
        WordChange("equal", "b"),
    ]


def test_word_diff_keeps_leading_whitespace_as_its_own_run():
    assert word_diff("  lead", "lead") == [WordChange("delete", "  "), WordChange("equal", "lead")]


def test_word_diff_of_text_appended_after_the_last_word_replaces_that_word():
    # The last word has no trailing space in the old text, so it is not equal to the
    # same word followed by a space in the new one.
    assert word_diff("Take it at night.", "Take it at night. Not with food.") == [
        WordChange("equal", "Take it at "),
        WordChange("delete", "night."),
        WordChange("insert", "night. Not with food."),
    ]


def test_word_diff_of_text_appended_after_a_trailing_space_is_one_insert():
    assert word_diff("Take it at night. ", "Take it at night. Not with food.") == [
        WordChange("equal", "Take it at night. "),
        WordChange("insert", "Not with food."),
    ]


texts = st.text(alphabet=st.sampled_from("ab \n\t.é"), max_size=30) | st.text(max_size=30)


@given(old=texts, new=texts)
def test_word_diff_equal_and_insert_runs_give_the_new_text_equal_and_delete_the_old(old, new):
    changes = word_diff(old, new)
    assert joined(changes, "equal", "insert") == new
    assert joined(changes, "equal", "delete") == old
    assert all(change.text for change in changes)
    assert {change.op for change in changes} <= {"equal", "insert", "delete"}


# --- diff_sections --------------------------------------------------------------------------


def test_identical_lists_are_all_unchanged_and_none_moved():
    sections = [section("a"), section("b"), section("c")]
    diffs = diff_sections(sections, [dict(item) for item in sections])
    assert summary(diffs) == [
        ("a", "unchanged", False),
        ("b", "unchanged", False),
        ("c", "unchanged", False),
    ]
    assert all(diff.heading_diff == [] and diff.body_diff == [] for diff in diffs)
    assert [(diff.old_position, diff.new_position) for diff in diffs] == [(0, 0), (1, 1), (2, 2)]


def test_a_diff_against_none_lists_every_section_as_added():
    diffs = diff_sections(None, [section("a"), section("b")])
    assert diffs == [
        SectionDiff(
            anchor="a",
            status="added",
            moved=False,
            old_position=None,
            new_position=0,
            old_heading=None,
            new_heading="Heading a",
            old_body=None,
            new_body="Body of a.",
        ),
        SectionDiff(
            anchor="b",
            status="added",
            moved=False,
            old_position=None,
            new_position=1,
            old_heading=None,
            new_heading="Heading b",
            old_body=None,
            new_body="Body of b.",
        ),
    ]


def test_a_diff_against_an_empty_list_is_the_same_as_against_none():
    new = [section("a"), section("b")]
    assert diff_sections([], new) == diff_sections(None, new)


def test_a_section_moved_to_the_front_is_marked_moved_with_unchanged_text():
    old = [section("a"), section("b"), section("c")]
    new = [section("c"), section("a"), section("b")]
    diffs = diff_sections(old, new)
    assert summary(diffs) == [
        ("c", "unchanged", True),
        ("a", "unchanged", False),
        ("b", "unchanged", False),
    ]
    moved = diffs[0]
    assert (moved.old_position, moved.new_position) == (2, 0)
    assert (moved.old_heading, moved.old_body) == (moved.new_heading, moved.new_body)
    assert moved.heading_diff == [] and moved.body_diff == []


def test_swapping_two_adjacent_sections_marks_exactly_the_one_that_moved_up():
    # The longest common subsequence of [a, b] and [b, a] keeps the first of the old order
    # ("a") in place, so only "b" counts as moved.
    old = [section("a"), section("b"), section("c"), section("d")]
    new = [section("a"), section("c"), section("b"), section("d")]
    diffs = diff_sections(old, new)
    assert summary(diffs) == [
        ("a", "unchanged", False),
        ("c", "unchanged", True),
        ("b", "unchanged", False),
        ("d", "unchanged", False),
    ]
    assert [diff.anchor for diff in diffs if diff.moved] == ["c"]


def test_swapping_the_only_two_sections_marks_one_moved():
    diffs = diff_sections([section("a"), section("b")], [section("b"), section("a")])
    assert summary(diffs) == [("b", "unchanged", True), ("a", "unchanged", False)]


def test_adding_or_removing_sections_does_not_mark_the_others_moved():
    old = [section("a"), section("b"), section("c")]
    assert not any(diff.moved for diff in diff_sections(old, [section("x"), *old]))
    assert not any(diff.moved for diff in diff_sections(old, [section("a"), section("c")]))


def test_a_renamed_heading_is_changed_with_a_word_diff_and_an_all_equal_body_diff():
    old = [section("a", heading="Old heading", body="Same body.")]
    new = [section("a", heading="New heading", body="Same body.")]
    (diff,) = diff_sections(old, new)
    assert (diff.status, diff.moved) == ("changed", False)
    assert (diff.old_heading, diff.new_heading) == ("Old heading", "New heading")
    assert diff.heading_diff == [
        WordChange("delete", "Old "),
        WordChange("insert", "New "),
        WordChange("equal", "heading"),
    ]
    # Once a section counts as changed both diffs are computed: the unchanged body comes back
    # as a single equal run, not as an empty list.
    assert diff.body_diff == [WordChange("equal", "Same body.")]


def test_a_changed_body_has_word_level_ops_and_an_all_equal_heading_diff():
    old = [section("dose", heading="Dose", body="Start with 1.5 mg at night.")]
    new = [section("dose", heading="Dose", body="Start with 0.5 mg at night.")]
    (diff,) = diff_sections(old, new)
    assert diff.status == "changed"
    assert diff.heading_diff == [WordChange("equal", "Dose")]
    assert diff.body_diff == [
        WordChange("equal", "Start with "),
        WordChange("delete", "1.5 "),
        WordChange("insert", "0.5 "),
        WordChange("equal", "mg at night."),
    ]
    assert (diff.old_body, diff.new_body) == (
        "Start with 1.5 mg at night.",
        "Start with 0.5 mg at night.",
    )


def test_an_added_section_has_only_new_values_and_no_word_diffs():
    old = [section("a"), section("b")]
    new = [section("a"), section("new", heading="New part", body="Fresh."), section("b")]
    diffs = diff_sections(old, new)
    assert summary(diffs) == [
        ("a", "unchanged", False),
        ("new", "added", False),
        ("b", "unchanged", False),
    ]
    added = diffs[1]
    assert (added.old_position, added.new_position) == (None, 1)
    assert (added.old_heading, added.old_body) == (None, None)
    assert (added.new_heading, added.new_body) == ("New part", "Fresh.")
    assert added.heading_diff == [] and added.body_diff == []
    assert (diffs[2].old_position, diffs[2].new_position) == (1, 2)


def test_a_removed_section_is_listed_after_the_new_order_with_only_old_values():
    old = [section("a"), section("gone", heading="Gone", body="Bye."), section("b")]
    new = [section("a"), section("b")]
    diffs = diff_sections(old, new)
    assert summary(diffs) == [
        ("a", "unchanged", False),
        ("b", "unchanged", False),
        ("gone", "removed", False),
    ]
    removed = diffs[-1]
    assert (removed.old_position, removed.new_position) == (1, None)
    assert (removed.old_heading, removed.old_body) == ("Gone", "Bye.")
    assert (removed.new_heading, removed.new_body) == (None, None)
    assert removed.heading_diff == [] and removed.body_diff == []


def test_removed_sections_follow_the_new_order_in_their_old_order():
    old = [section("x"), section("a"), section("y")]
    diffs = diff_sections(old, [section("a")])
    assert summary(diffs) == [
        ("a", "unchanged", False),
        ("x", "removed", False),
        ("y", "removed", False),
    ]
    assert [diff.old_position for diff in diffs] == [1, 0, 2]


def test_everything_at_once():
    old = [
        section("intro", heading="Introduction", body="LDN is naltrexone."),
        section("dose", heading="Dose", body="Take 4.5 mg."),
        section("risks", heading="Risks", body="Vivid dreams."),
        section("old-notes", heading="Notes", body="To be removed."),
        section("faq", heading="FAQ", body="Ask your doctor."),
    ]
    new = [
        section("faq", heading="FAQ", body="Ask your doctor."),  # moved to the front
        section("intro", heading="Introduction", body="LDN is naltrexone."),  # unchanged
        section("dose", heading="Dosage", body="Take 4.5 mg."),  # heading renamed
        section("extra", heading="Extra", body="New part."),  # added
        section("risks", heading="Risks", body="Vivid dreams, headache."),  # body changed
    ]
    diffs = diff_sections(old, new)
    assert summary(diffs) == [
        ("faq", "unchanged", True),
        ("intro", "unchanged", False),
        ("dose", "changed", False),
        ("extra", "added", False),
        ("risks", "changed", False),
        ("old-notes", "removed", False),
    ]
    by_anchor = {diff.anchor: diff for diff in diffs}
    assert [(diff.old_position, diff.new_position) for diff in diffs] == [
        (4, 0),
        (0, 1),
        (1, 2),
        (None, 3),
        (2, 4),
        (3, None),
    ]
    assert by_anchor["dose"].heading_diff == [
        WordChange("delete", "Dose"),
        WordChange("insert", "Dosage"),
    ]
    assert by_anchor["dose"].body_diff == [WordChange("equal", "Take 4.5 mg.")]
    assert by_anchor["risks"].heading_diff == [WordChange("equal", "Risks")]
    assert by_anchor["risks"].body_diff == [
        WordChange("equal", "Vivid "),
        WordChange("delete", "dreams."),
        WordChange("insert", "dreams, headache."),
    ]


def test_a_changed_section_can_also_be_moved():
    old = [section("a"), section("b", body="Old."), section("c")]
    new = [section("b", body="New."), section("a"), section("c")]
    diffs = diff_sections(old, new)
    assert summary(diffs) == [
        ("b", "changed", True),
        ("a", "unchanged", False),
        ("c", "unchanged", False),
    ]
    assert diffs[0].body_diff == [WordChange("delete", "Old."), WordChange("insert", "New.")]


def test_a_diff_to_an_empty_list_lists_every_old_section_as_removed():
    diffs = diff_sections([section("a"), section("b")], [])
    assert summary(diffs) == [("a", "removed", False), ("b", "removed", False)]


# --- bounded cost ---------------------------------------------------------------------------


@given(old=texts, new=texts)
def test_a_word_diff_past_its_deadline_still_gives_both_texts_back(old, new):
    changes = word_diff(old, new, deadline=time.time() - 1)
    assert joined(changes, "equal", "insert") == new
    assert joined(changes, "equal", "delete") == old


def _worst_case_body(seed: int) -> str:
    """Few distinct words in many repeats: what makes a longest-match diff quadratic."""
    generator = random.Random(seed)
    words = ["the ", "dose ", "LDN ", "a ", "of ", "\n\n"]
    body, length = [], 0
    while length < settings.SECTION_BODY_MAX_CHARS - 10:
        body.append(generator.choice(words))
        length += len(body[-1])
    return "".join(body)


def test_the_largest_article_the_limits_allow_diffs_without_stalling():
    """A stall bound, not a speed test: before the bounded diff, one such pair took minutes."""
    request_room = settings.API_MAX_REQUEST_BYTES // settings.SECTION_BODY_MAX_CHARS
    count = min(settings.ARTICLE_MAX_SECTIONS, request_room)
    old = [section(f"s{index}", body=_worst_case_body(index)) for index in range(count)]
    new = [section(f"s{index}", body=_worst_case_body(index + 1000)) for index in range(count)]
    started = time.perf_counter()
    diffs = diff_snapshots({"title": "a", "sections": old}, {"title": "b", "sections": new})
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"the diff took {elapsed:.1f} s"
    for before, after, diff in zip(old, new, diffs.sections, strict=True):
        assert joined(diff.body_diff, "equal", "insert") == after["body"]
        assert joined(diff.body_diff, "equal", "delete") == before["body"]


def _longest_common_subsequence(old: list[str], new: list[str]) -> int:
    lengths = [[0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i, old_item in enumerate(old):
        for j, new_item in enumerate(new):
            lengths[i + 1][j + 1] = (
                lengths[i][j] + 1
                if old_item == new_item
                else max(lengths[i][j + 1], lengths[i + 1][j])
            )
    return lengths[-1][-1]


@given(
    orders=st.permutations(list("abcdefghij")).flatmap(
        lambda new: st.tuples(st.just(new), st.lists(st.sampled_from("abcdefghij"), unique=True))
    )
)
def test_the_fewest_sections_are_marked_moved(orders):
    new, old = orders
    moved = moved_anchors(old, new)
    present = [anchor for anchor in new if anchor in old]
    assert moved <= set(present)
    assert len(moved) == len(present) - _longest_common_subsequence(old, new)
    in_place = [anchor for anchor in new if anchor in old and anchor not in moved]
    assert in_place == [anchor for anchor in old if anchor in in_place], "kept order"


def test_a_reordering_marks_only_the_sections_that_must_have_moved():
    assert moved_anchors(list("abcdefg"), list("bfcegad")) == {"a", "d", "f"}
