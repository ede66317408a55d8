"""Audit events per second through auditlog.services.record() ("chain") against a plain insert of the same row
("plain": built the same way, inserted with a plain ORM create into the same table and indexes: no chain
work at all), and their ratio, for 1 and N concurrent writer processes.

    .venv/bin/python bench/audit_record.py [--events 2000] [--writers 1] [--rounds 3]   # scratch SQLite under var/
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/audit_record.py [--writers 1 4]

The database is a scratch one: the audit tables are emptied. Both variants run in this one invocation, in
rotation (plain, chain, plain, chain, ...) for --rounds rounds, so the ratios compare like with like on a
machine whose load drifts; each line gives the median ratio and every round's ratio.

The chain runs as in production: record() writes unsealed events while one sealer process (the beat job's
seal, here every --seal-every seconds rather than 5 s) links them into the chain, so its cost on the shared
machine and database is in the figure. "sealed" is events/s until the last one was sealed (the sealer's final
run included), and "lag" how long after the writers finished that was. Code without a sealer (before
sequence-then-seal) runs the chain without one. Also prints how long verify_chain() takes per 1000 events.
Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
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


def _sealing():
    """auditlog.sealing, or None in code from before sequence-then-seal (record() then sealed as it wrote)."""
    try:
        from auditlog import sealing
    except ImportError:
        return None
    return sealing


def _chained(n: int, worker: int) -> None:
    from auditlog.services import record

    record(action="chat.created", actor=f"job:bench-{worker}", metadata={"n": n, "worker": worker})


def _plain(n: int, worker: int) -> None:
    from django.utils import timezone

    from auditlog.services import _build

    event = _build(action="chat.created", actor=f"job:bench-{worker}", metadata={"n": n, "worker": worker})
    event.created_at, event.prev_hash, event.hash = timezone.now(), "", ""
    event.seq = PLAIN_SEQ_BASE + worker * 10**9 + n
    event.save(force_insert=True)


def _writer(variant: str, count: int, worker: int, ready, results) -> None:
    _setup_django()
    write = {"chain": _chained, "plain": _plain}[variant]
    ready.wait()  # every writer has set Django up: they start together
    started_at, started = time.time(), time.perf_counter()
    for n in range(count):
        write(n, worker)
    results.put((started_at, time.time(), time.perf_counter() - started))


def _sealer(stop, every: float) -> None:
    """The beat job's seal in a loop, until told to stop."""
    _setup_django()
    sealing = _sealing()
    while not stop.wait(every):
        sealing.seal(wait=False)


def _run(variant: str, count: int, writers: int, seal_every: float) -> tuple[float, float | None, float | None]:
    """(events/s over all writers: total events / slowest writer's time, sealed events/s from the first write to
    the last seal, lag: seconds from the last write to the last seal)."""
    context = multiprocessing.get_context("spawn")
    sealer = stop = None
    if variant == "chain" and _sealing() is not None:
        stop = context.Event()
        sealer = context.Process(target=_sealer, args=(stop, seal_every))
        sealer.start()
    ready, results = context.Barrier(writers), context.Queue()
    processes = [context.Process(target=_writer, args=(variant, count, w, ready, results)) for w in range(writers)]
    for process in processes:
        process.start()
    runs = [results.get() for _ in processes]
    for process in processes:
        process.join()
    rate = count * writers / max(seconds for _, _, seconds in runs)
    if sealer is None:
        return rate, None, None
    stop.set()
    sealer.join()
    _sealing().seal()  # what the sealer had not reached when the writers stopped
    sealed_at = time.time()
    first, last = min(start for start, _, _ in runs), max(end for _, end, _ in runs)
    return rate, count * writers / (sealed_at - first), sealed_at - last


def _empty() -> None:
    from django.db import connection

    from auditlog.models import AuditEvent, ChainHead, PrunedRange

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # no dead rows left for the next round to step over
            tables = ", ".join(m._meta.db_table for m in (AuditEvent, ChainHead, PrunedRange))
            cursor.execute(f"TRUNCATE {tables}")
        return
    AuditEvent.objects.all().delete()
    ChainHead.objects.all().delete()
    PrunedRange.objects.all().delete()


def _rounds(options, writers: int) -> str:
    ratios, plains, chains, sealed, lags = [], [], [], [], []
    for _ in range(options.rounds):
        _empty()
        plain, _, _ = _run("plain", options.events, writers, options.seal_every)
        _empty()
        chain, sealed_rate, lag = _run("chain", options.events, writers, options.seal_every)
        ratios.append(chain / plain)
        plains.append(plain)
        chains.append(chain)
        if sealed_rate is not None:
            sealed.append(sealed_rate)
            lags.append(lag)
    line = (f"{writers} writer(s): plain {statistics.median(plains):7.0f} events/s | chain "
            f"{statistics.median(chains):7.0f} events/s | chain/plain {statistics.median(ratios):.2f} "
            f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})")  # fmt: skip
    if sealed:
        line += f" | sealed {statistics.median(sealed):7.0f} events/s, lag {statistics.median(lags):.2f} s"
    return line


def _verify_time() -> str:
    from auditlog.models import AuditEvent
    from auditlog.services import verify_chain

    AuditEvent.objects.filter(seq__gte=PLAIN_SEQ_BASE).delete()
    started = time.perf_counter()
    report = verify_chain()
    seconds = time.perf_counter() - started
    per_thousand = seconds * 1000 / max(report.checked, 1) * 1000
    return f"verify_chain: {report.checked} events, ok={report.ok}, {per_thousand:.1f} ms per 1000 events"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000, help="events per writer")
    parser.add_argument("--writers", type=int, nargs="+", help="writer process counts (default: 1 4 on "
                        "PostgreSQL, 1 on SQLite, whose writers take turns at one write lock)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="rounds of plain then chain, in rotation")
    parser.add_argument("--seal-every", type=float, default=0.5, help="seconds between the sealer's runs")
    options = parser.parse_args()
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    writer_counts = options.writers or ([1, 4] if connection.vendor == "postgresql" else [1])
    sealer = "a sealer process" if _sealing() else "no sealer (chained as it writes)"
    print(f"database: {connection.vendor}; {options.events} events per writer; {options.rounds} rounds; {sealer}")
    for writers in writer_counts:
        print(_rounds(options, writers), flush=True)
    print(_verify_time())


if __name__ == "__main__":
    main()
