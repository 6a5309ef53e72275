"""Small helpers shared by the APIs: canonical hashes and entity tags."""

import hashlib
import json
from typing import Any


def canonical_sha256(value: Any) -> str:
    """The SHA-256 (hex) of a JSON-serialisable value's canonical JSON (sorted keys, compact)."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def strong_etag(value: Any) -> str:
    """A strong ETag for a JSON-serialisable value."""
    return f'"{canonical_sha256(value)}"'


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
