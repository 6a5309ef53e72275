"""Publication payloads and list entries re-encoded with `<`, `>` and `&` escaped.

Served bytes are now safe to inline in a <script> element (articles.rendering.payload_bytes).
The bytes change, so each ETag is recomputed as the services compute it, and each list entry,
which carries the ETag, is re-encoded too. The encodings and the ETag are written out here as
they are at this migration. Backwards writes the previous encoding, with its ETags.
"""

import hashlib
import json

from django.db import migrations

SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _encoded(value, *, script_safe: bool) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.translate(SCRIPT_SAFE) if script_safe else text).encode()


def _etag(version, payload: bytes) -> str:
    payload_digest = hashlib.sha256(payload).hexdigest()[:16]
    return f'"v{version.number}-{version.content_hash[:16]}-{payload_digest}"'


def _reencode(apps, *, script_safe: bool) -> None:
    Publication = apps.get_model("articles", "Publication")
    for publication in Publication.objects.select_related("version").iterator(chunk_size=200):
        payload = _encoded(json.loads(bytes(publication.payload)), script_safe=script_safe)
        etag = _etag(publication.version, payload)
        entry = json.loads(bytes(publication.list_entry))
        entry["etag"] = etag
        publication.payload = payload
        publication.etag = etag
        publication.list_entry = _encoded(entry, script_safe=script_safe)
        publication.save(update_fields=["payload", "etag", "list_entry"])


def encode_script_safe(apps, schema_editor) -> None:
    _reencode(apps, script_safe=True)


def encode_plain(apps, schema_editor) -> None:
    _reencode(apps, script_safe=False)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_webhook_fixed_errors_and_cancelled"),
    ]

    operations = [
        migrations.RunPython(encode_script_safe, encode_plain),
    ]
