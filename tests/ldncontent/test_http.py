"""The If-Match grammar of RFC 9110: which headers are entity-tag lists, with which tags."""

import re
import time

import pytest

from ldncontent.apidocs import IF_MATCH
from ldncontent.exceptions import MalformedIfMatch
from ldncontent.http import EntityTag, parse_if_match


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ('"abc"', [EntityTag('"abc"', weak=False)]),
        ('W/"abc"', [EntityTag('"abc"', weak=True)]),
        ('""', [EntityTag('""', weak=False)]),
        ('"a,b"', [EntityTag('"a,b"', weak=False)]),
        ('"a", W/"b"', [EntityTag('"a"', weak=False), EntityTag('"b"', weak=True)]),
        (' , "a" ,,\t"b" , ', [EntityTag('"a"', weak=False), EntityTag('"b"', weak=False)]),
        ('"caf\xe9"', [EntityTag('"caf\xe9"', weak=False)]),  # obs-text, as WSGI decodes it
        ("", []),
        (" , ,", []),
    ],
)
def test_entity_tag_lists_are_parsed(header, tags):
    assert parse_if_match(header) == tags


@pytest.mark.parametrize(
    "header",
    [
        "abc",
        "W/abc",
        'w/"abc"',  # the weak marker is case-sensitive
        'W/ "abc"',
        '"abc',
        'abc"',
        '"a" "b"',
        '"a" x',
        '"a b"',
        '"a\tb"',
        '"a\x7fb"',
        "*",  # `*` is not an entity tag: callers handle it before parsing
        '"a", *',
        '"a";',
    ],
)
def test_malformed_headers_are_refused(header):
    with pytest.raises(MalformedIfMatch):
        parse_if_match(header)


@pytest.mark.parametrize(
    "header",
    ['"abc"', 'W/"abc"', '"a", W/"b"', ', "a" ,, "b" ,', "*", '"a,b"', "abc", '"a" "b"', ""],
)
def test_the_documented_pattern_accepts_what_the_parser_accepts(header):
    # The schema's pattern is the parser's grammar with at least one tag, or `*` alone.
    pattern = re.compile(IF_MATCH.type["pattern"].replace("$", r"\Z"))
    try:
        well_formed = header.strip() == "*" or bool(parse_if_match(header))
    except MalformedIfMatch:
        well_formed = False
    assert bool(pattern.search(header)) == well_formed


@pytest.mark.parametrize(
    "header",
    [", " + " " * 40_000 + "x", '"a"' + " ," * 20_000 + "x", "," * 40_000 + "x"],
    ids=["spaces", "empty-elements", "commas"],
)
def test_a_long_malformed_if_match_is_refused_in_linear_time(header):
    """A stall bound, not a speed test: a backtracking pattern took 10 s on 40 KB of spaces."""
    started = time.perf_counter()
    with pytest.raises(MalformedIfMatch):
        parse_if_match(header)
    assert time.perf_counter() - started < 1
