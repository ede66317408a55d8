"""Auto-refill job at scale: time to refill N due balances for two sizes in one run (linear when the time ratio
is close to the size ratio), the smaller size again with daily calendar schedules (as a ratio to the interval's
time), and two jobs racing refilling each balance exactly once.

    .venv/bin/python bench/refills_scale.py [--sizes 100000 1000000] [--race-size N] [--seal]   # scratch SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/refills_scale.py

For each size the scratch database (SQLite: var/bench-refills.sqlite3, recreated) is emptied and seeded with
that many users whose balances have auto-refill on and fell due an hour ago: two INSERT ... SELECT statements
(see seed()), whose time is printed too. `ledger.refills.refill_due_balances` (what the beat job runs) then
runs once in this process and its wall time is printed; each refill writes its row and its audit event
(unsealed, as in production, where the auditlog.seal job links them later; `--seal` times that for the
larger size). The race size (default the larger size) is then seeded again and two processes run the job at
the same moment: the closing line counts balances refilled more than once (must be 0), balances whose credits
are not exactly one refill more (must be 0) and refill audit events (must equal the balances). Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH_SQLITE = ROOT / "var" / "bench-refills.sqlite3"
BATCH = 10_000


def _setup() -> None:
    if "DATABASE_URL" not in os.environ:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SCRATCH_SQLITE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH_SQLITE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    os.environ.setdefault("CONSOLE_LOG_LEVEL", "error")
    os.environ.setdefault("DEBUG", "false")
    os.environ["LEDGER_AUTO_REFILL_ENABLED"] = "true"
    os.environ.setdefault("LEDGER_REFILL_TIME_ZONE", "Europe/Berlin")
    if not os.environ.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        os.environ["REDIS_URL"] = start_valkey().url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(size: int, *, calendar: bool = False) -> float:
    """`size` users, each with a balance whose 1-day refill fell due an hour ago (with `calendar`: a daily
    schedule at the hour that passed an hour ago, whose next moment each refill computes in its time zone).
    Returns the seconds it took.

    Two INSERT ... SELECT statements over a counting CTE (SQLite and PostgreSQL both run it), whose constant
    columns are a template user's and balance's values as Django prepares them: a million users and balances
    in seconds, where bulk_create built its statements row by row for minutes. The previous round's rows go
    first with plain DELETEs (no ORM cascade collecting a million objects)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from auditlog.models import AuditEvent
    from ledger.models import Balance, Hold, Transaction

    started = time.perf_counter()
    User = get_user_model()
    due = timezone.now() - timedelta(days=1, hours=1)
    schedule = {"refill_schedule": "daily", "refill_time": (due + timedelta(days=1)).time()} if calendar else {}
    balance = Balance(
        token_credits=100,
        opening_credits=100,
        auto_refill_enabled=True,
        refill_interval_value=1,
        refill_interval_unit="days",
        refill_amount=5000,
        last_refill=due,
        next_refill_at=due + timedelta(days=1),
        **schedule,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (AuditEvent, Transaction, Hold, Balance):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE username LIKE 'refill-%%'")
        user_columns, user_values = _constant_columns(User(is_active=True), skip={"username"})
        cursor.execute(
            f"INSERT INTO {User._meta.db_table} ({user_columns}, username) "
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
            f"SELECT {', '.join(['%s'] * len(user_values))}, 'refill-' || i FROM n",
            [size, *user_values],
        )
        balance_columns, balance_values = _constant_columns(balance, skip={"user"})
        cursor.execute(
            f"INSERT INTO {Balance._meta.db_table} ({balance_columns}, user_id) "
            f"SELECT {', '.join(['%s'] * len(balance_values))}, id FROM {User._meta.db_table} "
            f"WHERE username LIKE 'refill-%%' ORDER BY id",
            balance_values,
        )
    return time.perf_counter() - started


def _constant_columns(instance, *, skip: set) -> tuple[str, list]:
    """The quoted columns and the values Django would insert for `instance`, leaving out its key, `skip` and
    what is None (NULL anyway; PostgreSQL would type a bare NULL parameter in a SELECT list as text)."""
    from django.db import connection

    prepared = [
        (field, field.get_db_prep_save(field.pre_save(instance, True), connection))
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in skip
    ]
    prepared = [(field, value) for field, value in prepared if value is not None]
    columns = ", ".join(connection.ops.quote_name(field.column) for field, _ in prepared)
    return columns, [value for _, value in prepared]


def _race_child() -> None:
    """One of the two racing jobs: wait for the go file, run the job, print its summary."""
    from chatmon.testing.together import ready_then_wait
    from ledger.refills import refill_due_balances

    ready_then_wait()
    print(refill_due_balances())


def race() -> tuple[list[str], int, int, int, int]:
    """Two processes run the job at the same moment; then (their summaries, balances refilled, balances
    refilled more than once, balances whose credits are not exactly one refill more, refill audit events)."""
    from django.db.models import Count

    from auditlog.models import AuditEvent
    from chatmon.testing.together import run_together
    from ledger.models import Balance, Transaction

    outs = run_together([[__file__, "--race-child"]] * 2, env=dict(os.environ), cwd=ROOT, timeout=7200)
    per_balance = Transaction.objects.filter(context="autoRefill").values("user_id").annotate(n=Count("id"))
    doubled = per_balance.filter(n__gt=1).count()
    inexact = Balance.objects.exclude(token_credits=100 + 5000).count()
    audited = AuditEvent.objects.filter(action="ledger.balance_refilled").count()
    return [out.strip().splitlines()[-1] for out in outs], per_balance.count(), doubled, inexact, audited


def timed_job() -> tuple[float, dict]:
    from ledger.refills import refill_due_balances

    started = time.perf_counter()
    summary = refill_due_balances()
    return time.perf_counter() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs=2, default=[100_000, 1_000_000])
    parser.add_argument("--race-size", type=int, help="due balances for the two racing jobs (default: the larger "
                        "size; 0 skips the race)")  # fmt: skip
    parser.add_argument("--seal", action="store_true", help="also time sealing the larger run's audit events")
    parser.add_argument("--race-child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    _setup()
    if options.race_child:
        _race_child()
        return
    timings = []
    for size in options.sizes:
        seeded = seed(size)
        seconds, summary = timed_job()
        timings.append(seconds)
        print(f"{size:>9,} due balances (seeded in {seeded:,.1f} s): {seconds:,.1f} s, {size / seconds:,.0f} "
              f"refills/s {summary}", flush=True)  # fmt: skip
    (small, large), (small_s, large_s) = options.sizes, timings
    print(f"time ratio {large_s / small_s:.1f} for a size ratio of {large / small:.1f} (linear when they match)")
    if options.seal:
        from auditlog import sealing

        started = time.perf_counter()
        report = sealing.seal()
        sealed_s = time.perf_counter() - started
        print(f"sealing the {large:,} refill events: {sealed_s:,.1f} s, {report.sealed / sealed_s:,.0f} events/s")
    seed(small, calendar=True)
    calendar_s, summary = timed_job()
    print(f"{small:>9,} due daily calendar schedules ({os.environ['LEDGER_REFILL_TIME_ZONE']}): {calendar_s:,.1f} s, "
          f"{calendar_s / small_s:.2f} x the interval's time {summary}", flush=True)  # fmt: skip
    race_size = large if options.race_size is None else options.race_size
    if race_size:
        seed(race_size)
        summaries, refilled, doubled, inexact, audited = race()
        print(f"two jobs at once on {race_size:,}: {summaries}; {refilled:,} balances refilled, {doubled} more than "
              f"once, {inexact} with other credits than one refill more; {audited:,} refill audit events")  # fmt: skip


if __name__ == "__main__":
    main()
