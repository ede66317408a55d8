import django.utils.timezone
from django.db import migrations, models

from chatmon.core.moves import move_content_types, state_only


class Migration(migrations.Migration):
    initial = True

    dependencies = [
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
                    name="CompactedBatch",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=200, unique=True)),
                        ("compacted_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "chatmon_compactedbatch",
                    },
                ),
                migrations.CreateModel(
                    name="ActiveUsers",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("resolution", models.CharField(choices=[("minute", "minute"), ("day", "day")], max_length=6)),
                        ("period", models.DateTimeField(help_text="Start of the minute or day (UTC).")),
                        ("users", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name_plural": "active users",
                        "db_table": "chatmon_activeusers",
                        "constraints": [
                            models.UniqueConstraint(fields=("resolution", "period"), name="active_users_key")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="DailyCount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("day", models.DateField()),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("browser", "browser family"),
                                    ("os", "OS family"),
                                    ("feature", "feature event"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                        ("count", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "chatmon_dailycount",
                        "constraints": [
                            models.UniqueConstraint(fields=("day", "kind", "name"), name="daily_count_key")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RequestRollup",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("minute", models.DateTimeField(help_text="Start of the minute (UTC).")),
                        ("route", models.CharField(help_text="URL pattern, never the raw path.", max_length=255)),
                        ("method", models.CharField(max_length=8)),
                        ("count", models.BigIntegerField(default=0)),
                        ("errors", models.BigIntegerField(default=0, help_text="Responses with status 500 and above.")),
                        (
                            "client_errors",
                            models.BigIntegerField(default=0, help_text="Responses with status 400-499."),
                        ),
                        (
                            "duration_sum_us",
                            models.BigIntegerField(default=0, help_text="Sum of durations to the last byte, µs."),
                        ),
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
                        ("streams", models.BigIntegerField(default=0, help_text="Streaming responses among `count`.")),
                        (
                            "ttfb_sum_us",
                            models.BigIntegerField(default=0, help_text="Sum of streams' time to first byte, µs."),
                        ),
                        (
                            "bytes_sent",
                            models.BigIntegerField(default=0, help_text="Bytes sent by streaming responses."),
                        ),
                        (
                            "disconnects",
                            models.BigIntegerField(default=0, help_text="Streams the client left before the end."),
                        ),
                    ],
                    options={
                        "db_table": "chatmon_requestrollup",
                        "indexes": [models.Index(fields=["minute"], name="request_rollup_minute")],
                        "constraints": [
                            models.UniqueConstraint(fields=("minute", "route", "method"), name="request_rollup_key")
                        ],
                    },
                ),
            ]
        ),
        move_content_types(
            "chatmon", "chatmon_monitoring", ["compactedbatch", "activeusers", "dailycount", "requestrollup"]
        ),
    ]
