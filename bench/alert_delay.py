"""Seconds from the first 5xx to the error-rate alert's webhook, on the real stack (figures, no asserts).

    .venv/bin/python bench/alert_delay.py [--trials 2]

Runs gunicorn (deploy/gunicorn.conf.py, chatmon.wsgi), a Celery worker and beat with the declared schedule
(compaction and alert evaluation every 60 s), an embedded Valkey and a scratch SQLite database, with the
demo's settings plus a route answering 503 (bench/stacks/alert_settings.py). An `error_rate` rule (above 5 %
over 1 minute) posts to a webhook receiver in this process. Each trial waits for an evaluation to finish,
then sends three 5xx requests at once (the worst moment: a whole beat interval until the next evaluation),
and prints the seconds until the webhook arrives; then it waits for the incident to resolve.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOTICES: list[tuple[float, dict]] = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        NOTICES.append((time.time(), json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(step)
    raise TimeoutError(f"waited {timeout} s")


def last_evaluation():
    from chatmon.core.models import JobRun

    return JobRun.objects.filter(task="chatmon.evaluate_alerts", finished_at__isnull=False).order_by("-pk").first()


def trial(port: int) -> float:
    from chatmon.alerting.models import Incident

    before = last_evaluation()
    after = wait_for(lambda: (run := last_evaluation()) and run.pk != getattr(before, "pk", None) and run, 130)
    seen = len(NOTICES)
    first_5xx = time.time()
    for _ in range(3):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/bench/fail")
        connection.getresponse().read()
    wait_for(lambda: len(NOTICES) > seen, 300)
    delay = NOTICES[-1][0] - first_5xx
    print(f"5xx sent {first_5xx - after.finished_at.timestamp():.1f} s after an evaluation; webhook {delay:.1f} s "
          f"after the first 5xx ({NOTICES[-1][1]['chatmon']['event']})", flush=True)  # fmt: skip
    wait_for(lambda: not Incident.objects.filter(resolved_at__isnull=True).exists(), 400, step=2)
    return delay


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=2)
    trials = parser.parse_args().trials

    from chatmon.testing.valkey import start_valkey

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    valkey, folder, port = start_valkey(), Path(tempfile.mkdtemp(prefix="chatmon-alerts-")), free_port()
    env = {"DJANGO_SETTINGS_MODULE": "bench.stacks.alert_settings", "DEBUG": "false", "REDIS_URL": valkey.url,
           "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3", "LOG_DIR": str(folder), "CHATAPP_DEMO_DATA": "false",
           "WEB_CONCURRENCY": "1", "GUNICORN_BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}  # fmt: skip
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("sync_beat_schedule", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from chatmon.alerting.models import AlertRule, NotificationChannel

    channel = NotificationChannel.objects.create(
        name="bench", kind="webhook", target=f"http://127.0.0.1:{receiver.server_address[1]}/"
    )
    AlertRule.objects.create(name="5xx", kind="error_rate", threshold=5, window_minutes=1).channels.add(channel)
    commands = {
        "web": ["-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "chatmon.wsgi"],
        "worker": ["-m", "celery", "-A", "chatmon.celery", "worker", "--pool", "solo", "--without-gossip"],
        "beat": ["-m", "celery", "-A", "chatmon.celery", "beat"],
    }
    logs = {name: (folder / f"{name}.log").open("w") for name in commands}
    processes = [
        subprocess.Popen([sys.executable, *command], cwd=ROOT, stdout=logs[name], stderr=subprocess.STDOUT)
        for name, command in commands.items()
    ]
    try:
        delays = [trial(port) for _ in range(trials)]
        print(f"worst of {trials}: {max(delays):.1f} s (documented worst case: 65 s plus the run time)")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)
        valkey.stop()


if __name__ == "__main__":
    main()
