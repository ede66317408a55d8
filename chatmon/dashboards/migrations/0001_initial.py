import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from chatmon.core.moves import move_content_types, state_only


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("chatmon", "0007_alerting_escalation"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        # The tables exist since chatmon 0001-0007 created them under the app label "chatmon";
        # here the models only move in Django's state (chatmon 0008 removes them there).
        *state_only(
            [
                migrations.CreateModel(
                    name="RollupCursor",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=50, unique=True)),
                        (
                            "complete_through",
                            models.DateTimeField(help_text="Hours before this one are final.", null=True),
                        ),
                        (
                            "lease_until",
                            models.DateTimeField(help_text="A run holds the cursor until then.", null=True),
                        ),
                    ],
                    options={
                        "db_table": "chatmon_rollupcursor",
                    },
                ),
                migrations.CreateModel(
                    name="BanHour",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("hour", models.DateTimeField()),
                        ("kind", models.CharField(max_length=8)),
                        ("source", models.CharField(max_length=12)),
                        ("count", models.IntegerField(default=0)),
                    ],
                    options={
                        "db_table": "chatmon_banhour",
                        "constraints": [
                            models.UniqueConstraint(fields=("hour", "kind", "source"), name="dash_ban_hour_key")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ModelUsageHour",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("hour", models.DateTimeField()),
                        (
                            "model",
                            models.CharField(
                                help_text="The ledger row's model; empty when it had none.", max_length=255
                            ),
                        ),
                        ("prompt_tokens", models.FloatField(default=0)),
                        ("completion_tokens", models.FloatField(default=0)),
                        ("credits", models.FloatField(default=0, help_text="Credits charged (positive).")),
                        (
                            "requests",
                            models.IntegerField(default=0, help_text="Prompt rows: one per charged chat request."),
                        ),
                    ],
                    options={
                        "db_table": "chatmon_modelusagehour",
                        "constraints": [models.UniqueConstraint(fields=("hour", "model"), name="dash_model_usage_key")],
                    },
                ),
                migrations.CreateModel(
                    name="RequestHour",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("hour", models.DateTimeField()),
                        ("route", models.CharField(max_length=255)),
                        ("method", models.CharField(max_length=8)),
                        ("count", models.BigIntegerField(default=0)),
                        ("errors", models.BigIntegerField(default=0)),
                        ("duration_sum_us", models.BigIntegerField(default=0)),
                        ("le_5", models.BigIntegerField(default=0)),
                        ("le_10", models.BigIntegerField(default=0)),
                        ("le_25", models.BigIntegerField(default=0)),
                        ("le_50", models.BigIntegerField(default=0)),
                        ("le_100", models.BigIntegerField(default=0)),
                        ("le_250", models.BigIntegerField(default=0)),
                        ("le_500", models.BigIntegerField(default=0)),
                        ("le_1000", models.BigIntegerField(default=0)),
                        ("le_2500", models.BigIntegerField(default=0)),
                        ("le_5000", models.BigIntegerField(default=0)),
                        ("le_10000", models.BigIntegerField(default=0)),
                        ("le_inf", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "chatmon_requesthour",
                        "constraints": [
                            models.UniqueConstraint(fields=("hour", "route", "method"), name="dash_request_hour_key")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ViolationHour",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("hour", models.DateTimeField()),
                        ("type", models.CharField(max_length=40)),
                        ("count", models.IntegerField(default=0)),
                        ("score", models.IntegerField(default=0)),
                    ],
                    options={
                        "db_table": "chatmon_violationhour",
                        "constraints": [
                            models.UniqueConstraint(fields=("hour", "type"), name="dash_violation_hour_key")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="OffenderDay",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("day", models.DateField()),
                        ("ip", models.GenericIPAddressField(null=True)),
                        ("count", models.IntegerField(default=0)),
                        ("score", models.IntegerField(default=0)),
                        (
                            "user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "chatmon_offenderday",
                        "indexes": [models.Index(fields=["day"], name="dash_offender_day")],
                    },
                ),
                migrations.CreateModel(
                    name="UserUsageDay",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("day", models.DateField()),
                        ("tokens", models.FloatField(default=0)),
                        ("credits", models.FloatField(default=0)),
                        ("requests", models.IntegerField(default=0)),
                        ("first_at", models.DateTimeField()),
                        ("last_at", models.DateTimeField()),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "chatmon_userusageday",
                        "constraints": [models.UniqueConstraint(fields=("day", "user"), name="dash_user_usage_key")],
                    },
                ),
            ]
        ),
        move_content_types(
            "chatmon",
            "chatmon_dashboards",
            [
                "rollupcursor",
                "banhour",
                "modelusagehour",
                "requesthour",
                "violationhour",
                "offenderday",
                "userusageday",
            ],
        ),
    ]
