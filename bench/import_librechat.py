"""LibreChat import at scale: rows per second and peak memory of `manage.py import_librechat`, for two export
sizes in one run (memory must stay flat in file size: the files are streamed), and a second run of the larger
export, which must import nothing and change no balance.

    .venv/bin/python bench/import_librechat.py [--users 20000 --sizes 100000 1000000]   # scratch SQLite under var/
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/import_librechat.py

For each size the scratch database is migrated and emptied, then mongoexport-style JSON-lines files are
written under var/bench-import/: `--users` users, that many transactions spread over them (one in 30 an
auto-refill credit, the rest prompt/completion spends with structured cache tokens on a third), and one
balance per user, 1 % of which disagree with their history (LibreChat's lost updates, reconciled by the
import). The import runs as its own process, as an operator runs it; its wall time (Django start-up
included) and peak resident memory (getrusage of that child) are printed, with the ratios of the larger size
to the smaller one. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH_SQLITE = ROOT / "var" / "bench-import.sqlite3"
FILES = ROOT / "var" / "bench-import"
MODELS = [("gpt-4o", 2.5, 10.0), ("gpt-4o-mini", 0.15, 0.6), ("claude-3-5-sonnet", 3.0, 15.0)]


def _oid(prefix: str, n: int) -> dict:
    return {"$oid": f"{prefix}{n:021x}"}


def write_export(users: int, transactions: int) -> None:
    """Users, transactions and balances, streamed to disk line by line (never held in memory)."""
    FILES.mkdir(parents=True, exist_ok=True)
    rng = random.Random(transactions)
    credits = [20000.0] * users
    with (FILES / "users.json").open("w") as out:
        for u in range(users):
            out.write(json.dumps({"_id": _oid("65a", u), "name": f"User {u}", "email": f"u{u}@example.com",
                                  "createdAt": {"$date": "2024-01-02T03:04:05Z"}}) + "\n")  # fmt: skip
    with (FILES / "transactions.json").open("w") as out:
        for t in range(transactions):
            u = rng.randrange(users)
            at = {"$date": 1706781600000 + t * 1000}
            if t % 30 == 0:
                doc = {"tokenType": "credits", "context": "autoRefill", "rate": 1, "rawAmount": 5000,
                       "tokenValue": 5000}  # fmt: skip
            else:
                model, prompt_rate, completion_rate = MODELS[t % len(MODELS)]
                prompt = t % 2 == 0
                raw = -rng.randint(10, 3000)
                rate = prompt_rate if prompt else completion_rate
                doc = {"tokenType": "prompt" if prompt else "completion", "model": model, "context": "message",
                       "valueKey": model, "conversationId": f"c-{u}-{t // 10}", "rate": rate, "rawAmount": raw,
                       "tokenValue": raw * rate}  # fmt: skip
                if prompt and t % 3 == 0:
                    doc |= {"inputTokens": raw, "writeTokens": -10, "readTokens": -100}
            credits[u] = max(0.0, credits[u] + doc["tokenValue"])
            out.write(json.dumps({"_id": _oid("65b", t), "user": _oid("65a", u), "createdAt": at, **doc}) + "\n")
    with (FILES / "balances.json").open("w") as out:
        for u in range(users):
            lost = 123.0 if u % 100 == 0 else 0.0  # LibreChat lost an update: its balance disagrees
            out.write(json.dumps({"_id": _oid("65c", u), "user": _oid("65a", u), "tokenCredits": credits[u] + lost,
                                  "autoRefillEnabled": u % 7 == 0, "refillAmount": 5000}) + "\n")  # fmt: skip


def _manage(*args: str, env: dict) -> tuple[float, float, str]:
    """Run manage.py; (wall seconds, peak RSS in MB, stdout)."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"manage.py {args[0]} failed:\n{out[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, out


def _fresh_database(env: dict) -> None:
    if "DATABASE_URL" not in os.environ:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SCRATCH_SQLITE}{suffix}").unlink(missing_ok=True)
    _manage("migrate", "--verbosity", "0", env=env)
    _manage("flush", "--no-input", env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--sizes", type=int, nargs=2, default=[100_000, 1_000_000])
    options = parser.parse_args()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "examples.demo.settings"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{SCRATCH_SQLITE}"),
        "CONSOLE_LOG_LEVEL": "error",
        "DEBUG": "false",
    }
    if not os.environ.get("REDIS_URL"):
        sys.path.insert(0, str(ROOT))
        from chatmon.testing.valkey import start_valkey

        env["REDIS_URL"] = start_valkey().url
    files = [f"--{name}={FILES / f'{name}.json'}" for name in ("users", "transactions", "balances")]
    results = []
    for size in options.sizes:
        _fresh_database(env)
        write_export(options.users, size)
        megabytes = sum((FILES / f"{name}.json").stat().st_size for name in ("users", "transactions")) / 2**20
        seconds, peak, out = _manage("import_librechat", *files, "--start-balance=20000", env=env)
        results.append((size, seconds, peak))
        print(f"{size:>9,} transactions ({megabytes:,.0f} MB of files), {options.users:,} users: {seconds:,.1f} s, "
              f"{size / seconds:,.0f} rows/s, peak {peak:,.0f} MB", flush=True)  # fmt: skip
        print("   " + " | ".join(line for line in out.splitlines() if line.startswith(("transactions", "balances"))))
    again, peak_again, out = _manage("import_librechat", *files, "--start-balance=20000", env=env)
    summary = " | ".join(line for line in out.splitlines() if line.startswith(("transactions", "balances")))
    print(f"second run of {options.sizes[1]:,}: {again:,.1f} s, peak {peak_again:,.0f} MB: {summary}")
    (small, small_s, small_peak), (large, large_s, large_peak) = results
    print(f"ratio {large:,} / {small:,}: rows/s {large / large_s / (small / small_s):.2f}, "
          f"peak memory {large_peak / small_peak:.2f} (flat in file size when close to 1)")  # fmt: skip


if __name__ == "__main__":
    main()
