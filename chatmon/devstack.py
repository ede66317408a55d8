"""`make run`: migrate, create the admin, load demo data, then run web, worker and beat under honcho.

With REDIS_URL unset, the embedded Valkey starts first (in its own session, so Ctrl-C reaches only this
supervisor) and stops last, after web and Celery have finished their in-flight work.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def fail(message: str) -> None:
    sys.stderr.write(f"chatmon: {message}\n")
    raise SystemExit(2)


def start_embedded_valkey(port: int, data_dir: Path) -> subprocess.Popen:
    if not port_free("127.0.0.1", port):
        fail(f"port {port} (CHATMON_VALKEY_PORT, the embedded Valkey) is already in use; set CHATMON_VALKEY_PORT.")
    process = subprocess.Popen(
        [PYTHON, "-m", "chatmon.embedded_valkey", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=BASE_DIR,
        start_new_session=True,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail("the embedded Valkey exited at startup; see var/valkey/valkey.log")
        try:
            client.ping()
            return process
        except redis.RedisError:
            time.sleep(0.2)
    process.terminate()
    fail("the embedded Valkey did not answer within 20 s; see var/valkey/valkey.log")
    raise AssertionError  # unreachable


def prepare() -> None:
    """Everything that must happen before the processes start, in this process (Django set up once)."""
    import django
    from django.core.management import call_command

    django.setup()
    from chatmon.core.redis import require_redis

    require_redis()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("sync_beat_schedule")
    call_command("ensure_admin")
    call_command("load_demo")


def processes(host: str, port: int) -> dict[str, str]:
    procs = {
        "web": f"{PYTHON} -m gunicorn -c deploy/gunicorn.conf.py --bind {host}:{port} chatmon.wsgi",
        "worker": f"{PYTHON} -m celery -A chatmon.celery worker --loglevel INFO --concurrency 2",
        "beat": f"{PYTHON} -m celery -A chatmon.celery beat --loglevel INFO",
    }
    if os.environ.get("LOADGEN", "") not in ("", "0", "false"):
        duration = os.environ.get("LOADGEN_DURATION", "300")
        # honcho stops the whole group when one process exits, so loadgen idles once its run is over.
        procs["loadgen"] = (
            f"sh -c '{PYTHON} manage.py loadgen --base-url http://{host}:{port} --wait-ready --duration {duration}; "
            "echo loadgen finished, the stack keeps running; exec sleep infinity'"
        )
    return procs


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    # The demo's fake models fail as their profiles say, so the Models page shows them differing.
    os.environ.setdefault("CHATAPP_FAKE_MODEL_FAILURES", "true")
    os.chdir(BASE_DIR)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    if not port_free(host, port):
        fail(f"port {port} on {host} is already in use; stop what uses it or run with PORT=<another port>.")

    valkey = None
    if not os.environ.get("REDIS_URL"):
        valkey_port = int(os.environ.get("CHATMON_VALKEY_PORT", "6390"))
        valkey = start_embedded_valkey(valkey_port, BASE_DIR / "var" / "valkey")
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{valkey_port}/0"
    # Web and Celery processes share one metrics folder; it is emptied here, once, before any starts.
    multiproc = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(BASE_DIR / "var" / "prometheus")))
    shutil.rmtree(multiproc, ignore_errors=True)
    multiproc.mkdir(parents=True)
    os.environ["CHATMON_MULTIPROC_PREPARED"] = "1"
    try:
        prepare()
        from honcho.manager import Manager

        manager = Manager()
        for name, command in processes(host, port).items():
            manager.add_process(name, command, cwd=str(BASE_DIR))
        print(f"\nchatmon is starting at http://{host}:{port}/admin/  (health: /health/, metrics: /metrics)\n")
        manager.loop()
        return manager.returncode or 0
    finally:
        if valkey is not None:
            valkey.terminate()
            valkey.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
