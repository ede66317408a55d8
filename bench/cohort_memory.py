"""The cohort job's peak memory at two sizes, in one run: does it stay flat as users grow?

    .venv/bin/python bench/cohort_memory.py [--sizes 5000 50000 --days 6]   # scratch SQLite under var/
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/cohort_memory.py

For each size the scratch database is emptied and seeded with that many users who joined over the last 26
weeks, each with spends on `--days` days after joining and as many sign-in days (bulk inserts); then
`chatmon.analytics.cohorts.compute()` (what the hourly beat job runs) runs under tracemalloc, and its wall
time, peak Python memory and cell count are printed, with the ratios of the larger size to the smaller.
Flat memory means a ratio near 1 while the users ratio is 10. Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH_SQLITE = ROOT / "var" / "bench-cohorts.sqlite3"
BATCH = 10_000


def _setup() -> None:
    if "DATABASE_URL" not in os.environ:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SCRATCH_SQLITE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH_SQLITE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    os.environ.setdefault("CONSOLE_LOG_LEVEL", "error")
    os.environ.setdefault("DEBUG", "false")
    if not os.environ.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        os.environ["REDIS_URL"] = start_valkey().url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(size: int, days: int) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from chatmon.analytics.models import SignInPlace
    from ledger.models import Transaction

    User = get_user_model()
    SignInPlace.objects.all().delete()
    Transaction.objects.all().delete()
    User.objects.all().delete()
    now, rng = timezone.now(), random.Random(size)
    for start in range(0, size, BATCH):
        users = User.objects.bulk_create(
            User(username=f"c{n}", date_joined=now - dt.timedelta(minutes=rng.randrange(26 * 7 * 24 * 60)))
            for n in range(start, min(size, start + BATCH))
        )  # fmt: skip
        rows, places = [], []
        for user in users:
            age = (now - user.date_joined).days
            for day in sorted(rng.sample(range(age + 1), min(days, age + 1))):
                at = user.date_joined + dt.timedelta(days=day)
                rows.append(Transaction(user_id=user.pk, token_type="prompt", model="gpt-4o", raw_amount=-10,
                                        token_value=-25, rate=2.5, created_at=at))  # fmt: skip
                places.append(SignInPlace(user_id=user.pk, day=at.date(), country="GB"))
        Transaction.objects.bulk_create(rows, batch_size=2000)
        SignInPlace.objects.bulk_create(places, batch_size=2000, ignore_conflicts=True)


def measure() -> tuple[float, int, int]:
    from chatmon.analytics import cohorts

    tracemalloc.start()
    started = time.perf_counter()
    cells = cohorts.compute()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, sum(cells.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[5_000, 50_000])
    parser.add_argument("--days", type=int, default=6)
    options = parser.parse_args()
    _setup()
    from django.conf import settings

    figures = []
    for size in options.sizes:
        seed(size, options.days)
        figures.append(measure())
        seconds, peak, cells = figures[-1]
        print(f"{size:>9,} users: {seconds:7.2f} s, peak {peak / 1e6:7.2f} MB traced, {cells} cells")
    (small_s, small_m, _), (large_s, large_m, _) = figures
    print(f"database: {settings.DATABASES['default']['ENGINE']}; users x{options.sizes[1] / options.sizes[0]:g}: "
          f"time x{large_s / small_s:.2f}, peak memory x{large_m / small_m:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
