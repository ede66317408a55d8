"""Ban-check and rate-limit overhead under gunicorn + wrk on loopback, and log_violation throughput.

Prints requests/s on an unguarded route (/healthz) without the ban-check middleware (BAN_VIOLATIONS off, so
it removes itself) and with it, their ratio (aim: >= 0.97), the same route guarded by a rate limiter, and
log_violation calls per second. All servers run in this one invocation against the same Valkey and database,
so the ratios compare like with like. Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatmon.testing.servers import free_port  # noqa: E402  (needs the path above)

DURATION = os.environ.get("BENCH_SECONDS", "3")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SETTINGS = """from examples.demo.settings import *  # noqa
VIOLATIONS_ROUTE_LIMITERS = {**VIOLATIONS_ROUTE_LIMITERS, "healthz": ["share_ip"]}
"""


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on {port}")


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "chatmon.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(port)
    url = f"http://127.0.0.1:{port}/healthz"
    subprocess.run(["wrk", "-t1", "-c8", "-d1s", url], capture_output=True, check=True)  # warm-up
    return server, url


def wrk(url: str) -> float:
    out = subprocess.run(["wrk", "-t1", "-c8", f"-d{DURATION}s", url], capture_output=True, text=True, check=True)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1))


def measure(envs: dict[str, dict[str, str]], rounds: int = ROUNDS) -> dict[str, float]:
    """Median req/s per variant; the variants take turns so background load hits them alike."""
    servers = {name: start_server(env) for name, env in envs.items()}
    try:
        runs = {name: [] for name in envs}
        for _ in range(rounds):
            for name, (_server, url) in servers.items():
                runs[name].append(wrk(url))
        return {name: statistics.median(values) for name, values in runs.items()}
    finally:
        for server, _url in servers.values():
            server.terminate()
            server.wait(timeout=20)


def log_violation_rate(n: int = 300) -> float:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    django.setup()
    from django.core.management import call_command

    from violations import services
    from violations.models import Violation

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    for i in range(n):
        services.log_violation(type="logins", ip=f"198.51.100.{i % 250}", details={"bench": True})
    elapsed = time.perf_counter() - started
    Violation.objects.filter(details__bench=True).delete()
    return n / elapsed


def main() -> None:
    from chatmon.testing.valkey import start_valkey

    valkey = start_valkey()
    workdir = Path(tempfile.mkdtemp(prefix="ban-bench-"))
    (workdir / "bench_settings.py").write_text(SETTINGS)
    base = {"REDIS_URL": valkey.url, "CHATMON_VAR_DIR": str(workdir), "PYTHONPATH": f"{workdir}:{ROOT}",
            "CHATMON_REDIS_NAMESPACE": "bench", "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1"}  # fmt: skip
    os.environ.update({k: v for k, v in base.items() if k != "PYTHONPATH"})
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env={**os.environ, **base}, check=True
        )
        limited_env = {
            "BAN_VIOLATIONS": "true",
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "SHARE_IP_MAX": "1000000000",
        }
        rates = measure(
            {
                "without": {**base, "BAN_VIOLATIONS": "false"},
                "with": {**base, "BAN_VIOLATIONS": "true"},
                "limited": {**base, **limited_env},
            }
        )
        without, with_check, limited = rates["without"], rates["with"], rates["limited"]
        calls = log_violation_rate()
    finally:
        valkey.stop()
    print(f"unguarded route, no ban check     : {without:10.0f} req/s")
    print(
        f"unguarded route, with ban check   : {with_check:10.0f} req/s   ratio {with_check / without:.3f} (aim >= 0.97)"
    )
    print(f"route guarded by a rate limiter   : {limited:10.0f} req/s   ratio {limited / without:.3f}")
    print(f"log_violation (Redis + row)       : {calls:10.0f} calls/s")


if __name__ == "__main__":
    main()
