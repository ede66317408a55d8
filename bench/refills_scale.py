"""Auto-refill job at scale: time to refill N due balances for two sizes in one run (linear when the time ratio
is close to the size ratio), the smaller size again with daily calendar schedules (as a ratio to the interval's
time), and two jobs racing on the larger size refilling each balance exactly once.

    .venv/bin/python bench/refills_scale.py [--sizes 100000 1000000]   # scratch SQLite under var/ (recreated)
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/refills_scale.py

For each size the scratch database is emptied and seeded (bulk inserts) with that many users whose balances
have auto-refill on and fell due an hour ago; `ledger.refills.refill_due_balances` (what the beat job runs)
then runs once in this process and its wall time is printed. The larger size is then seeded again and two
processes run the job at the same moment: the closing line counts refill rows per balance (must be exactly
one each) and the two jobs' summaries. Figures are printed, never asserted.
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


def seed(size: int, *, calendar: bool = False) -> None:
    """`size` users, each with a balance whose 1-day refill fell due an hour ago (with `calendar`: a daily
    schedule at the hour that passed an hour ago, whose next moment each refill computes in its time zone)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ledger.models import Balance, Transaction

    User = get_user_model()
    Transaction.objects.all().delete()
    Balance.objects.all().delete()
    User.objects.filter(username__startswith="refill-").delete()
    for start in range(0, size, BATCH):
        User.objects.bulk_create([User(username=f"refill-{n}") for n in range(start, min(size, start + BATCH))])
    due = timezone.now() - timedelta(days=1, hours=1)
    schedule = {"refill_schedule": "daily", "refill_time": (due + timedelta(days=1)).time()} if calendar else {}
    ids = User.objects.filter(username__startswith="refill-").values_list("pk", flat=True).iterator(chunk_size=BATCH)
    batch: list = []
    for user_id in ids:
        batch.append(
            Balance(
                user_id=user_id,
                token_credits=100,
                auto_refill_enabled=True,
                refill_interval_value=1,
                refill_interval_unit="days",
                refill_amount=5000,
                last_refill=due,
                next_refill_at=due + timedelta(days=1),
                **schedule,
            )
        )
        if len(batch) == BATCH:
            Balance.objects.bulk_create(batch)
            batch = []
    Balance.objects.bulk_create(batch)


def _race_child() -> None:
    """One of the two racing jobs: wait for the go file, run the job, print its summary."""
    from chatmon.testing.together import ready_then_wait
    from ledger.refills import refill_due_balances

    ready_then_wait()
    print(refill_due_balances())


def race() -> tuple[list[str], int, int]:
    from django.db.models import Count

    from chatmon.testing.together import run_together
    from ledger.models import Transaction

    outs = run_together([[__file__, "--race-child"]] * 2, env=dict(os.environ), cwd=ROOT, timeout=7200)
    per_balance = Transaction.objects.filter(context="autoRefill").values("user_id").annotate(n=Count("id"))
    doubled = per_balance.filter(n__gt=1).count()
    return [out.strip().splitlines()[-1] for out in outs], per_balance.count(), doubled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs=2, default=[100_000, 1_000_000])
    parser.add_argument("--race-child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    _setup()
    if options.race_child:
        _race_child()
        return
    from ledger.refills import refill_due_balances

    timings = []
    for size in options.sizes:
        seed(size)
        started = time.perf_counter()
        summary = refill_due_balances()
        seconds = time.perf_counter() - started
        timings.append(seconds)
        print(f"{size:>9,} due balances: {seconds:,.1f} s, {size / seconds:,.0f} refills/s {summary}", flush=True)
    (small, large), (small_s, large_s) = options.sizes, timings
    print(f"time ratio {large_s / small_s:.1f} for a size ratio of {large / small:.1f} (linear when they match)")
    seed(small, calendar=True)
    started = time.perf_counter()
    summary = refill_due_balances()
    calendar_s = time.perf_counter() - started
    print(f"{small:>9,} due daily calendar schedules ({os.environ['LEDGER_REFILL_TIME_ZONE']}): {calendar_s:,.1f} s, "
          f"{calendar_s / small_s:.2f} x the interval's time {summary}")  # fmt: skip
    seed(large)
    summaries, refilled, doubled = race()
    print(f"two jobs at once on {large:,}: {summaries}; {refilled:,} balances refilled, {doubled} more than once")


if __name__ == "__main__":
    main()
