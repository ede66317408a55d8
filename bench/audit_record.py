"""Audit events per second with the hash chain (auditlog.services.record) and without it (the same row built
the same way, inserted with a plain ORM create: no lock on the chain head, no hash), and their ratio.

    .venv/bin/python bench/audit_record.py [--events 2000] [--writers 4]   # scratch SQLite file under var/
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/audit_record.py

The database is a scratch one: the audit tables are emptied. Both variants run in this one invocation, with
1 writer and with N concurrent writer processes, so the ratios compare like with like. Also prints how long
verify_chain() takes per 1000 events. Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH_SQLITE = ROOT / "var" / "bench-auditlog.sqlite3"
PLAIN_SEQ_BASE = 10**15  # plain rows take positions far past the chain's, so both share the table


def _setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH_SQLITE}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    os.environ.setdefault("CONSOLE_LOG_LEVEL", "error")
    import django

    django.setup()


def _chained(n: int, worker: int) -> None:
    from auditlog.services import record

    record(action="chat.created", actor=f"job:bench-{worker}", metadata={"n": n, "worker": worker})


def _plain(n: int, worker: int) -> None:
    from auditlog.services import _build

    event = _build("chat.created", f"job:bench-{worker}", None, None, None, {"n": n, "worker": worker}, "success", None)
    from django.utils import timezone

    event.created_at, event.prev_hash, event.hash = timezone.now(), "", ""
    event.seq = PLAIN_SEQ_BASE + worker * 10**9 + n
    event.save(force_insert=True)


def _writer(args: tuple) -> float:
    variant, count, worker, start_at = args
    _setup_django()
    write = {"chain": _chained, "plain": _plain}[variant]
    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    for n in range(count):
        write(n, worker)
    return time.perf_counter() - started


def _run(variant: str, count: int, writers: int) -> float:
    """Events per second over all writers (total events / slowest writer's time)."""
    start_at = time.time() + 2
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        seconds = pool.map(_writer, [(variant, count, w, start_at) for w in range(writers)])
    return count * writers / max(seconds)


def _empty() -> None:
    from auditlog.models import AuditEvent, ChainHead, PrunedRange

    AuditEvent.objects.all().delete()
    ChainHead.objects.all().delete()
    PrunedRange.objects.all().delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000, help="events per writer")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writer processes")
    options = parser.parse_args()
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {options.events} events per writer")
    for writers in (1, options.writers):
        _empty()
        plain = _run("plain", options.events, writers)
        chained = _run("chain", options.events, writers)
        print(f"{writers} writer(s): plain {plain:8.0f} events/s | chain {chained:8.0f} events/s | "
              f"chain/plain {chained / plain:.2f}")  # fmt: skip
    from auditlog.models import AuditEvent
    from auditlog.services import verify_chain

    AuditEvent.objects.filter(seq__gte=PLAIN_SEQ_BASE).delete()
    started = time.perf_counter()
    report = verify_chain()
    seconds = time.perf_counter() - started
    per_thousand = seconds * 1000 / max(report.checked, 1) * 1000
    print(f"verify_chain: {report.checked} events, ok={report.ok}, {per_thousand:.1f} ms per 1000 events")


if __name__ == "__main__":
    main()
