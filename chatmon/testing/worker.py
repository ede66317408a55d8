"""A real Celery worker process for tests, pointed at the test database and the session's broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection


def database_url() -> str:
    """The URL of the database the tests are using right now (the test database, not the configured one)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    def __init__(self, log_path: Path, name: str = "test") -> None:
        self.log_path = log_path
        self.name = name  # workers of one test run need names of their own (Celery hostnames)
        self.process: subprocess.Popen | None = None

    @property
    def hostname(self) -> str:
        return f"{self.name}-{os.getpid()}@{os.uname().nodename}"

    def start(self, timeout: float = 60) -> None:
        env = {**os.environ, "DATABASE_URL": database_url()}
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "chatmon.celery", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--hostname", self.hostname],
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()  # never leave an orphan worker behind a failed start
            raise

    def _wait_until_ready(self, timeout: float) -> None:
        from chatmon.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited at startup:\n{self.log_path.read_text()[-3000:]}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return
        raise RuntimeError(f"Celery worker did not answer within {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log_file.close()
