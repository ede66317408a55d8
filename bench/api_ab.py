"""A single spend through the HTTP API, this checkout against another commit's, both loaded at the same time.

    .venv/bin/python bench/api_ab.py [--base HEAD] [--rounds 6 --seconds 8]          # scratch SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/api_ab.py --base 361a929

Rounds of bench/api_http.py taken in turn move by ±15 % with this shared machine's load, more than most
changes to a spend are worth (the same two trees read 0.81-1.17 of each other round by round). Here two
gunicorns as deployed, one serving this checkout and one a worktree of `--base`, serve the same scratch
database, each loaded by its own wrk at the same time with api_http.py's requests: both see the same machine,
and the ratio of their spends per second, printed each round with each one's worker CPU per spend, holds
within a few percent. What the database server saves helps both alike, so a ratio understates a change that
the server's CPU carries. With the default base (HEAD, the last commit) and a clean checkout the two are the
same code: that run shows the method's own spread. Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import api_http  # noqa: E402  (needs the path above)
from bench.stacks import scratch  # noqa: E402
from chatmon.testing.servers import start_gunicorn  # noqa: E402

SPENDS = "/api/v1/spends"


def worktree(stack: ExitStack, folder: Path, revision: str) -> Path:
    """A detached checkout of `revision` under `folder`, removed when `stack` closes."""
    path = folder / "base"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(path), revision], cwd=ROOT, check=True)
    stack.callback(subprocess.run, ["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="HEAD", help="the commit to compare this checkout with")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=8)
    options = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chatmon-api-ab-")))
        env = stack.enter_context(
            scratch.prepared(folder, "bench.stacks.api_settings", CHECK_BALANCE="true",
                             API_RATE_LIMIT_PER_MINUTE="0", CONSOLE_LOG_LEVEL="error")
        )  # fmt: skip
        headers = [f"Authorization: Bearer {scratch.shell(env, api_http._CREATE_KEY)}",
                   "Content-Type: application/json", "Connection: close"]  # fmt: skip
        script = folder / "spends.lua"
        script.write_text(api_http.LUA)
        log = stack.enter_context(open(folder / "gunicorn.log", "w"))
        servers = {}
        for name, root in (("base", worktree(stack, folder, options.base)), ("this", ROOT)):
            (folder / f"prom-{name}").mkdir()
            servers[name] = start_gunicorn(
                log, database_url=env["DATABASE_URL"], root=root,
                **{**env, "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4",
                   "PROMETHEUS_MULTIPROC_DIR": str(folder / f"prom-{name}")},
            )  # fmt: skip
            stack.callback(servers[name].stop)
        for server in servers.values():  # warm-up: the users (batches), then single spends
            api_http.wrk(f"{server.base}/api/v1/spends/batch", 3, script, 100, headers)
            api_http.wrk(f"{server.base}{SPENDS}", 3, script, 1, headers)
            api_http.settle(server)
        ratios = []
        with ThreadPoolExecutor(len(servers)) as pool:
            # Round 0, not counted, loads both at once as the rounds do: warmed one after the other, the first
            # counted round read 1.14 for two copies of the same code.
            for round_ in range(options.rounds + 1):
                busy = {name: api_http._workers_cpu(server)[1] for name, server in servers.items()}
                running = {
                    name: pool.submit(api_http.wrk, f"{server.base}{SPENDS}", options.seconds, script, 1, headers)
                    for name, server in servers.items()
                }
                rates = {name: future.result() for name, future in running.items()}
                cpu = {name: (api_http._workers_cpu(server)[1] - busy[name]) / (rates[name] * options.seconds)
                       for name, server in servers.items()}  # fmt: skip
                for server in servers.values():
                    api_http.settle(server)
                if round_ == 0:
                    continue
                ratios.append(rates["this"] / rates["base"])
                print(f"round {round_}: spends/s base {rates['base']:7.1f}  this {rates['this']:7.1f}  "
                      f"this/base {ratios[-1]:.3f}   worker CPU per spend base {cpu['base'] * 1e3:.3f} ms  "
                      f"this {cpu['this'] * 1e3:.3f} ms", flush=True)  # fmt: skip
    print(f"database: {env['DATABASE_URL'].split(':')[0]}, base {options.base}; "
          f"this/base median {statistics.median(ratios):.3f} (rounds {min(ratios):.3f}-{max(ratios):.3f})")  # fmt: skip


if __name__ == "__main__":
    main()
