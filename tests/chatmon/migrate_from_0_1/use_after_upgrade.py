"""Run by the new code through `manage.py shell -c` on the upgraded database: the moved and renamed tables take
new rows (their id sequences and foreign keys followed them), and the audit chain grows past the upgrade."""

from __future__ import annotations

from django.db import connection, transaction

from auditlog.services import record, verify_chain
from chatmon.alerting.models import AlertRule, NotificationChannel
from chatmon.api.keys import create_key
from chatmon.api.models import ApiKey, IdempotentResponse
from chatmon.core.models import JobRun

before = ApiKey.objects.order_by("pk").last()
key, _secret = create_key(name="after-upgrade", scopes=["bans:read"])
assert key.pk > before.pk, (key.pk, before.pk)
IdempotentResponse.objects.create(api_key=key, key="k-1", fingerprint="0" * 64, status_code=200, body="{}")
rule = AlertRule.objects.create(name="after upgrade", kind=AlertRule.Kind.BAN_SPIKE, threshold=3)
rule.channels.add(*NotificationChannel.objects.all())
record(action="admin.added", target=rule)
JobRun.objects.create(task="chatmon.after_upgrade")
with transaction.atomic():
    connection.check_constraints()  # SQLite: PRAGMA foreign_key_check; PostgreSQL: deferred FKs checked now

report = verify_chain()
assert report.ok, report
print(f"after upgrade: key {key.pk}, rule {rule.pk}, audit chain ok over {report.checked} events")
