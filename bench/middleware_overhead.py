"""Requests per second of /healthz under gunicorn + wrk on loopback for three middleware stacks, in rotation.

bare = Django's own middleware; prometheus = plus django-prometheus' middleware pair alone; monitoring = plus
chatmon's request context and request monitoring (metrics, rollups); full = chatmon's whole stack as shipped
(also the audit context, ban check, route guards, balance sync; django-prometheus' middleware is not in it, see
docs/monitoring.md). /healthz is left out of the access log, as probes are by default, so no log line is
written; bench/logging_overhead.py measures that line. bench/middleware_instructions.py counts the same stacks'
CPU instructions, which this noisy machine does not blur.
Prints each round and the median ratio of each stack to bare. The aim: full >= 0.85 x bare. No asserts.

    .venv/bin/python bench/middleware_overhead.py [--rounds 3] [--seconds 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatmon.testing.servers import free_port  # noqa: E402  (needs the path above)

STACKS = ("bare", "prometheus", "monitoring", "full")


def serve(stack: str, env: dict, workers: int, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    multiproc = tmp / f"prom-{stack}-{port}"
    multiproc.mkdir()
    env = {**env, "BENCH_STACK": stack, "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "WEB_CONCURRENCY": str(workers),
           "GUNICORN_THREADS": "1", "CHATMON_MULTIPROC_PREPARED": "1"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "chatmon.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).ok:
                return process, base
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn ({stack}) did not start")


def wrk(base: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", f"{base}/healthz"], capture_output=True, text=True, check=True
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def prepare(tmp: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.stacks.overhead_settings",
        "CHATMON_VAR_DIR": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BAN_VIOLATIONS": "true",  # the full stack includes the ban check (LibreChat's default is on)
    }
    if not os.environ.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        env["REDIS_URL"] = start_valkey().url  # stopped with this process
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk (or `make /usr/bin/wrk`)")
    results: dict[str, list[float]] = {stack: [] for stack in STACKS}
    with tempfile.TemporaryDirectory(prefix="chatmon-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = prepare(tmp)
        for round_no in range(1, args.rounds + 1):
            for stack in STACKS:  # in rotation, so drift in the machine's speed hits every stack alike
                process, base = serve(stack, env, args.workers, tmp)
                try:
                    wrk(base, 1)  # warm-up
                    results[stack].append(wrk(base, args.seconds))
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                print(f"round {round_no} {stack:<10} {results[stack][-1]:>9.0f} req/s", flush=True)
    bare = statistics.median(results["bare"])
    print(f"\n{'stack':<10} {'median req/s':>12} {'ratio to bare':>14}")
    for stack in STACKS:
        median = statistics.median(results[stack])
        print(f"{stack:<10} {median:>12.0f} {median / bare:>14.2f}")


if __name__ == "__main__":
    main()
