"""Monitoring, dashboards and alerting models now belong to their own apps (their 0001 migrations take
them over with the same tables); here they leave the "chatmon" app's state. No table changes."""

from django.db import migrations

from chatmon.core.moves import state_only


class Migration(migrations.Migration):
    dependencies = [
        ("chatmon", "0007_alerting_escalation"),
        ("chatmon_monitoring", "0001_initial"),
        ("chatmon_dashboards", "0001_initial"),
        ("chatmon_alerting", "0001_initial"),
    ]

    operations = [
        *state_only(
            [
                migrations.DeleteModel(
                    name="ActiveUsers",
                ),
                migrations.RemoveField(
                    model_name="alertrule",
                    name="channels",
                ),
                migrations.RemoveField(
                    model_name="alertrule",
                    name="escalation_channels",
                ),
                migrations.RemoveField(
                    model_name="incident",
                    name="rule",
                ),
                migrations.DeleteModel(
                    name="BanHour",
                ),
                migrations.DeleteModel(
                    name="CompactedBatch",
                ),
                migrations.DeleteModel(
                    name="DailyCount",
                ),
                migrations.RemoveField(
                    model_name="delivery",
                    name="channel",
                ),
                migrations.RemoveField(
                    model_name="delivery",
                    name="incident",
                ),
                migrations.DeleteModel(
                    name="ModelUsageHour",
                ),
                migrations.RemoveField(
                    model_name="offenderday",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="RequestHour",
                ),
                migrations.DeleteModel(
                    name="RequestRollup",
                ),
                migrations.DeleteModel(
                    name="RollupCursor",
                ),
                migrations.RemoveField(
                    model_name="userusageday",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="ViolationHour",
                ),
                migrations.DeleteModel(
                    name="AlertRule",
                ),
                migrations.DeleteModel(
                    name="NotificationChannel",
                ),
                migrations.DeleteModel(
                    name="Delivery",
                ),
                migrations.DeleteModel(
                    name="Incident",
                ),
                migrations.DeleteModel(
                    name="OffenderDay",
                ),
                migrations.DeleteModel(
                    name="UserUsageDay",
                ),
            ]
        ),
    ]
