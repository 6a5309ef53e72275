"""The API's only request parser: JSON with size and depth limits; errors say what to fix."""

import json
import re
from array import array
from itertools import accumulate
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ldncontent.exceptions import RequestTooLarge, too_large_detail

# Arrays and objects nested deeper than this are refused before they are parsed: the parser,
# serializers and error rendering all recurse once per level.
MAX_NESTING_DEPTH = 32
# Strings are removed first, so that brackets inside them don't count (an unterminated one
# runs to the end); then everything but brackets.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
# An opening bracket goes one level down (+1), a closing one back up (-1, as a signed byte).
_DEPTH_STEPS = str.maketrans({"[": "\x01", "{": "\x01", "]": "\xff", "}": "\xff"})


class LimitedJSONParser(JSONParser):
    """Parse a JSON body of at most API_MAX_REQUEST_BYTES bytes and MAX_NESTING_DEPTH levels."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.API_MAX_REQUEST_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(too_large_detail())
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = raw.decode(encoding)
            _refuse_deep_nesting(text)
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"The body is not valid JSON: {error}.") from error


def _refuse_deep_nesting(text: str) -> None:
    """Raise ValueError for arrays and objects nested deeper than MAX_NESTING_DEPTH.

    Regular expressions and a running sum, no Python loop per bracket: a 2 MB body of any
    shape takes milliseconds.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    steps = array("b", brackets.translate(_DEPTH_STEPS).encode("latin-1"))
    if max(accumulate(steps), default=0) > MAX_NESTING_DEPTH:
        raise ValueError(
            f"arrays and objects are nested more than {MAX_NESTING_DEPTH} levels deep: send a "
            "flatter document"
        )


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")
