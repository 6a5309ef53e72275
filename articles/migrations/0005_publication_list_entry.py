"""Publication.list_entry: each article's delivery-list entry, rendered once when it changes.

updated_at is now set by the services (it is part of the rendered entry), not by auto_now.
The entries are rendered as the services rendered them at this migration (the renderer is
copied here, frozen), so that they are byte for byte what a service would have stored; later
migrations (0008) change stored entries from there.
"""

import json
from datetime import date, datetime

from django.db import migrations, models

HELP = "This article's entry in the delivery list, rendered JSON served as is."


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _list_entry(publication) -> bytes:
    entry = {
        "slug": publication.slug,
        "title": publication.title,
        "summary": publication.summary,
        "topics": publication.topics,
        "audience": publication.audience,
        "version": publication.version.number,
        "content_hash": publication.content_hash,
        "etag": publication.etag,
        "review_overdue": publication.review_overdue,
        "medical_review": {
            "reviewer_name": publication.reviewer_name,
            "reviewer_credentials": publication.reviewer_credentials,
            "review_kind": publication.review_kind,
            "approved_at": _iso(publication.approved_at),
            "last_reviewed": _iso(publication.last_reviewed),
            "next_review_due": _iso(publication.next_review_due),
        },
        "updated_at": _iso(publication.updated_at),
    }
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()


def render_list_entries(apps, schema_editor):
    Publication = apps.get_model("articles", "Publication")
    for publication in Publication.objects.select_related("version").iterator(chunk_size=500):
        publication.list_entry = _list_entry(publication)
        publication.save(update_fields=["list_entry"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_webhooks"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpublication",
            name="list_entry",
            field=models.BinaryField(default=b"", help_text=HELP),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publication",
            name="list_entry",
            field=models.BinaryField(default=b"", help_text=HELP),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="historicalpublication",
            name="updated_at",
            field=models.DateTimeField(help_text="When the served payload or status last changed."),
        ),
        migrations.AlterField(
            model_name="publication",
            name="updated_at",
            field=models.DateTimeField(help_text="When the served payload or status last changed."),
        ),
        migrations.RunPython(render_list_entries, migrations.RunPython.noop),
    ]
