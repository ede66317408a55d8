"""Run by chatmon 0.1 (commit 402d6ab) through `manage.py shell -c`: one or more rows in every table a real
0.1 database has, written the way 0.1 wrote them (its services where they exist, so the audit chain is the
one 0.1 built), plus a group holding permissions on two models that move to other apps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType

# isort: off
# 0.1's modules, in one block: `api` and `chatmon.models` no longer exist in this tree, so an import sorter
# run here would take them for third-party packages.
import chatmon
from api.keys import create_key
from api.models import ExternalUser, IdempotentResponse, ImportedRow
from auditlog.services import record
from chatmon.alerting.models import AlertRule, Delivery, Incident, NotificationChannel
from chatmon.dashboards.models import (
    BanHour,
    ModelUsageHour,
    OffenderDay,
    RequestHour,
    RollupCursor,
    UserUsageDay,
    ViolationHour,
)
from chatmon.models import JobRun
from chatmon.monitoring.models import ActiveUsers, CompactedBatch, DailyCount, RequestRollup
from examples.chatapp.models import Conversation, Message
from ledger.models import Hold, PriceOverride
from ledger.services import grant_credits
from violations.bans import ban
from violations.models import ViolationTrend
from violations.services import log_violation
# isort: on

# A PYTHONPATH or an installed chatmon pointing at the new tree would make this whole test meaningless.
assert Path(chatmon.__file__).resolve().is_relative_to(Path.cwd().resolve()), chatmon.__file__

# Microseconds on purpose: a column that lost precision on the way would show.
HOUR = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AT = HOUR + timedelta(minutes=7, seconds=3, microseconds=123456)
DAY = date(2026, 3, 1)

operator = User.objects.create_superuser("operator", "operator@example.com", "operator-pass-1")
member = User.objects.create_user("member", "member@example.com", "member-pass-1", first_name="Mem")
offender = User.objects.create_user("offender", "offender@example.com", "offender-pass-1")

editors = Group.objects.create(name="alert-editors")
editors.permissions.add(
    Permission.objects.get(content_type=ContentType.objects.get(app_label="chatmon", model="alertrule"),
                           codename="change_alertrule"),
    Permission.objects.get(content_type=ContentType.objects.get(app_label="api", model="apikey"),
                           codename="view_apikey"),
    Permission.objects.get(content_type=ContentType.objects.get(app_label="ledger", model="balance"),
                           codename="view_balance"),
)  # fmt: skip
member.groups.add(editors)

# chatmon: jobs, and the monitoring rollups
JobRun.objects.create(
    task="chatmon.monitoring.compact", task_id="3f1c", started_at=AT, finished_at=AT + timedelta(seconds=2),
    status=JobRun.Status.SUCCESS, duration_ms=2012.5, summary={"batches": 3, "rows": [1, 2]},
)  # fmt: skip
JobRun.objects.create(
    task="ledger.refill_balances", request_id="req-0.1-admin", started_at=AT, status=JobRun.Status.FAILURE,
    error="Traceback (most recent call last):\n  boom",
)  # fmt: skip
RequestRollup.objects.create(
    minute=HOUR, route="api/chat/", method="POST", count=40, errors=2, client_errors=3, duration_sum_us=9_876_543,
    le_5=1, le_10=2, le_25=3, le_50=4, le_100=5, le_250=6, le_500=7, le_1000=8, le_2500=2, le_5000=1, le_10000=1,
    le_inf=0, streams=30, ttfb_sum_us=123_456, bytes_sent=2**40, disconnects=2,
)  # fmt: skip
DailyCount.objects.create(day=DAY, kind=DailyCount.Kind.BROWSER, name="Firefox", count=12)
DailyCount.objects.create(day=DAY, kind=DailyCount.Kind.FEATURE, name="conversation.shared", count=3)
ActiveUsers.objects.create(resolution=ActiveUsers.Resolution.MINUTE, period=HOUR, users=5)
ActiveUsers.objects.create(resolution=ActiveUsers.Resolution.DAY, period=HOUR.replace(hour=0), users=17)
CompactedBatch.objects.create(key="chatmon:monitoring:batch:1740830400:ab12", compacted_at=AT)

# chatmon.dashboards: hour and day rollups, and the cursor
ModelUsageHour.objects.create(
    hour=HOUR, model="gpt-4o", prompt_tokens=1200.5, completion_tokens=800, credits=0.1 + 0.2, requests=4
)
UserUsageDay.objects.create(day=DAY, user=member, tokens=2000.5, credits=12.25, requests=4, first_at=HOUR, last_at=AT)
RequestHour.objects.create(
    hour=HOUR, route="api/chat/", method="POST", count=40, errors=2, duration_sum_us=9_876_543, le_50=4, le_inf=1
)
ViolationHour.objects.create(hour=HOUR, type="logins", count=3, score=3)
BanHour.objects.create(hour=HOUR, kind="user", source="automatic", count=1)
OffenderDay.objects.create(day=DAY, user=offender, count=3, score=60)
OffenderDay.objects.create(day=DAY, ip="203.0.113.9", count=2, score=2)
RollupCursor.objects.create(name="usage", complete_through=HOUR, lease_until=AT)

# chatmon.alerting: channels, a rule on both its relations, incidents and deliveries
webhook = NotificationChannel.objects.create(
    name="ops-slack", kind=NotificationChannel.Kind.WEBHOOK, target="https://hooks.example.com/T0/B0"
)
mail = NotificationChannel.objects.create(
    name="oncall-mail", kind=NotificationChannel.Kind.EMAIL, target="a@example.com,b@example.com", enabled=False
)
rule = AlertRule.objects.create(
    name="chat errors", kind=AlertRule.Kind.ERROR_RATE, threshold=5.5, window_minutes=10,
    severity=AlertRule.Severity.CRITICAL, for_minutes=2, keep_firing_minutes=3, repeat_minutes=60,
    escalate_after_minutes=30, pending_since=AT, silenced_until=AT + timedelta(days=1),
)  # fmt: skip
rule.channels.add(webhook, mail)
rule.escalation_channels.add(mail)
stale = AlertRule.objects.create(name="refill stale", kind=AlertRule.Kind.JOB_STALE, threshold=90,
                                 job="ledger.refill_balances", enabled=False)  # fmt: skip
stale.channels.add(webhook)
resolved = Incident.objects.create(
    rule=rule, opened_at=HOUR, resolved_at=AT, value=6.0, peak_value=9.25, last_value=1.5, summary="error rate 6 %",
    opened_notified_at=HOUR, resolved_notified_at=AT, silenced_at=AT, quiet_since=AT, reminded_at=AT, escalated_at=AT,
)  # fmt: skip
open_incident = Incident.objects.create(
    rule=rule, opened_at=AT, value=7.0, peak_value=7.0, last_value=7.0, summary="error rate 7 %"
)
Delivery.objects.create(incident=resolved, channel=webhook, event="opened", status=Delivery.Status.SENT, attempts=1,
                        next_attempt_at=None, sent_at=HOUR)  # fmt: skip
Delivery.objects.create(incident=open_incident, channel=mail, event="opened", status=Delivery.Status.PENDING,
                        attempts=2, next_attempt_at=AT, last_error="SMTP 451 try later")  # fmt: skip

# api: a key made by its service (which audits it with the key as target), and rows pointing at it
key, _secret = create_key(
    name="librechat", scopes=["ledger:read", "events:write"], source="librechat", rate_limit_per_minute=600,
    expires_at=AT + timedelta(days=365), created_by=operator,
)  # fmt: skip
ExternalUser.objects.create(source="librechat", external_id="65f0c0ffee", user=member, tenant_id="tenant-1")
IdempotentResponse.objects.create(api_key=key, key="spend-0001", fingerprint="f" * 64, status_code=201,
                                  body='{"z": 1, "a": [2.5, null]}', created_at=AT)  # fmt: skip
ImportedRow.objects.create(collection="transactions", external_id="65f0c0ffee0001", created_at=AT)

# ledger, violations and the chat app: their services where they have one
grant_credits(user=member, amount=20000.5, actor=operator, reason="welcome credits")
grant_credits(user=member, amount=-500, actor=operator, reason="correction")
Hold.objects.create(user=member, amount=12.5, model="gpt-4o", expires_at=AT)
PriceOverride.objects.create(pattern="gpt-4o", prompt=2.5, completion=10, cache_read=1.25, effective_from=HOUR)
log_violation(type="logins", user=offender, ip="203.0.113.9", details={"attempts": 7})
ban(user=offender, ip="203.0.113.9", duration_ms=3_600_000, reason="too many logins", actor=operator)
ViolationTrend.objects.create(hour=HOUR, type="logins", count=3, total_score=3, unique_users=1, unique_ips=1)
conversation = Conversation.objects.create(user=member, title="Trip to Lisbon", model="gpt-4o")
Message.objects.create(conversation=conversation, role=Message.Role.USER, text="Plan 3 days", model="gpt-4o",
                       prompt_tokens=12)  # fmt: skip

# audit events whose targets are models that move: an alert rule (admin change), the API key (created above)
record(action="admin.changed", actor=operator, target=rule, metadata={"changed": ["threshold"]}, ip="198.51.100.7")
record(action="admin.added", actor=operator, target=webhook)
