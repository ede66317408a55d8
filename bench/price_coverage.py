"""What price coverage and spend anomalies cost: the reads over the ledger's rows, against the alert rules'
existing spend sum over the same range, and a spend of an unpriced model against a priced one.

    .venv/bin/python bench/price_coverage.py [--sizes 100000 1000000 --repeat 5]   # SQLite under var/ (recreated)
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/price_coverage.py

The database is a scratch one. For each size the transactions are emptied and seeded with that many spend
rows (200 users, 8 priced models and 1% of rows on 3 unpriced ones, spread over the last 30 days). Timed, the
median of `--repeat` runs, each printed with its ratio to the baseline measured in the same run:
- unpriced_spends over 24 hours and 30 days (the Usage page's panel, the unpriced-model rule) against
  credits_spent over the same range (one SUM on the time index, the spend-per-hour rule's read);
- credits_by_user over 60 minutes (the user spend rules, the Abuse panel) against credits_spent over 60 min;
- spend_tokens of an unpriced model against a priced one (price coverage adds nothing to the spend path: an
  unpriced row says so by its empty value key and default rate).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
USERS = 200
PRICED = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "claude-3-5-haiku", "o3", "gemini-2.5-pro", "grok-4", "o4-mini"]
UNPRICED = ["acme-llm-1", "zeta-9", "house-model"]
SPAN_MINUTES = 30 * 24 * 60


def _setup(fresh: Path | None) -> None:
    if not os.environ.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        os.environ["REDIS_URL"] = start_valkey().url
    if fresh is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{fresh}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(size: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ledger.models import Transaction

    User = get_user_model()
    Transaction.objects.all().delete()
    User.objects.filter(username__startswith="bench-").delete()
    User.objects.bulk_create([User(username=f"bench-{i}") for i in range(USERS)])
    users = list(User.objects.filter(username__startswith="bench-").values_list("pk", flat=True))
    now, rng, rows = timezone.now(), random.Random(size), []
    for i in range(size):
        unpriced = rng.random() < 0.01
        model = rng.choice(UNPRICED if unpriced else PRICED)
        tokens, rate = rng.randint(10, 2000), 6.0 if unpriced else 2.5
        rows.append(Transaction(
            user_id=rng.choice(users), token_type="prompt" if i % 2 == 0 else "completion", model=model,
            context="message", value_key=None if unpriced else model, rate=rate, raw_amount=-tokens,
            token_value=-tokens * rate, created_at=now - timedelta(minutes=rng.randrange(SPAN_MINUTES)),
        ))  # fmt: skip
        if len(rows) == 20_000:
            Transaction.objects.bulk_create(rows)
            rows = []
    Transaction.objects.bulk_create(rows)
    return users


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _pair(label: str, measured, baseline, repeat: int) -> None:
    ours, base = _median(measured, repeat), _median(baseline, repeat)
    print(f"  {label:<44} {ours * 1000:9.2f} ms   baseline {base * 1000:8.2f} ms   ratio {ours / base:6.2f}")


def run(size: int, repeat: int) -> None:
    from django.utils import timezone

    from ledger import selectors, services

    started = time.perf_counter()
    users = _seed(size)
    print(f"{size:,} rows (seeded in {time.perf_counter() - started:.1f} s)")
    now = timezone.now()
    for label, span in (("24 hours", timedelta(hours=24)), ("30 days", timedelta(days=30))):
        _pair(f"unpriced_spends over {label}", lambda s=span: list(selectors.unpriced_spends(since=now - s)),
              lambda s=span: selectors.credits_spent(since=now - s), repeat)  # fmt: skip
    hour = now - timedelta(minutes=60)
    _pair("credits_by_user over 60 minutes", lambda: selectors.credits_by_user(since=hour),
          lambda: selectors.credits_spent(since=hour), repeat)  # fmt: skip
    services.spend_tokens(user=users[0], model="acme-llm-1", prompt_tokens=1)  # the once-per-model warning
    _pair("spend_tokens, unpriced model (x50)",
          lambda: [services.spend_tokens(user=users[0], model="acme-llm-1", prompt_tokens=100, completion_tokens=20)
                   for _ in range(50)],
          lambda: [services.spend_tokens(user=users[0], model="gpt-4o", prompt_tokens=100, completion_tokens=20)
                   for _ in range(50)], repeat)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    fresh = None if os.environ.get("DATABASE_URL") else ROOT / "var" / "bench-price-coverage.sqlite3"
    if fresh is not None:
        fresh.parent.mkdir(exist_ok=True)
    _setup(fresh)
    for size in args.sizes:
        run(size, args.repeat)


if __name__ == "__main__":
    main()
