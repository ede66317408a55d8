"""Requests per second and CPU per request under gunicorn + wrk on loopback for four middleware stacks and two
routes, the stacks in rotation.

bare = Django's own middleware; prometheus = plus django-prometheus' middleware pair alone; monitoring = plus
chatmon's request context and request monitoring (metrics, rollups); full = chatmon's whole stack as shipped
(also the audit context, ban check, route guards, balance sync; django-prometheus' middleware is not in it, see
docs/monitoring.md). Two routes: /healthz, which the access log leaves out as it does every probe, and a real
one, the chat app's conversation list (`GET /api/conversations`) signed in as a user with a few
conversations, whose access line is written as shipped (level HTTP: the debug file of a development
setup). Besides wrk's rate, the workers' CPU time (user + system, from /proc) per request served: on a machine
that other work shares, the rate moves with what the others do, the CPU a request costs much less.
bench/middleware_instructions.py counts the same stacks' CPU instructions, which the machine does not blur.
Prints each round and the median ratios of each stack to bare, per route (for CPU: bare's CPU per request over
the stack's, what throughput would be if CPU were all that counted). No asserts.

    .venv/bin/python bench/middleware_overhead.py [--rounds 3] [--seconds 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stacks import scratch  # noqa: E402  (needs the path above)
from chatmon.testing.servers import free_port  # noqa: E402

STACKS = ("bare", "prometheus", "monitoring", "full")
# Route name -> (path, signed in): the conversation list is asked for with the user's session cookie, the probe
# without one, as probes come.
ROUTES = {"healthz": ("/healthz", False), "conversations": ("/api/conversations", True)}
CONVERSATIONS = 5  # the signed-in user's: one page of them in every answer

# Run once in the prepared database: the user, their conversations and a session; prints the session key.
_SIGN_IN = f"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from examples.chatapp import services

user = get_user_model().objects.create_user("bench", email="bench@example.com")
for number in range({CONVERSATIONS}):
    services.start_conversation(user=user, model="gpt-4o-mini", title=f"Conversation {{number}}")
client = Client()
client.force_login(user)
print(settings.SESSION_COOKIE_NAME + "=" + client.cookies[settings.SESSION_COOKIE_NAME].value)
"""


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


@dataclass
class Run:
    rate: float  # requests per second
    cpu_us: float  # CPU time (user + system) of the gunicorn workers per request, in microseconds


def wrk(url: str, seconds: int, cookie: str | None, workers: list[psutil.Process]) -> Run:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    cpu_before = _cpu_seconds(workers)
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", *headers, url], capture_output=True, text=True, check=True
    ).stdout
    cpu = _cpu_seconds(workers) - cpu_before
    if "Non-2xx" in out:  # a refused or failed request is no measure of the stack
        raise SystemExit(f"{url}: not every answer was a success:\n{out}")
    served = int(re.search(r"(\d+) requests in", out).group(1))
    return Run(rate=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), cpu_us=cpu / served * 1e6)


def _cpu_seconds(workers: list[psutil.Process]) -> float:
    # What the workers spent, whoever else used the machine meanwhile: steadier here than requests per second.
    return sum(sum(worker.cpu_times()[:2]) for worker in workers)


def prepare(tmp: Path) -> dict:
    # Always SQLite under `tmp`: the stacks are compared, not the databases.
    return scratch.prepare(
        tmp, "bench.stacks.overhead_settings", DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        BAN_VIOLATIONS="true",  # the full stack includes the ban check (LibreChat's default is on)
    )  # fmt: skip


def sign_in(env: dict) -> str:
    """The Cookie header of a signed-in user with CONVERSATIONS conversations, made in the prepared database."""
    return scratch.shell(env, _SIGN_IN)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk (or `make /usr/bin/wrk`)")
    results: dict[tuple[str, str], list[Run]] = {(stack, route): [] for stack in STACKS for route in ROUTES}
    with tempfile.TemporaryDirectory(prefix="chatmon-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = prepare(tmp)
        cookie = sign_in(env)
        for round_no in range(1, args.rounds + 1):
            for stack in STACKS:  # in rotation, so drift in the machine's speed hits every stack alike
                process, base = serve(stack, env, args.workers, tmp)
                workers = psutil.Process(process.pid).children()
                try:
                    for route, (path, signed_in) in ROUTES.items():
                        wrk(base + path, 1, cookie if signed_in else None, workers)  # warm-up
                        results[stack, route].append(
                            wrk(base + path, args.seconds, cookie if signed_in else None, workers)
                        )
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                figures = "  ".join(
                    f"{route} {results[stack, route][-1].rate:>6.0f} req/s {results[stack, route][-1].cpu_us:>6.0f} us"
                    for route in ROUTES
                )
                print(f"round {round_no} {stack:<10} {figures}", flush=True)
    rates = {key: statistics.median(run.rate for run in runs) for key, runs in results.items()}
    cpu = {key: statistics.median(run.cpu_us for run in runs) for key, runs in results.items()}
    print(
        f"\n{'median':<10}"
        + "".join(f" {route + ' req/s':>19} {'ratio':>6} {'CPU us':>7} {'ratio':>6}" for route in ROUTES)
    )
    for stack in STACKS:
        row = ""
        for route in ROUTES:
            rate_ratio = rates[stack, route] / rates["bare", route]
            cpu_ratio = cpu["bare", route] / cpu[stack, route]  # as throughput would be if CPU were all that counted
            row += f" {rates[stack, route]:>19.0f} {rate_ratio:>6.2f} {cpu[stack, route]:>7.0f} {cpu_ratio:>6.2f}"
        print(f"{stack:<10}{row}")


if __name__ == "__main__":
    main()
