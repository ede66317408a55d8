"""Sequence-then-seal: an event is written without a position or hashes, and the sealer (auditlog.sealing) fills
them in shortly after it commits, so `seq` may be null and the hashes empty until then.

Existing events were sealed when they were written (position, links and hashes in the old scheme, which are
the same columns and forms the sealer writes), and the chain head names the last of them. Neither is touched,
so they verify as before and the sealer continues the chain after the head. Only constraints change: on
PostgreSQL dropping NOT NULL is a catalogue change; SQLite rebuilds the table, copying each row as it is.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0002_auditevent_hash_version"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-id"]},
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
    ]
