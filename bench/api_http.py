"""Spends per second through the HTTP API under gunicorn, measured from outside with wrk, against a bare view.

    .venv/bin/python bench/api_http.py [--seconds 5 --rounds 5 --workers 2 --batch 100]   # scratch SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/api_http.py   # a new database
                                                                               # chatmon_bench_<random>, dropped after

gunicorn as deployed (deploy/gunicorn.conf.py, 2 workers of 4 threads, the full middleware stack, DEBUG off), wrk on
loopback with a Lua script that makes every request's body (a fresh message id each, 1,000 users in
turn: concurrent batches over a few users would only queue on those users' balance locks):
"bare" posts one spend's body to a view that answers 200 at once; "spend" posts it to /api/v1/spends with an
API key; "batch" posts `--batch` spends per request to /api/v1/spends/batch. The variants take turns, each
once gunicorn's workers are idle again (settle), and the median of the rounds is printed with its ratio to
bare (requests/s for bare, spends/s for the others), then each round's ratio to the bare round before it: on a
shared machine both rates move by 15 % from round to round, so one run's median can land either side of a
goal that the rounds straddle. The goal of issue 16: one spend >= 0.35 of bare, a batch
>= 1.0. Figures only, never asserted. bench/api_ingest.py measures the same in process, without HTTP, for
profiling.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stacks import scratch  # noqa: E402  (needs the path above)
from chatmon.testing.servers import start_gunicorn  # noqa: E402

# wrk's Lua: each run has its own tag and each thread numbers its requests, so every message id is new (a
# repeated one is not charged again: a cheaper answer, and no measure of a spend). Each thread starts its
# walk over the users at its own share of the cycle: threads that walked in step sent the same users at
# once, whose spends then queued on one balance lock (PostgreSQL) at random offsets, run to run.
LUA = r"""
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  counter = 0
  per_request = tonumber(args[1])
  USERS = tonumber(args[2])
  run = args[3]
  offset = tid * math.floor(USERS / tonumber(args[4]))
end
local function spend()
  counter = counter + 1
  return string.format(
    '{"user":"bench-%d","model":"gpt-4o","prompt_tokens":10,"completion_tokens":5,"message_id":"%s-%d-%d"}',
    (offset + counter) % USERS, run, tid, counter)
end
request = function()
  local body
  if per_request == 1 then
    body = spend()
  else
    local items = {}
    for i = 1, per_request do items[i] = spend() end
    body = '{"items":[' .. table.concat(items, ",") .. ']}'
  end
  return wrk.format("POST", nil, nil, body)
end
"""

USERS = 1000
WRK_THREADS = 2

_CREATE_KEY = """
import secrets
from chatmon.api import keys
_, secret = keys.create_key(name=f"bench-{secrets.token_hex(4)}", scopes=["ledger:write"])
print(secret)
"""


def wrk(url: str, seconds: float, script: Path, per_request: int, headers: list[str]) -> float:
    """Requests/s times `per_request`; a refused or failed request is no measure, so it stops the run."""
    header_args = [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", "-c8", "--timeout", "30s", f"-d{seconds}s", "-s", str(script), *header_args, url,
         "--", str(per_request), str(USERS), secrets.token_hex(4), str(WRK_THREADS)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"{url}: not every answer was a success:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)) * per_request


def _workers_cpu(server) -> tuple[int, float]:
    """How many workers gunicorn has, and the CPU seconds they have used (a worker gone meanwhile counts 0)."""
    workers = psutil.Process(server.process.pid).children()
    total = 0.0
    for worker in workers:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(worker.cpu_times()[:2])
    return len(workers), total


def settle(server, quiet_share: float = 0.05, window: float = 0.3, limit: float = 60) -> None:
    """Returns once gunicorn's workers have been (nearly) idle for `window` seconds. wrk stops at its deadline,
    but the requests it left in flight ran on: up to eight batches of 100 spends, seconds of work, which fell
    into the next variant's round (a bare round always followed a batch round), and after the warm-up, whose
    batches create the 1,000 users, the first bare round measured a few requests a second."""
    deadline = time.monotonic() + limit
    _, busy = _workers_cpu(server)
    while time.monotonic() < deadline:
        time.sleep(window)
        count, now = _workers_cpu(server)
        if now - busy < quiet_share * window * count:
            return
        busy = now


def measure(tmp: Path, env: dict, options) -> dict[str, list[float]]:
    """Each variant's rates, round by round, from gunicorn serving the prepared chatmon."""
    # A connection per request, as a reverse proxy talks to gunicorn: kept-alive connections stay with the
    # worker that accepted them, and one worker holding most of wrk's eight halved a round's rate at random.
    headers = [f"Authorization: Bearer {scratch.shell(env, _CREATE_KEY)}", "Content-Type: application/json",
               "Connection: close"]  # fmt: skip
    script = tmp / "spends.lua"
    script.write_text(LUA)
    multiproc = tmp / "prom"
    multiproc.mkdir()
    with open(tmp / "gunicorn.log", "w") as log:
        server = start_gunicorn(
            log, database_url=env["DATABASE_URL"], **{**env, "WEB_CONCURRENCY": str(options.workers),
            "GUNICORN_THREADS": str(options.threads), "PROMETHEUS_MULTIPROC_DIR": str(multiproc)},
        )  # fmt: skip
        try:
            variants = {
                "bare view": lambda: wrk(f"{server.base}/bench/bare", options.seconds, script, 1, headers),
                "spend": lambda: wrk(f"{server.base}/api/v1/spends", options.seconds, script, 1, headers),
                f"batch of {options.batch}": lambda: wrk(
                    f"{server.base}/api/v1/spends/batch", options.seconds, script, options.batch, headers
                ),
            }
            for run in variants.values():  # warm-up: imports, the pricing table, connections, users
                run()
                settle(server)
            results = {name: [] for name in variants}
            for _ in range(options.rounds):
                for name, run in variants.items():
                    results[name].append(run())
                    settle(server)
        finally:
            server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="per worker, as deployed (GUNICORN_THREADS)")
    parser.add_argument("--batch", type=int, default=100)
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="chatmon-api-http-") as folder,
        scratch.prepared(
            Path(folder), "bench.stacks.api_settings", CHECK_BALANCE="true", API_RATE_LIMIT_PER_MINUTE="0",
            CONSOLE_LOG_LEVEL="error",
        ) as env,
    ):  # fmt: skip
        results = measure(Path(folder), env, options)
    bare = statistics.median(results["bare view"])
    print(f"database: {env['DATABASE_URL'].split(':')[0]}, gunicorn {options.workers} workers x "
          f"{options.threads} threads, "
          f"{options.rounds} rounds of {options.seconds}s, wrk {WRK_THREADS} threads 8 connections")  # fmt: skip
    for name, rates in results.items():
        median = statistics.median(rates)
        print(f"{name:>14}: {median:10.1f} per second (requests or spends)   ratio to bare: {median / bare:.3f}")
    for name, rates in results.items():
        if name != "bare view":
            paired = ", ".join(
                f"{rate / bare_rate:.3f}" for rate, bare_rate in zip(rates, results["bare view"], strict=True)
            )
            print(f"{name:>14}: each round's ratio to its bare round: {paired}")


if __name__ == "__main__":
    main()
