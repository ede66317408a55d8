"""One sealer process of the concurrency test: `python -m tests.auditlog.sealer EXPECTED NAME`.

It sets Django up, waits until every process is ready (chatmon.testing.together), then runs the beat job's
seal (which gives way to a sealer already holding the chain head) in a loop while the writers write, until
EXPECTED events are sealed or a minute has passed.
"""

from __future__ import annotations

import json
import sys
import time

import django

from chatmon.testing.together import ready_then_wait


def seal_until(expected: int, deadline: float) -> dict:
    from auditlog import sealing
    from auditlog.models import AuditEvent

    sealed = batches = skipped = 0
    while time.time() < deadline:
        report = sealing.seal(wait=False)
        sealed, batches, skipped = sealed + report.sealed, batches + report.batches, skipped + report.skipped
        if AuditEvent.objects.filter(seq__isnull=False).count() >= expected:
            break
        time.sleep(0.005)
    return {"sealed": sealed, "batches": batches, "skipped": skipped}


def main() -> None:
    expected, name = sys.argv[1:3]
    django.setup()
    ready_then_wait()
    started = time.time()
    print(json.dumps({"sealer": name, **seal_until(int(expected), started + 60), "finished": time.time()}))


if __name__ == "__main__":
    main()
