"""Start several test processes so that their real work begins at the same moment.

Each child sets itself up (Django start-up takes seconds on a loaded machine), calls `ready_then_wait()`,
and starts working only once the parent has seen every child ready and created the go file. A fixed start
time would let a slow start-up serialise the "concurrent" writers and hide the race a test is after.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GO_FILE_ENV = "CHATMON_TEST_GO_FILE"


def ready_then_wait() -> None:
    """In a child: say ready on stdout, then wait for the parent's go."""
    print("ready", flush=True)
    go_file = Path(os.environ[GO_FILE_ENV])
    while not go_file.exists():
        time.sleep(0.01)


def run_together(commands: list[list[str]], *, env: dict[str, str], cwd: Path, timeout: float = 180) -> list[str]:
    """Run `commands` (argument lists after the Python interpreter) together; return their stdout after
    "ready". Fails with the child's stderr when one exits non-zero."""
    go_file = Path(tempfile.mkdtemp(prefix="chatmon-go-")) / "go"
    children = [
        subprocess.Popen(
            [sys.executable, *command],
            env={**env, GO_FILE_ENV: str(go_file)},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    try:
        for child in children:
            line = child.stdout.readline().strip()
            assert line == "ready", f"a child did not start: {child.stderr.read()[-2000:]}"
        go_file.touch()
        results = [child.communicate(timeout=timeout) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    failed = [err[-2000:] for child, (_, err) in zip(children, results, strict=True) if child.returncode != 0]
    assert not failed, failed
    return [out for out, _ in results]
