"""Small HTTP helpers shared by the APIs: entity tags."""

import hashlib
import json
from typing import Any


def strong_etag(value: Any) -> str:
    """A strong ETag for a JSON-serialisable value: the SHA-256 of its canonical JSON."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest() + '"'


def parse_etag_list(header: str) -> list[str]:
    """The entity tags of an If-Match or If-None-Match header, weak markers removed."""
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.append(tag)
    return tags
