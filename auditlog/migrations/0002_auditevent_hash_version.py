"""Audit events record the canonical form their hash covers: rows written before this migration were hashed
with version 1 (without `domain`) and keep it, so they still verify; new rows use version 2 (every column)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0001_initial"),
    ]

    operations = [
        # Existing rows get 1 ...
        migrations.AddField(
            model_name="auditevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        # ... and rows written from now on 2.
        migrations.AlterField(
            model_name="auditevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
    ]
