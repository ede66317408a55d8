import django.db.models.deletion
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
                    name="AlertRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, unique=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("error_rate", "error rate above X % over N minutes"),
                                    ("p95_latency", "p95 latency above X ms over N minutes"),
                                    ("spend_per_hour", "spend above X credits per hour (rate over N minutes)"),
                                    ("violation_spike", "more than X violations in N minutes"),
                                    ("ban_spike", "more than X bans in N minutes"),
                                    ("denial_spike", "more than X balance denials in N minutes"),
                                    ("job_stale", "a beat job's last success older than X minutes"),
                                    ("job_failing", "more than X beat jobs whose latest run failed"),
                                    ("health_failing", "more than X health checks failing"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "threshold",
                            models.FloatField(
                                help_text="X in the rule's description: it fires when the value is above it."
                            ),
                        ),
                        (
                            "window_minutes",
                            models.PositiveIntegerField(default=5, help_text="N: how far back the value looks."),
                        ),
                        (
                            "job",
                            models.CharField(
                                blank=True,
                                help_text="Job rules only: one beat job's task name; empty means every job.",
                                max_length=200,
                            ),
                        ),
                        (
                            "severity",
                            models.CharField(
                                choices=[("warning", "Warning"), ("critical", "Critical")],
                                default="warning",
                                max_length=10,
                            ),
                        ),
                        ("enabled", models.BooleanField(default=True)),
                        (
                            "for_minutes",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="Prometheus' for: the value must stay above X this long (consecutive evaluations, one a minute) before an incident opens; 0 opens it at the first breach.",
                            ),
                        ),
                        (
                            "keep_firing_minutes",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="Prometheus' keep_firing_for: an open incident resolves only once the value has stayed at or below X this long, so a value hovering around X does not open and resolve it again and again.",
                            ),
                        ),
                        (
                            "repeat_minutes",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="Alertmanager's repeat_interval: while an incident stays open, its notice is sent again this often ('still firing'); 0 sends it once.",
                            ),
                        ),
                        (
                            "escalate_after_minutes",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="An incident still firing this long after it opened is also announced to the escalation channels (which then get its resolved notice too); 0 never escalates.",
                            ),
                        ),
                        ("pending_since", models.DateTimeField(blank=True, editable=False, null=True)),
                        (
                            "silenced_until",
                            models.DateTimeField(
                                blank=True,
                                help_text="Until then incidents are still recorded but no notice is sent.",
                                null=True,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "chatmon_alertrule",
                    },
                ),
                migrations.CreateModel(
                    name="NotificationChannel",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, unique=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("webhook", "webhook (Slack-compatible JSON)"), ("email", "email")],
                                max_length=10,
                            ),
                        ),
                        (
                            "target",
                            models.CharField(
                                help_text="The webhook URL, or e-mail addresses separated by commas.", max_length=1000
                            ),
                        ),
                        ("enabled", models.BooleanField(default=True)),
                    ],
                    options={
                        "db_table": "chatmon_notificationchannel",
                    },
                ),
                migrations.CreateModel(
                    name="Incident",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("opened_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        ("value", models.FloatField(help_text="The value that opened the incident.")),
                        ("peak_value", models.FloatField()),
                        ("last_value", models.FloatField()),
                        ("summary", models.CharField(max_length=500)),
                        ("opened_notified_at", models.DateTimeField(blank=True, null=True)),
                        ("resolved_notified_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "silenced_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="Last time a notice of this incident was held back by the rule's silence.",
                                null=True,
                            ),
                        ),
                        ("quiet_since", models.DateTimeField(blank=True, null=True)),
                        (
                            "reminded_at",
                            models.DateTimeField(
                                blank=True, help_text="When the last 'still firing' notice was queued.", null=True
                            ),
                        ),
                        (
                            "escalated_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="When the incident was announced to its rule's escalation channels.",
                                null=True,
                            ),
                        ),
                        (
                            "rule",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="incidents",
                                to="chatmon_alerting.alertrule",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "chatmon_incident",
                        "ordering": ["-opened_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("event", models.CharField(max_length=10)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "pending (will be attempted)"),
                                    ("sent", "Sent"),
                                    ("failed", "failed (gave up)"),
                                    ("silenced", "dropped (rule silenced)"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        (
                            "next_attempt_at",
                            models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
                        ),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                        (
                            "incident",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="chatmon_alerting.incident",
                            ),
                        ),
                        (
                            "channel",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="chatmon_alerting.notificationchannel",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "deliveries",
                        "db_table": "chatmon_delivery",
                        "ordering": ["pk"],
                    },
                ),
                migrations.AddField(
                    model_name="alertrule",
                    name="channels",
                    field=models.ManyToManyField(
                        blank=True, related_name="rules", to="chatmon_alerting.notificationchannel"
                    ),
                ),
                migrations.AddField(
                    model_name="alertrule",
                    name="escalation_channels",
                    field=models.ManyToManyField(
                        blank=True, related_name="escalated_rules", to="chatmon_alerting.notificationchannel"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="incident",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("resolved_at__isnull", True)), fields=("rule",), name="alert_one_open"
                    ),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(fields=["status", "next_attempt_at"], name="alert_delivery_due"),
                ),
            ]
        ),
        move_content_types("chatmon", "chatmon_alerting", ["alertrule", "notificationchannel", "incident", "delivery"]),
    ]
