"""Publication history keeps no served bytes: payload and list entry are reproducible from the
version and the fields the history keeps.

The columns get a default before they are dropped, so that backwards they come back holding
empty bytes for the records made meanwhile.
"""

from django.db import migrations, models

PAYLOAD_HELP = "The rendered JSON served to consuming sites."
LIST_ENTRY_HELP = "This article's entry in the delivery list, rendered JSON served as is."


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_publication_payload_script_safe"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalpublication",
            name="payload",
            field=models.BinaryField(default=b"", help_text=PAYLOAD_HELP),
        ),
        migrations.AlterField(
            model_name="historicalpublication",
            name="list_entry",
            field=models.BinaryField(default=b"", help_text=LIST_ENTRY_HELP),
        ),
        migrations.RemoveField(
            model_name="historicalpublication",
            name="list_entry",
        ),
        migrations.RemoveField(
            model_name="historicalpublication",
            name="payload",
        ),
    ]
