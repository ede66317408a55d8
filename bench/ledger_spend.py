"""Spends per second: chatmon's ledger vs a raw-SQL ceiling vs a port of LibreChat's optimistic retry loop.

    .venv/bin/python bench/ledger_spend.py [--seconds 1] [--rounds 5]     # SQLite file under var/ (recreated)
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/ledger_spend.py

The PostgreSQL database is a scratch one: its ledger tables are migrated and filled. One spend is a prompt
and a completion row plus the balance update, for 1 and 8 concurrent client processes, on one user (all
clients contend for one balance row) and on many users. "raw" does the same writes in one transaction with
hand-written SQL and no ORM (the ceiling); "librechat" inserts each row and then runs LibreChat's
compare-and-set loop (10 attempts, 50 ms doubling backoff), counting the charges it gives up on ("lost").

Built for a small shared machine, where another process can steal a core for seconds: each scenario runs
in rounds, and every round runs all three variants back to back (in a rotating order), so a slow spell
hits one round of every variant rather than all rounds of one. The table shows the median spends/s over the
rounds and the median, min and max of the per-round ratio to raw (each measured in the same round). Each
variant charges its own users, so the closing check says, per variant, how many credits its rows charged
that its balances never received. Django runs with DEBUG off, as in production (DEBUG logs every query).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
USERS = 64
PROMPT, COMPLETION, RATE_IN, RATE_OUT = 10, 5, 2.5, 10.0  # gpt-4o
INSERT = (
    "INSERT INTO ledger_transaction (user_id, token_type, model, context, value_key, rate, raw_amount, token_value,"
    " balance_before, balance_after, written_off, reason, message_id, created_at)"
    " VALUES (%s, %s, 'gpt-4o', 'message', 'gpt-4o', %s, %s, %s, %s, %s, 0, '', %s, %s)"
)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    os.environ["CHECK_BALANCE"] = "true"
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()


def _worker_init() -> None:
    _setup_django()
    # Eight writers on one SQLite file wait for its lock by design; one warning per wait would drown the table.
    logging.getLogger("chatmon.db").setLevel(logging.ERROR)
    # Import and price once here so that no scenario measures a worker's first-call warm-up.
    from django.utils import timezone

    from ledger.overrides import table_at

    table_at(timezone.now()).value_key("gpt-4o")


def _spend_service(user_id: int, tag: str) -> tuple[int, int]:
    from ledger import services

    services.spend_tokens(
        user=user_id, model="gpt-4o", prompt_tokens=PROMPT, completion_tokens=COMPLETION, message_id=tag
    )
    return 0, 0


def _spend_raw(user_id: int, tag: str) -> tuple[int, int]:
    from django.db import connection, transaction
    from django.utils import timezone

    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT token_credits FROM ledger_balance WHERE user_id = %s{lock}", [user_id])
        credits = cursor.fetchone()[0]
        for token_type, count, rate in (("prompt", PROMPT, RATE_IN), ("completion", COMPLETION, RATE_OUT)):
            after = max(0.0, credits - count * rate)
            cursor.execute(
                INSERT, [user_id, token_type, rate, -count, -count * rate, credits, after, tag, timezone.now()]
            )
            credits = after
        cursor.execute("UPDATE ledger_balance SET token_credits = %s WHERE user_id = %s", [credits, user_id])
    return 0, 0


def _spend_librechat(user_id: int, tag: str) -> tuple[int, int]:
    """Row first (autocommit), then the balance by compare-and-set, giving up after 10 conflicts."""
    from django.db import connection
    from django.utils import timezone

    retries = lost = 0
    with connection.cursor() as cursor:
        for token_type, count, rate in (("prompt", PROMPT, RATE_IN), ("completion", COMPLETION, RATE_OUT)):
            cursor.execute(INSERT, [user_id, token_type, rate, -count, -count * rate, None, None, tag, timezone.now()])
            delay = 0.05
            for attempt in range(1, 11):
                cursor.execute("SELECT token_credits FROM ledger_balance WHERE user_id = %s", [user_id])
                current = cursor.fetchone()[0]
                cursor.execute(
                    "UPDATE ledger_balance SET token_credits = %s WHERE user_id = %s AND token_credits = %s",
                    [max(0.0, current - count * rate), user_id, current],
                )
                if cursor.rowcount:
                    break
                if attempt == 10:
                    lost += 1
                    break
                retries += 1
                time.sleep(delay + random.random() * delay * 0.5)
                delay = min(delay * 2, 2.0)
    return retries, lost


IMPLEMENTATIONS = {"service": _spend_service, "raw": _spend_raw, "librechat": _spend_librechat}


def _client(args: tuple) -> dict:
    impl, users, worker, start_at, end_at = args
    spend = IMPLEMENTATIONS[impl]
    done = retries = lost = 0
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < end_at:
        user_id = users[(worker + done * 7) % len(users)]
        extra_retries, extra_lost = spend(user_id, f"{impl}-{worker}-{done}-{start_at}")
        done, retries, lost = done + 1, retries + extra_retries, lost + extra_lost
    return {"done": done, "retries": retries, "lost": lost}


def _prepare(fresh_sqlite: Path | None) -> dict[str, list[int]]:
    """USERS users with 10^12 credits for each variant, so the closing check can tell the variants apart."""
    if fresh_sqlite is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh_sqlite}{suffix}").unlink(missing_ok=True)
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from ledger.models import Balance, Transaction

    call_command("migrate", verbosity=0)
    Transaction.objects.all().delete()
    Balance.objects.all().delete()
    User = get_user_model()
    users = {}
    for impl in IMPLEMENTATIONS:
        users[impl] = [User.objects.get_or_create(username=f"bench-{impl}-{i}")[0].pk for i in range(USERS)]
        Balance.objects.bulk_create(
            [Balance(user_id=pk, token_credits=1e12, opening_credits=1e12) for pk in users[impl]]
        )
    return users


def _run(pool, impl: str, clients: int, users: list[int], seconds: float) -> dict:
    # The workers are warm, so a quarter of a second is enough for every client to be waiting at the start.
    start_at = time.time() + 0.25
    results = pool.map(_client, [(impl, users, n, start_at, start_at + seconds) for n in range(clients)], chunksize=1)
    total = {key: sum(result[key] for result in results) for key in ("done", "retries", "lost")}
    return {**total, "per_second": total["done"] / seconds}


def _scenario(pool, clients: int, users: dict[str, list[int]], options) -> dict[str, dict]:
    """All variants, `rounds` times, interleaved; per variant: median spends/s and per-round ratios to raw."""
    impls = list(IMPLEMENTATIONS)
    rounds = {impl: [] for impl in impls}
    for number in range(options.rounds):
        order = impls[number % len(impls) :] + impls[: number % len(impls)]
        figures = {impl: _run(pool, impl, clients, users[impl], options.seconds) for impl in order}
        for impl in impls:
            rounds[impl].append({**figures[impl], "ratio": figures[impl]["done"] / max(figures["raw"]["done"], 1)})
    return {
        impl: {
            "per_second": statistics.median(run["per_second"] for run in runs),
            "ratios": sorted(run["ratio"] for run in runs),
            "retries": sum(run["retries"] for run in runs),
            "lost": sum(run["lost"] for run in runs),
        }
        for impl, runs in rounds.items()
    }


def _lost_in_database(users: list[int]) -> float:
    """Credits these users' rows charged that their balances never received (LibreChat's silent loss)."""
    from django.db.models import Sum

    from ledger.models import Balance, Transaction

    charged = Transaction.objects.filter(user_id__in=users).aggregate(total=Sum("token_value"))["total"] or 0.0
    balances = Balance.objects.filter(user_id__in=users).aggregate(total=Sum("token_credits"))["total"]
    return balances - (len(users) * 1e12 + charged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.0, help="measured time per variant and round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per scenario")
    options = parser.parse_args()
    fresh = None
    if not os.environ.get("DATABASE_URL"):
        fresh = ROOT / "var" / "bench-ledger.sqlite3"
        fresh.parent.mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{fresh}"
    users = _prepare(fresh)
    from django.db import connection

    print(
        f"database: {connection.vendor}; {options.rounds} interleaved rounds of {options.seconds:g} s per variant"
        f" and scenario; one spend = 2 rows + balance update; {os.cpu_count()} CPUs"
    )
    print(f"{'scenario':<22}{'impl':<11}{'spends/s':>10}{'vs raw':>8}{'(min-max)':>13}{'retries':>9}{'lost':>6}")
    connection.close()
    with multiprocessing.get_context("spawn").Pool(8, initializer=_worker_init) as pool:
        pool.map(time.sleep, [0.2] * 8, chunksize=1)  # every worker is up before the first scenario starts
        for clients in (1, 8):
            for label, count in (("one user", 1), ("many users", USERS)):
                targets = {impl: pks[:count] for impl, pks in users.items()}
                scenario = f"{clients} client{'s' if clients > 1 else ''}, {label}"
                for impl, figure in _scenario(pool, clients, targets, options).items():
                    ratios = figure["ratios"]
                    spread = f"({ratios[0]:.2f}-{ratios[-1]:.2f})"
                    print(
                        f"{scenario:<22}{impl:<11}{figure['per_second']:>10.1f}{statistics.median(ratios):>8.2f}"
                        f"{spread:>13}{figure['retries']:>9}{figure['lost']:>6}"
                    )
    lost = ", ".join(f"{impl} {_lost_in_database(pks):g}" for impl, pks in users.items())
    print(f"credits charged by rows but never taken from balances: {lost}")


if __name__ == "__main__":
    main()
