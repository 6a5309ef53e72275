"""Publication.list_entry: each article's delivery-list entry, rendered once when it changes.

updated_at is now set by the services (it is part of the rendered entry), not by auto_now.
The entries are rendered by the function the services use, so that they are byte for byte
what a service would store; it reads only fields that Publication has at this migration.
"""

from django.db import migrations, models

HELP = "This article's entry in the delivery list, rendered JSON served as is."


def render_list_entries(apps, schema_editor):
    from articles.rendering import render_list_entry

    Publication = apps.get_model("articles", "Publication")
    for publication in Publication.objects.select_related("version").iterator(chunk_size=500):
        publication.list_entry = render_list_entry(publication)
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
