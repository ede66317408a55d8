"""How late a price override starts in another process, and what pricing costs per spend (figures, no asserts).

    .venv/bin/python bench/price_switch.py        # scratch SQLite file and an embedded Valkey of its own

A second process prices gpt-4o every 10 ms, as a process spending all the time would (ledger.overrides.
table_at at the current time, what spend_tokens prices with), with LEDGER_PRICE_CACHE_SECONDS at its default
30. This process then creates an override starting 15 s later (the setup of issue 19, where the other process
applied it 10 s late). Printed: the last moment the other process still priced at the old rate after the
override's start (its lateness), and the cost of one table_at call (its version-stamp read in Redis).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LEAD_SECONDS = 15


def _setup(database_url: str, redis_url: str) -> None:
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, DEBUG="false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    import django

    django.setup()


def reader(database_url: str, redis_url: str, until: str) -> None:
    """Prices every 10 ms until `until`; prints `<ISO time> <rate>` for every price and its moment."""
    _setup(database_url, redis_url)
    from django.utils import timezone

    from ledger.overrides import table_at

    end = datetime.fromisoformat(until)
    print("ready", flush=True)
    while (now := timezone.now()) < end:
        print(now.isoformat(), table_at(now).multiplier(model="gpt-4o", token_type="prompt"), flush=True)
        time.sleep(0.01)


def main() -> None:
    from chatmon.testing.valkey import start_valkey

    valkey = start_valkey()
    folder = tempfile.mkdtemp(prefix="chatmon-bench-")
    database_url = f"sqlite:///{folder}/bench.sqlite3"
    try:
        _setup(database_url, valkey.url)
        from django.core.management import call_command
        from django.utils import timezone

        from ledger.models import PriceOverride
        from ledger.overrides import table_at

        call_command("migrate", verbosity=0)
        start = timezone.now() + timedelta(seconds=LEAD_SECONDS)
        other = subprocess.Popen(
            [sys.executable, __file__, "reader", database_url, valkey.url, (start + timedelta(seconds=5)).isoformat()],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        assert other.stdout.readline().strip() == "ready"
        time.sleep(1)  # the other process has read the rows and would keep them 30 s
        PriceOverride.objects.create(pattern="gpt-4o", prompt=3, completion=12, effective_from=start)
        changes = [line.split() for line in other.communicate()[0].splitlines()]
        after_start = [(datetime.fromisoformat(at), float(rate)) for at, rate in changes]
        after_start = [(at, rate) for at, rate in after_start if at >= start]
        late = [at for at, rate in after_start if rate != 3]
        print(f"override created {LEAD_SECONDS} s ahead of its start; of the other process's {len(after_start)} "
              f"prices in the 5 s after the start, {len(late)} used the old rate"
              + (f", the last {(late[-1] - start).total_seconds():.2f} s after the start" if late else ""))  # fmt: skip
        calls = 20_000
        began = time.perf_counter()
        for _ in range(calls):
            table_at(timezone.now())
        print(f"table_at: {(time.perf_counter() - began) / calls * 1e6:.0f} us per call (one Redis GET)")
    finally:
        valkey.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["reader"]:
        reader(*sys.argv[2:5])
    else:
        main()
