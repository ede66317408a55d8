"""One writer process of the concurrency test: `python -m tests.auditlog.appender COUNT WORKER`.

It sets Django up, waits until every writer is ready (chatmon.testing.together), then appends COUNT events,
every third one inside a transaction of its own that also rolls one back (a savepoint).
"""

from __future__ import annotations

import json
import sys
import time

import django

from chatmon.testing.together import ready_then_wait


class Undo(Exception):
    pass


def append(count: int, worker: str) -> dict:
    from django.db import transaction

    from auditlog.services import record

    for n in range(count):
        if n % 3:
            record(action="system.retention_pruned", actor=f"job:{worker}", metadata={"n": n})
            continue
        with transaction.atomic():
            record(action="system.retention_pruned", actor=f"job:{worker}", metadata={"n": n})
            try:
                with transaction.atomic():
                    record(action="system.retention_pruned", actor=f"job:{worker}", metadata={"undone": n})
                    raise Undo
            except Undo:
                pass
    return {"worker": worker, "appended": count}


def main() -> None:
    count, worker = sys.argv[1:3]
    django.setup()
    ready_then_wait()
    started = time.time()
    print(json.dumps({**append(int(count), worker), "started": started, "finished": time.time()}))


if __name__ == "__main__":
    main()
