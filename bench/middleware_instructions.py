"""CPU instructions per /healthz request through Django's WSGI handler, per middleware stack, under callgrind.

The same stacks as bench/middleware_overhead.py (bench/stacks/overhead_settings.py), in process, without a
server: valgrind's callgrind counts instructions, which do not depend on what else this shared machine is
doing, so small differences between stacks show up where requests per second under wrk are noise. Each stack
runs twice, with SMALL and LARGE requests after the same start-up; the difference divided by LARGE - SMALL
is the cost of one request. Prometheus runs in multiprocess mode, as under gunicorn.
Prints instructions per request and the ratio bare / stack (what the stack leaves of bare's throughput if
requests were pure CPU). No asserts.

    .venv/bin/python bench/middleware_instructions.py [--small 200] [--large 1200]
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

from bench.middleware_overhead import STACKS, prepare  # noqa: E402  (needs the path above)

WARM_UP = 200


def drive(requests: int) -> None:
    """In the child: serve WARM_UP + `requests` GET /healthz through the WSGI handler."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()

    def start_response(status, headers):
        assert status.startswith("200"), status

    for served in range(WARM_UP + requests):
        if served == WARM_UP:
            # Django's start-up objects leave the collector's view: otherwise a full collection that happens to
            # fall in one run and not in another (allocation counts differ by stack) swamps the difference.
            gc.collect()
            gc.freeze()
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "wrk", "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1",
        }  # fmt: skip
        response = app(environ, start_response)
        b"".join(response)
        response.close()


def count(stack: str, requests: int, env: dict, tmp: Path) -> int:
    multiproc = Path(tempfile.mkdtemp(prefix=f"prom-{stack}-", dir=tmp))
    out = tmp / f"callgrind-{stack}-{requests}.out"
    env = {**env, "BENCH_STACK": stack, "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "PYTHONHASHSEED": "0"}
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__, "--drive",
         str(requests)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    match = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode or not match:
        raise SystemExit(f"{stack}: the run under callgrind failed:\n{result.stderr[-2000:]}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=1200)
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive is not None:
        return drive(args.drive)
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind not found: apt-get install valgrind")
    with tempfile.TemporaryDirectory(prefix="chatmon-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = {**prepare(tmp), "DJANGO_SETTINGS_MODULE": "bench.stacks.overhead_settings"}
        runs = [(stack, n) for stack in STACKS for n in (args.small, args.large)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            totals = dict(zip(runs, pool.map(lambda run: count(*run, env, tmp), runs), strict=True))
    per_request = {stack: (totals[stack, args.large] - totals[stack, args.small]) / (args.large - args.small)
                   for stack in STACKS}  # fmt: skip
    print(f"{'stack':<10} {'instructions/request':>21} {'bare / stack':>13}")
    for stack in STACKS:
        print(f"{stack:<10} {per_request[stack]:>21,.0f} {per_request['bare'] / per_request[stack]:>13.2f}")


if __name__ == "__main__":
    main()
