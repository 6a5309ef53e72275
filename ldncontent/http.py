"""Small helpers shared by the APIs: canonical hashes and entity tags."""

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from ldncontent.exceptions import MalformedIfMatch

# RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text
# (WSGI hands obs-text over as the Latin-1 characters U+0080-U+00FF).
_ETAGC = r"[\x21\x23-\x7e\x80-\xff]"
_TAG = rf'(?:W/)?"{_ETAGC}*"'
_ENTITY_TAG = re.compile(rf'(W/)?("{_ETAGC}*")')
# RFC 9110 5.6.1: a list is its elements with commas between them; optional whitespace around
# the commas, and empty elements, are allowed.
# Matched after the header is stripped: whitespace at its ends, matched by the pattern too,
# would make the match quadratic in the length of a run of spaces.
_TAG_LIST = rf"(?:,[ \t]*)*(?:{_TAG}(?:[ \t]*,(?:[ \t]*{_TAG})?)*)?"
# What a client may send (for the OpenAPI schema): `*` alone, or at least one entity tag.
IF_MATCH_PATTERN = rf"^[ \t]*(?:\*|(?:,[ \t]*)*{_TAG}(?:[ \t]*,(?:[ \t]*{_TAG})?)*)[ \t]*$"


def canonical_sha256(value: Any) -> str:
    """The SHA-256 (hex) of a JSON-serialisable value's canonical JSON (sorted keys, compact)."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def strong_etag(value: Any) -> str:
    """A strong ETag for a JSON-serialisable value."""
    return f'"{canonical_sha256(value)}"'


def parse_etag_list(header: str) -> list[str]:
    """The entity tags of an If-None-Match header, weak markers removed (weak comparison)."""
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.append(tag)
    return tags


@dataclass(frozen=True)
class EntityTag:
    """One entity tag of a header: the quoted opaque tag and whether it was marked weak."""

    opaque: str
    weak: bool


def parse_if_match(header: str) -> list[EntityTag]:
    """The entity tags of an If-Match header other than `*` (none for a blank list).

    Raises MalformedIfMatch when the header is not a list of entity tags (RFC 9110): an ETag
    sent without its double quotes, two tags without a comma, a `*` in a list.
    """
    if re.fullmatch(_TAG_LIST, header.strip(" \t")) is None:
        raise MalformedIfMatch()
    return [EntityTag(opaque, weak=bool(weak)) for weak, opaque in _ENTITY_TAG.findall(header)]
