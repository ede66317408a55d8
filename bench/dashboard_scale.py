"""Server time of each dashboard with 10 thousand and with 1 million transactions and request rollups.

    .venv/bin/python bench/dashboard_scale.py [--sizes 10000 1000000 --repeat 3]   # SQLite under var/ (recreated)
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/dashboard_scale.py

The database is a scratch one. For each size the raw tables are emptied and seeded with that many ledger
transactions (200 users, 8 models, spread over the last 30 days), that many per-minute request rollup rows
(24 routes) and a hundredth as many violations; the usage rollup job then runs once (its time is printed
too), and each dashboard page is fetched through the test client for every range, `--repeat` times; the
median is printed. Dashboards read rollups only, so the ratio of the largest size to the smallest should stay
below 2. The alert rules' measurements over a 60-minute window are timed too: they count the window's raw
rows on the time index, so they grow with the traffic of the last hour (here a hundred times more at the
largest size, since rows are spread evenly), not with the tables. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
USERS, MODELS, ROUTES = 200, 8, 24
SPAN_MINUTES = 30 * 24 * 60


def _setup(fresh: Path | None) -> None:
    if not os.environ.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        os.environ["REDIS_URL"] = start_valkey().url  # sessions, cache and the health panel; stopped at exit
    if fresh is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{fresh}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    import django

    django.setup()
    # The Overview's health panel runs /health/'s checks; "no periodic job has run yet" is expected here.
    logging.getLogger("health_check").setLevel(logging.CRITICAL)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _users() -> list[int]:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.filter(username__startswith="bench-").delete()
    User.objects.bulk_create([User(username=f"bench-{i}", email=f"b{i}@example.com") for i in range(USERS)])
    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True, "is_superuser": True})
    return list(User.objects.filter(username__startswith="bench-").exclude(pk=staff.pk).values_list("pk", flat=True))


def _seed(size: int, users: list[int]) -> None:
    from django.utils import timezone

    from chatmon.dashboards.models import RollupCursor
    from chatmon.monitoring.models import RequestRollup
    from ledger.models import Transaction
    from violations.models import Violation

    for model in (Transaction, RequestRollup, Violation, RollupCursor):
        model.objects.all().delete()
    now = timezone.now().replace(second=0, microsecond=0)
    rng = random.Random(size)
    rows = []
    for i in range(size):
        kind = "prompt" if i % 2 == 0 else "completion"
        tokens = rng.randint(10, 2000)
        at = now - timedelta(minutes=rng.randrange(SPAN_MINUTES))
        rows.append(Transaction(
            user_id=rng.choice(users), token_type=kind, model=f"model-{rng.randrange(MODELS)}", rate=2.5,
            raw_amount=-tokens, token_value=-tokens * 2.5, created_at=at,
        ))  # fmt: skip
        if len(rows) == 10_000:
            Transaction.objects.bulk_create(rows)
            rows = []
    Transaction.objects.bulk_create(rows)
    _seed_rollups(size, now, rng)
    Violation.objects.bulk_create([
        Violation(type="logins", ip=f"198.51.100.{i % 250}", score=1, prev_count=0, count=1,
                  created_at=now - timedelta(minutes=rng.randrange(SPAN_MINUTES)))
        for i in range(size // 100)
    ], batch_size=5000)  # fmt: skip
    _analyze()


def _analyze() -> None:
    """PostgreSQL plans from table statistics that a bulk load leaves stale until autovacuum gets round to it
    (production tables have them): without them the time-index reads of a million rows ran up to 6x slower."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _seed_rollups(size: int, now, rng: random.Random) -> None:
    from chatmon.monitoring.models import RequestRollup

    cells = rng.sample(range(SPAN_MINUTES * ROUTES), min(size, SPAN_MINUTES * ROUTES))  # unique (minute, route)
    for start in range(0, len(cells), 10_000):
        RequestRollup.objects.bulk_create([
            RequestRollup(minute=now - timedelta(minutes=cell // ROUTES), route=f"api/route-{cell % ROUTES}",
                          method="GET", count=20, errors=1, duration_sum_us=20 * 40_000, le_25=10, le_50=8, le_250=2)
            for cell in cells[start : start + 10_000]
        ])  # fmt: skip


def _time_pages(repeat: int) -> dict[str, float]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from chatmon.dashboards.pages import PAGES
    from chatmon.dashboards.ranges import RANGES

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-staff"))
    times = {}
    for slug in PAGES:
        for key in RANGES:
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                assert client.get(f"/dashboard/{slug}/?range={key}").status_code == 200
                samples.append((time.perf_counter() - started) * 1000)
            times[f"{slug} {key}"] = statistics.median(samples)
    return times


def _time_alerts(repeat: int) -> dict[str, float]:
    from chatmon.alerting import values
    from chatmon.alerting.models import AlertRule

    times = {}
    for kind in ("error_rate", "p95_latency", "spend_per_hour", "violation_spike", "denial_spike"):
        rule = AlertRule(kind=kind, threshold=0, window_minutes=60)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            values.measure(rule)
            samples.append((time.perf_counter() - started) * 1000)
        times[f"alert {kind}"] = statistics.median(samples)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _setup(None if os.environ.get("DATABASE_URL") else ROOT / "var" / "bench-dashboards.sqlite3")
    from chatmon.dashboards.rollups import roll_up

    users = _users()
    results = {}
    for size in args.sizes:
        started = time.perf_counter()
        _seed(size, users)
        seeded = time.perf_counter()
        roll_up()
        rolled = time.perf_counter()
        print(f"{size:>9,} rows: seeded in {seeded - started:.1f} s, rollup job {rolled - seeded:.1f} s", flush=True)
        results[size] = _time_pages(args.repeat) | _time_alerts(args.repeat)
    _report(args.sizes, results)


def _report(sizes: list[int], results: dict) -> None:
    small, large = sizes[0], sizes[-1]
    print(f"\n{'page and range':<22}" + "".join(f"{size:>12,} ms" for size in sizes) + "   ratio")
    for name in results[small]:
        figures = "".join(f"{results[size][name]:>15.1f}" for size in sizes)
        print(f"{name:<22}{figures}   {results[large][name] / results[small][name]:.2f}")
    worst = max(results[large][n] / results[small][n] for n in results[small] if not n.startswith("alert "))
    print(f"\nworst dashboard ratio {worst:.2f} (target: below 2)")


if __name__ == "__main__":
    main()
