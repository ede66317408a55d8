"""Alert rules, the channels their notices go to, and the incidents they open and resolve."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationChannel(models.Model):
    class Kind(models.TextChoices):
        WEBHOOK = "webhook", "webhook (Slack-compatible JSON)"
        EMAIL = "email", "email"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(max_length=1000, help_text="The webhook URL, or e-mail addresses separated by commas.")
    enabled = models.BooleanField(default=True)

    class Meta:
        db_table = "chatmon_notificationchannel"

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class AlertRule(models.Model):
    class Kind(models.TextChoices):
        ERROR_RATE = "error_rate", "error rate above X % over N minutes"
        P95_LATENCY = "p95_latency", "p95 latency above X ms over N minutes"
        SPEND_PER_HOUR = "spend_per_hour", "spend above X per hour (rate over N minutes)"
        VIOLATION_SPIKE = "violation_spike", "more than X violations in N minutes"
        BAN_SPIKE = "ban_spike", "more than X bans in N minutes"
        DENIAL_SPIKE = "denial_spike", "more than X balance denials in N minutes"
        JOB_STALE = "job_stale", "a beat job's last success older than X minutes"
        JOB_FAILING = "job_failing", "more than X beat jobs whose latest run failed"
        HEALTH_FAILING = "health_failing", "more than X health checks failing"
        AUDIT_UNSEALED = "audit_unsealed", "the oldest audit event not sealed into the chain waited over X seconds"
        # Kinds whose value is of one thing among many (a model, a user, a budget): the worst one, or the one
        # the rule's subject names; the incident says which.
        MODEL_ERROR_RATE = "model_error_rate", "a model's error rate above X % over N minutes"
        MODEL_TTFT_P95 = "model_ttft_p95", "a model's time to first token p95 above X ms over N minutes"
        USER_SPEND = "user_spend", "a user spent more than X in N minutes"
        USER_SPEND_SURGE = "user_spend_surge", "a user spends X times their usual rate (over N minutes)"
        UNPRICED_MODEL = "unpriced_model", "more than X models charged at the default rate in N minutes"
        BUDGET_USED = "budget_used", "a budget's spend above X % of its limit"

    class Severity(models.TextChoices):
        WARNING = "warning"
        CRITICAL = "critical"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    threshold = models.FloatField(help_text="X in the rule's description: it fires when the value is above it.")
    window_minutes = models.PositiveIntegerField(default=5, help_text="N: how far back the value looks.")
    job = models.CharField(
        max_length=200, blank=True, help_text="Job rules only: one beat job's task name; empty means every job."
    )
    subject = models.CharField(
        max_length=200,
        blank=True,
        help_text="Model, user and budget rules only: the one model (its price key), user (id or username) or "
        "budget (name) to watch; empty means every one, and the incident names the worst.",
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    enabled = models.BooleanField(default=True)
    channels = models.ManyToManyField(NotificationChannel, blank=True, related_name="rules")
    for_minutes = models.PositiveIntegerField(
        default=0,
        help_text="Prometheus' for: the value must stay above X this long (consecutive evaluations, one a minute) "
        "before an incident opens; 0 opens it at the first breach.",
    )
    keep_firing_minutes = models.PositiveIntegerField(
        default=0,
        help_text="Prometheus' keep_firing_for: an open incident resolves only once the value has stayed at or "
        "below X this long, so a value hovering around X does not open and resolve it again and again.",
    )
    repeat_minutes = models.PositiveIntegerField(
        default=0,
        help_text="Alertmanager's repeat_interval: while an incident stays open, its notice is sent again this "
        "often ('still firing'); 0 sends it once.",
    )
    escalate_after_minutes = models.PositiveIntegerField(
        default=0,
        help_text="An incident still firing this long after it opened is also announced to the escalation "
        "channels (which then get its resolved notice too); 0 never escalates.",
    )
    escalation_channels = models.ManyToManyField(NotificationChannel, blank=True, related_name="escalated_rules")
    # First evaluation of the current breach; cleared by the first one that finds the value at or below X.
    pending_since = models.DateTimeField(null=True, blank=True, editable=False)
    silenced_until = models.DateTimeField(
        null=True, blank=True, help_text="Until then incidents are still recorded but no notice is sent."
    )

    class Meta:
        db_table = "chatmon_alertrule"

    def __str__(self) -> str:
        return self.name

    def is_silenced(self) -> bool:
        return self.silenced_until is not None and self.silenced_until > timezone.now()


class Incident(models.Model):
    """A rule firing, from the evaluation that first saw it above its threshold until one saw it below."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="incidents")
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    value = models.FloatField(help_text="The value that opened the incident.")
    peak_value = models.FloatField()
    last_value = models.FloatField()
    summary = models.CharField(max_length=500)
    # Claimed by a conditional update before its deliveries are created, so each notice is queued once.
    opened_notified_at = models.DateTimeField(null=True, blank=True)
    resolved_notified_at = models.DateTimeField(null=True, blank=True)
    silenced_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time a notice of this incident was held back by the rule's silence."
    )
    # First evaluation of the current quiet spell of an open incident (its rule's keep_firing_minutes); cleared
    # when the value breaches again.
    quiet_since = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last 'still firing' notice was queued."
    )
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the incident was announced to its rule's escalation channels."
    )

    class Meta:
        db_table = "chatmon_incident"
        ordering = ["-opened_at"]
        constraints = [
            # At most one open incident per rule: two evaluations racing cannot open (and notify) it twice.
            models.UniqueConstraint(fields=["rule"], condition=Q(resolved_at__isnull=True), name="alert_one_open")
        ]

    def __str__(self) -> str:
        state = "resolved" if self.resolved_at else "open"
        return f"{self.rule} {self.opened_at:%Y-%m-%d %H:%M} ({state})"


class Attempts(models.Model):
    """A notice's way to one channel: attempted until it is sent or gives up, each attempt claimed by a
    conditional update of `attempts` (notify.attempt_row), so two evaluations never send the same attempt and
    a sent notice is never attempted again."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending (will be attempted)"
        SENT = "sent"
        FAILED = "failed", "failed (gave up)"
        SILENCED = "silenced", "dropped (rule silenced)"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


class Delivery(Attempts):
    """One notice of an incident to one channel, retried with backoff until it is sent or gives up."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=10)

    class Meta:
        db_table = "chatmon_delivery"
        ordering = ["pk"]
        verbose_name_plural = "deliveries"
        # The retry scan reads pending deliveries whose next attempt is due.
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="alert_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} notice to {self.channel.name}: {self.status}"


class AlertedSubject(models.Model):
    """A model (or other subject) a rule has named in an incident: kinds that alert once per subject
    (unpriced models) measure only the subjects not recorded here, so each is announced once, ever."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerted_subjects")
    subject = models.CharField(max_length=255)
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    first_alerted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "chatmon_alertedsubject"
        constraints = [models.UniqueConstraint(fields=["rule", "subject"], name="alert_subject_once")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}"


class BudgetDelivery(Attempts):
    """One budget notice (a budget reaching a level in a period, claimed once by chatmon.policies as a
    BudgetNotice) to one channel, retried with the backoff of an incident's deliveries (notify.attempt_row).

    The text is kept as it was when the level was crossed, so a retry reports the spend of that moment.
    """

    notice = models.ForeignKey("chatmon_policies.BudgetNotice", on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="budget_deliveries")
    text = models.TextField()
    body = models.JSONField(help_text="The webhook's JSON body.")

    class Meta:
        db_table = "chatmon_budgetdelivery"
        ordering = ["pk"]
        verbose_name_plural = "budget notice deliveries"
        constraints = [models.UniqueConstraint(fields=["notice", "channel"], name="budget_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="budget_delivery_due")]

    def __str__(self) -> str:
        return f"{self.notice} to {self.channel.name}: {self.status}"
