"""CPU instructions per request through Django's WSGI handler, per middleware stack and route, under callgrind.

The same stacks and routes as bench/middleware_overhead.py (bench/stacks/overhead_settings.py; /healthz and the
signed-in conversation list with its access line), in process, without a server: valgrind's callgrind counts
instructions, which do not depend on what else this shared machine is doing, so small differences between
stacks show up where requests per second under wrk are noise.

Each stack and route is one run. Start-up and a warm-up run uninstrumented (valgrind's instrumentation makes
them about 50 times slower, and they are not what is measured); then `callgrind_control` switches counting on
and the child serves REQUESTS requests between two calls of os.getloadavg(), before each of which callgrind
writes out and zeroes its counts (--dump-before), so the second file holds those requests and nothing else.
The count per request repeats exactly, so a hundred requests are enough. Prometheus runs in multiprocess mode,
as under gunicorn; request monitoring's batch is applied inside the counted window (the observe() per request
that its flusher thread would do), while the thread's own wake-ups, paid per second and not per request, are
left out.
Prints instructions per request and the ratio bare / stack (what the stack leaves of bare's throughput if
requests were pure CPU). No asserts. --keep DIR keeps the callgrind files (`callgrind-STACK-ROUTE.out.2` holds
the counted requests) for `callgrind_annotate --inclusive=yes`.

    .venv/bin/python bench/middleware_instructions.py [--requests 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.middleware_overhead import ROUTES, STACKS, prepare, sign_in  # noqa: E402  (needs the path above)

WARM_UP = 100
MARKER = "os_getloadavg"  # CPython's C function behind os.getloadavg(), which nothing else calls while serving
WARM = "warm"  # the child's line when it waits for counting to be switched on


def drive(requests: int, route: str, cookie: str) -> None:
    """In the child: WARM_UP requests, then (once told) `requests` counted ones, GET `route` (signed in with
    `cookie` if it is a signed-in route)."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from chatmon.monitoring.batched import sync_all

    app = WSGIHandler()
    path, signed_in = ROUTES[route]
    cookies = {"HTTP_COOKIE": cookie} if signed_in else {}

    def start_response(status, headers):
        assert status.startswith("200"), status

    def serve() -> None:
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "wrk", **cookies,
            "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1",
        }  # fmt: skip
        response = app(environ, start_response)
        b"".join(response)
        response.close()

    for _ in range(WARM_UP):
        serve()
    sync_all()
    # Django's start-up objects leave the collector's view: otherwise a full collection that happens to fall in
    # one run and not in another (allocation counts differ by stack) swamps the difference.
    gc.collect()
    gc.freeze()
    print(WARM, flush=True)
    sys.stdin.readline()  # the parent has switched counting on
    os.getloadavg()  # callgrind dumps what came before
    for _ in range(requests):
        serve()
    sync_all()
    os.getloadavg()  # callgrind dumps the counted requests


def count(stack: str, route: str, requests: int, env: dict, tmp: Path, keep: Path) -> int:
    multiproc = Path(tempfile.mkdtemp(prefix=f"prom-{stack}-", dir=tmp))
    out = keep / f"callgrind-{stack}-{route}.out"
    # The flusher thread sleeps through the run (see the docstring); the batch is applied in the window instead.
    env = {**env, "BENCH_STACK": stack, "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "PYTHONHASHSEED": "0",
           "CHATMON_MONITORING_METRICS_SYNC_SECONDS": "3600", "CHATMON_MONITORING_FLUSH_SECONDS": "3600"}  # fmt: skip
    with (tmp / f"valgrind-{stack}-{route}.log").open("w+") as log:
        child = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--dump-before={MARKER}",
             f"--callgrind-out-file={out}", sys.executable, __file__, "--drive", str(requests), "--route", route],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
        )  # fmt: skip
        if child.stdout.readline().strip() == WARM:
            subprocess.run(["callgrind_control", "--instr=on", str(child.pid)], capture_output=True, check=True)
        child.communicate("go\n")
        log.seek(0)
        counted = Path(f"{out}.2")
        if child.returncode or not counted.exists():
            raise SystemExit(f"{stack} {route}: the run under callgrind failed:\n{log.read()[-2000:]}")
    return int(re.search(r"^totals: (\d+)", counted.read_text(), re.MULTILINE).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="a directory to keep the callgrind files in")
    parser.add_argument("--stacks", default=",".join(STACKS), help="comma-separated, of " + ", ".join(STACKS))
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--route", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive is not None:
        return drive(args.drive, args.route, os.environ["BENCH_COOKIE"])
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind not found: apt-get install valgrind (or `make /usr/bin/valgrind`)")
    stacks = args.stacks.split(",")
    with tempfile.TemporaryDirectory(prefix="chatmon-bench-") as tmpdir:
        tmp = Path(tmpdir)
        keep = args.keep or tmp
        keep.mkdir(parents=True, exist_ok=True)
        env = {**prepare(tmp), "DJANGO_SETTINGS_MODULE": "bench.stacks.overhead_settings"}
        env["BENCH_COOKIE"] = sign_in(env)
        runs = [(stack, route) for stack in stacks for route in ROUTES]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            counts = pool.map(lambda run: count(*run, args.requests, env, tmp, keep), runs)
            totals = dict(zip(runs, counts, strict=True))
    per_request = {run: total / args.requests for run, total in totals.items()}
    print(f"{'stack':<10}" + "".join(f" {route + ' instr/request':>26} {'bare/stack':>10}" for route in ROUTES))
    for stack in stacks:
        row = ""
        for route in ROUTES:
            bare = per_request.get(("bare", route))  # no ratio when bare was left out (--stacks)
            ratio = f"{bare / per_request[stack, route]:.2f}" if bare else "-"
            row += f" {per_request[stack, route]:>26,.0f} {ratio:>10}"
        print(f"{stack:<10}{row}")


if __name__ == "__main__":
    main()
