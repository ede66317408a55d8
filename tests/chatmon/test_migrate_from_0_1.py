"""Upgrading from chatmon 0.1: a database that 0.1 (commit 402d6ab) created and filled migrates forward with
the current code, and nothing is lost.

0.1 kept JobRun and the monitoring, dashboards and alerting models in one app labelled "chatmon", and the
API's models in an app labelled "api". Now each has an app of its own: the chatmon_* apps adopt the tables in
their 0001 migrations (chatmon 0008 lets go of them), chatmon_api renames the api_* tables, and permissions
move to the new content types. This test builds the 0.1 database with 0.1's own code (its migrations, its
services), then runs the current migrations on it and compares every row, on the backend this session runs on
(SQLite, or PostgreSQL when DATABASE_URL says so).
"""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "migrate_from_0_1"
OLD_COMMIT = "402d6ab"
OLD_SETTINGS = "chatmon.settings"
NEW_SETTINGS = "examples.demo.settings"
# Generous: each command starts Django (1-2 s); PostgreSQL on a loaded CI machine is slower.
COMMAND_TIMEOUT = 300

pytestmark = pytest.mark.slow

# Every table the seed fills: name -> (model label in 0.1, model label now); "app.Model.field" is the
# table of a many-to-many field.
TABLES = {
    "jobrun": ("chatmon.JobRun", "chatmon.JobRun"),
    "requestrollup": ("chatmon.RequestRollup", "chatmon_monitoring.RequestRollup"),
    "dailycount": ("chatmon.DailyCount", "chatmon_monitoring.DailyCount"),
    "activeusers": ("chatmon.ActiveUsers", "chatmon_monitoring.ActiveUsers"),
    "compactedbatch": ("chatmon.CompactedBatch", "chatmon_monitoring.CompactedBatch"),
    "modelusagehour": ("chatmon.ModelUsageHour", "chatmon_dashboards.ModelUsageHour"),
    "userusageday": ("chatmon.UserUsageDay", "chatmon_dashboards.UserUsageDay"),
    "requesthour": ("chatmon.RequestHour", "chatmon_dashboards.RequestHour"),
    "violationhour": ("chatmon.ViolationHour", "chatmon_dashboards.ViolationHour"),
    "banhour": ("chatmon.BanHour", "chatmon_dashboards.BanHour"),
    "offenderday": ("chatmon.OffenderDay", "chatmon_dashboards.OffenderDay"),
    "rollupcursor": ("chatmon.RollupCursor", "chatmon_dashboards.RollupCursor"),
    "notificationchannel": ("chatmon.NotificationChannel", "chatmon_alerting.NotificationChannel"),
    "alertrule": ("chatmon.AlertRule", "chatmon_alerting.AlertRule"),
    "alertrule_channels": ("chatmon.AlertRule.channels", "chatmon_alerting.AlertRule.channels"),
    "alertrule_escalation_channels": (
        "chatmon.AlertRule.escalation_channels",
        "chatmon_alerting.AlertRule.escalation_channels",
    ),
    "incident": ("chatmon.Incident", "chatmon_alerting.Incident"),
    "delivery": ("chatmon.Delivery", "chatmon_alerting.Delivery"),
    "apikey": ("api.ApiKey", "chatmon_api.ApiKey"),
    "externaluser": ("api.ExternalUser", "chatmon_api.ExternalUser"),
    "idempotentresponse": ("api.IdempotentResponse", "chatmon_api.IdempotentResponse"),
    "importedrow": ("api.ImportedRow", "chatmon_api.ImportedRow"),
    **{
        label.replace(".", "_").lower(): (label, label)
        for label in (
            "auth.User",
            "auth.User.groups",
            "auth.Group",
            "auth.Group.permissions",
            "auth.Permission",
            "contenttypes.ContentType",
            "ledger.Balance",
            "ledger.Transaction",
            "ledger.Hold",
            "ledger.PriceOverride",
            "violations.Violation",
            "violations.Ban",
            "violations.ViolationTrend",
            "auditlog.AuditEvent",
            "auditlog.ChainHead",
            "chatapp.Conversation",
            "chatapp.Message",
        )
    },
}
# Content types of the models that changed app ("chatmon.alertrule" -> "chatmon_alerting.alertrule").
MOVED_CONTENT_TYPES = {old.lower(): new.lower() for old, new in TABLES.values() if old != new and old.count(".") == 1}
# Tables whose rows legitimately change: permissions follow their model; content types are only added.
CHANGING = {"auth_permission", "contenttypes_contenttype"}
# Columns added since 0.1 (or set anew by a migration), with the value the migration gives 0.1's rows: its audit
# events keep hash version 1.
ADDED_COLUMNS = {
    "auditlog_auditevent": {"hash_version": 1},
    "ledger_transaction": {"item": ""},
    "alertrule": {"subject": ""},  # a rule watches every model, user or budget until told otherwise
    # chatmon_dashboards 0003 empties the cursor: the next rollup run backfills the rollups it adds.
    "rollupcursor": {"complete_through": None},
    # LibreChat's interval refill and no cap of the user's own: 0.1's balances behave as before.
    "ledger_balance": {"refill_schedule": "", "refill_time": None, "refill_weekday": None, "refill_day": None,
                       "spend_cap_period": "", "spend_cap_credits": None},
}  # fmt: skip
# What the seed's group grants its member, as 0.1 and the current code name it.
PERMISSIONS = {
    "chatmon.change_alertrule": "chatmon_alerting.change_alertrule",
    "api.view_apikey": "chatmon_api.view_apikey",
    "ledger.view_balance": "ledger.view_balance",
}
OLD_APPS = ["chatmon", "api"]
NEW_MIGRATIONS = [
    "chatmon_monitoring.0001_initial",
    "chatmon_dashboards.0001_initial",
    "chatmon_alerting.0001_initial",
    "chatmon.0008_models_moved_to_their_apps",
    "chatmon_api.0001_initial",
]


def describe(done: subprocess.CompletedProcess[str]) -> str:
    """The command, its exit status and the end of its output, for assertion messages."""
    command = " ".join(str(arg) for arg in done.args)
    return f"{command[:200]}\nexit status {done.returncode}\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"


@dataclass(frozen=True)
class Checkout:
    """One version of chatmon: its tree, its settings module and the environment its commands run in."""

    root: Path
    settings: str
    env: dict[str, str]

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`manage.py <args>` in this version's tree; a non-zero exit fails the test with the output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.root, env={**self.env, "DJANGO_SETTINGS_MODULE": self.settings},
            capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
        )  # fmt: skip
        assert done.returncode == 0, describe(done)
        return done

    def script(self, name: str, **env: str) -> subprocess.CompletedProcess[str]:
        """One of the scripts beside this test, run by this version's `manage.py shell`."""
        with_env = Checkout(self.root, self.settings, {**self.env, **env})
        return with_env.manage("shell", "-c", f"# {name}\n{(SCRIPTS / name).read_text()}")

    def snapshot(self, out: Path, *, tables: dict[str, str], perms: list[str], apps: list[str]) -> dict:
        spec = {"out": str(out), "tables": tables, "user": "member", "perms": perms, "apps": apps}
        self.script("snapshot.py", CHATMON_SNAPSHOT_SPEC=json.dumps(spec))
        return json.loads(out.read_text())


@dataclass(frozen=True)
class Upgrade:
    new: Checkout
    migrate_output: str
    before: dict
    after: dict


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory) -> Path:
    """0.1's tree as `git archive` gives it: the code that created the database, not a copy kept in tests."""
    try:
        archive = subprocess.run(["git", "archive", OLD_COMMIT], cwd=ROOT, capture_output=True, timeout=120)
    except FileNotFoundError:
        pytest.fail("git is not installed: this test extracts chatmon 0.1 from the repository's history")
    if archive.returncode:
        pytest.fail(
            f"commit {OLD_COMMIT} (chatmon 0.1) is not in {ROOT}'s history; this test needs a full clone "
            f"(git fetch --unshallow):\n{archive.stderr.decode(errors='replace')}"
        )
    tree = tmp_path_factory.mktemp("chatmon-0.1")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A new, empty database on the backend this session runs on (not the test database)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('upgrade-db') / 'chatmon.sqlite3'}"
        return
    assert connection.vendor == "postgresql", connection.vendor
    import psycopg
    from psycopg import sql

    s = connection.settings_dict
    server = {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "user": s["USER"]}
    name = f"chatmon_upgrade_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(**server, password=s["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(**server, password=s["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def upgrade(old_tree, database_url, tmp_path_factory, output_dir) -> Upgrade:
    """0.1 migrates and fills a database; the current code migrates it. Snapshots of both go to test-output/."""
    work = tmp_path_factory.mktemp("upgrade")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ["REDIS_URL"],
            "CHATMON_VAR_DIR": str(work / "var"),
            # Keys and Celery queues of their own (cleaned with the session's, whose name they contain): tasks
            # 0.1's services enqueue must not reach the session's worker.
            "CHATMON_REDIS_NAMESPACE": f"{os.environ['CHATMON_REDIS_NAMESPACE']}-upgrade",
        }
    )
    old = Checkout(old_tree, OLD_SETTINGS, env)
    new = Checkout(ROOT, NEW_SETTINGS, env)
    snapshots = output_dir / f"migrate-from-0.1-{connection.vendor}"
    snapshots.mkdir(exist_ok=True)

    old.manage("migrate", "--no-input")
    old.script("seed_0_1.py")
    before = old.snapshot(
        snapshots / "before.json",
        tables={name: labels[0] for name, labels in TABLES.items()},
        perms=list(PERMISSIONS),
        apps=OLD_APPS,
    )
    migrated = new.manage("migrate", "--no-input")
    after = new.snapshot(
        snapshots / "after.json",
        tables={name: labels[1] for name, labels in TABLES.items()},
        perms=list(PERMISSIONS.values()),
        apps=[],
    )
    return Upgrade(new=new, migrate_output=migrated.stdout, before=before, after=after)


def by_pk(rows: list[dict]) -> dict:
    return {row["id"]: row for row in rows}


def test_it_applies_the_new_apps_migrations(upgrade):
    for migration in NEW_MIGRATIONS:
        assert f"Applying {migration}... OK" in upgrade.migrate_output, upgrade.migrate_output


def test_the_0_1_database_has_rows_in_every_table_of_the_moved_models(upgrade):
    """The seed, checked against 0.1's own app registry: a model it forgot would go unchecked."""
    named = {old for old, _ in TABLES.values()}
    assert set(upgrade.before["models"]) - named == set()
    assert [name for name, rows in upgrade.before["tables"].items() if not rows] == []


@pytest.mark.parametrize("table", sorted(set(TABLES) - CHANGING))
def test_it_keeps_every_row_with_the_same_values(upgrade, table):
    expected = [{**row, **ADDED_COLUMNS.get(table, {})} for row in upgrade.before["tables"][table]]
    assert upgrade.after["tables"][table] == expected


def test_it_keeps_every_content_type_for_the_audit_chain(upgrade):
    """Audit events recorded by 0.1 hash their target's old app label, so the old content types stay."""
    before, after = (by_pk(u["tables"]["contenttypes_contenttype"]) for u in (upgrade.before, upgrade.after))
    assert {pk: after.get(pk) for pk in before} == before
    targets = {event["target_type_id"] for event in upgrade.after["tables"]["auditlog_auditevent"]}
    assert {"chatmon.alertrule", "api.apikey"} <= targets


def test_it_moves_permissions_to_the_new_content_types(upgrade):
    """Same rows (so every group and user keeps its grants), now on the models' new content types."""
    expected = {
        pk: {**row, "content_type_id": MOVED_CONTENT_TYPES.get(row["content_type_id"], row["content_type_id"])}
        for pk, row in by_pk(upgrade.before["tables"]["auth_permission"]).items()
    }
    after = by_pk(upgrade.after["tables"]["auth_permission"])
    assert {pk: after.get(pk) for pk in expected} == expected
    added = [row for pk, row in after.items() if pk not in expected]
    assert [row for row in added if row["content_type_id"] in MOVED_CONTENT_TYPES.values()] == []
    assert upgrade.before["has_perm"] == dict.fromkeys(PERMISSIONS, True)
    assert upgrade.after["has_perm"] == dict.fromkeys(PERMISSIONS.values(), True)


def test_it_keeps_the_audit_chain_verifiable(upgrade):
    assert upgrade.after["audit_chain"] == upgrade.before["audit_chain"]
    assert upgrade.after["audit_chain"]["ok"], upgrade.after["audit_chain"]
    verified = upgrade.new.manage("auditlog_verify")
    assert "audit chain ok" in verified.stdout, describe(verified)


def test_it_leaves_no_model_change_without_a_migration(upgrade):
    upgrade.new.manage("makemigrations", "--check", "--dry-run")


def test_migrating_again_is_a_no_op(upgrade):
    again = upgrade.new.manage("migrate", "--no-input")
    assert "No migrations to apply." in again.stdout, describe(again)
    upgrade.new.manage("migrate", "--check")


def test_the_moved_tables_take_new_rows(upgrade):
    """Ids, foreign keys and many-to-many tables followed the models: the current code writes to them."""
    used = upgrade.new.script("use_after_upgrade.py")
    assert "audit chain ok" in used.stdout, describe(used)
