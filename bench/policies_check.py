"""What group policies and hard-stop budgets add to a balance check (figures, no asserts).

    .venv/bin/python bench/policies_check.py        # scratch SQLite file and an embedded Valkey of its own

Times ledger.check_balance (balances on; each admitted hold released again, so the balance never runs out) for
one user with history (BENCH_SPENDS spend rows this month, 5,000 by default):
  baseline   no policy, no budget (the hooks return at once);
  policy     the user's group carries a policy with a model list (one query for the user's groups);
  capped     the policy also caps the user's monthly spend (plus one sum of the user's spends this month);
  budgets    plus a hard-stop group budget and a service budget, their spend cached (POLICIES_SPEND_CACHE_SECONDS
             5, the default: one cache read each);
  uncached   the same with the spend cache off (each check sums the group's and the service's month of rows).
Each figure is the mean of BENCH_CHECKS checks, printed with its ratio to the baseline of the same run.

Then the forecast, with BENCH_ROWS spend rows (200,000 by default) spread over the last 40 days: the service
month's forecast and one group budget's, against one plain SUM of the month's spends (the cheapest read of
the same rows) as the baseline.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHECKS = int(os.environ.get("BENCH_CHECKS", "500"))
SPENDS = int(os.environ.get("BENCH_SPENDS", "5000"))
ROWS = int(os.environ.get("BENCH_ROWS", "200000"))


def _setup(database_url: str, redis_url: str) -> None:
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, DEBUG="false", CHECK_BALANCE="true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    import django

    django.setup()


def _mean_ms(user) -> float:
    from ledger import services

    began = time.perf_counter()
    for _ in range(CHECKS):
        check = services.check_balance(user=user, model="gpt-4o-mini", amount=10)
        if check.hold is not None:
            services.release_hold(check.hold)
    return (time.perf_counter() - began) * 1000 / CHECKS


def main() -> None:
    from chatmon.testing.valkey import start_valkey

    valkey = start_valkey()
    folder = tempfile.mkdtemp(prefix="chatmon-bench-")
    try:
        _setup(f"sqlite:///{folder}/bench.sqlite3", valkey.url)
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.core.management import call_command

        from chatmon.policies.models import Budget, Policy
        from ledger import services

        call_command("migrate", verbosity=0)
        user = get_user_model().objects.create_user(username="bench")
        for _ in range(SPENDS):
            services.spend_tokens(user=user, model="gpt-4o-mini", prompt_tokens=10, completion_tokens=10)
        services.grant_credits(user=user, amount=10**9)
        figures = {"baseline": _mean_ms(user)}
        group = Group.objects.create(name="bench")
        user.groups.add(group)
        policy = Policy.objects.create(name="bench", start_balance=1000, allowed_models=["gpt-4o-mini", "claude-*"])
        policy.groups.add(group)
        figures["policy"] = _mean_ms(user)
        policy.budget_cap = 10**12
        policy.save()
        figures["capped"] = _mean_ms(user)
        Budget.objects.create(name="group", scope="group", group=group, limit=10**12, hard_stop=True)
        Budget.objects.create(name="service", scope="service", limit=10**12, hard_stop=True)
        figures["budgets"] = _mean_ms(user)
        settings.POLICIES_SPEND_CACHE_SECONDS = 0
        figures["uncached"] = _mean_ms(user)
        base = figures["baseline"]
        print(f"check_balance, mean of {CHECKS} checks, user with {SPENDS:,} spends this month (SQLite, Valkey):")
        for name, ms in figures.items():
            print(f"  {name:<9} {ms:7.3f} ms  x{ms / base:.2f}")
        _forecasts(user, group)
    finally:
        valkey.stop()


def _timed_ms(call, rounds: int = 5) -> float:
    began = time.perf_counter()
    for _ in range(rounds):
        call()
    return (time.perf_counter() - began) * 1000 / rounds


def _forecasts(user, group) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from chatmon.policies import forecast, periods
    from chatmon.policies.models import Budget
    from ledger import selectors
    from ledger.models import Transaction

    now = timezone.now()
    rows = [Transaction(user=user, token_type="prompt", model="gpt-4o-mini", raw_amount=-10, rate=0.15,
                        token_value=-1.5, created_at=now - timedelta(seconds=40 * 86400 * n / ROWS))
            for n in range(ROWS)]  # fmt: skip
    Transaction.objects.bulk_create(rows, batch_size=5000)
    start, _ = periods.bounds("month", now)
    budget = Budget.objects.get(name="group")
    base = _timed_ms(lambda: selectors.credits_spent(since=start))
    service = _timed_ms(lambda: forecast.of_service_month(now))
    grouped = _timed_ms(lambda: forecast.of_budget(budget, now))
    print(f"forecast with {ROWS + 2 * SPENDS:,} spend rows over 40 days (mean of 5):")
    print(f"  month SUM  {base:8.1f} ms  x1.00 (baseline)")
    print(f"  service    {service:8.1f} ms  x{service / base:.2f}")
    print(f"  group      {grouped:8.1f} ms  x{grouped / base:.2f}")


if __name__ == "__main__":
    main()
