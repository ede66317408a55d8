"""What recording each generation (chatmon.monitoring.generations) adds to a chat request (figures, no asserts).

    .venv/bin/python bench/generation_overhead.py [--rounds 7] [--requests 60]

One process, a scratch SQLite database and an embedded Valkey: chat requests through the demo chat app's
whole stack (middleware, balance check, fake provider, ledger spend, reply saved, generation reported), the
reply read to its last byte. The fake provider does not wait between chunks (CHATAPP_FAKE_DELAY_MS=0), so a
request is all CPU and the recording's share is as large as it can be; a real provider's seconds would hide it.
Requests alternate recording on and off (MONITORING_GENERATIONS_ENABLED) so drift hits both alike; prints each
round's median time per request of each and their ratio, the median ratio over the rounds (the goal:
on <= 1.02 x off), and the cost of one record_generation() call on its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(folder: Path) -> None:
    from chatmon.testing.valkey import start_valkey

    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "examples.demo.settings", "DEBUG": "false", "LOG_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3", "REDIS_URL": start_valkey().url,
        "CHATAPP_FAKE_DELAY_MS": "0", "CHATAPP_DEMO_DATA": "false", "CONSOLE_LOG_LEVEL": "warn",
    })  # fmt: skip
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def chat_request(client, i: int, *, recording: bool) -> float:
    """Milliseconds of one chat request, read to its last byte."""
    from django.test import override_settings

    body = {"model": ("gpt-4o-mini", "claude-sonnet-4")[i % 2], "text": f"benchmark question {i}"}
    with override_settings(MONITORING_GENERATIONS_ENABLED=recording):
        started = time.perf_counter()
        response = client.post("/api/chat/", body, content_type="application/json")
        b"".join(response.streaming_content)
        response.close()
        return (time.perf_counter() - started) * 1000


def record_cost(n: int = 20_000) -> float:
    """Microseconds per record_generation() call on its own (the buffer drained after)."""
    from chatmon.monitoring.aggregator import buffer
    from chatmon.monitoring.generations import GenerationReport, record_generation

    report = GenerationReport(model="gpt-4o-mini", provider="openAI", outcome="ok", ttft_ms=420.0,
                              duration_ms=2100.0, prompt_tokens=900, completion_tokens=300)  # fmt: skip
    started = time.perf_counter()
    for _ in range(n):
        record_generation(report)
    elapsed = time.perf_counter() - started
    buffer.drain()
    return elapsed * 1_000_000 / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    setup(Path(tempfile.mkdtemp(prefix="chatmon-genbench-")))

    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    client = Client()
    client.force_login(get_user_model().objects.create_user("bencher", "", "bench-pass-1"))
    with override_settings(VIOLATIONS_ROUTE_LIMITERS={}):  # a flood of chats from one user is the point here
        for i in range(10):  # warm-up: imports, caches, the first SQLite pages
            chat_request(client, i, recording=True)
        rounds = []
        for n in range(args.rounds):
            # On and off alternate request by request, so the machine's drift hits both alike.
            times: dict[bool, list[float]] = {True: [], False: []}
            for i in range(args.requests):
                recording = (i + n) % 2 == 0
                times[recording].append(chat_request(client, i, recording=recording))
            on, off = statistics.median(times[True]), statistics.median(times[False])
            rounds.append((on, off))
            print(f"round {n + 1}: median on {on:.2f} ms  off {off:.2f} ms per request  ratio {on / off:.3f}")
    on, off = statistics.median(r[0] for r in rounds), statistics.median(r[1] for r in rounds)
    ratio = statistics.median(r[0] / r[1] for r in rounds)
    print(f"\nmedian per chat request: recording on {on:.2f} ms, off {off:.2f} ms; median on / off = {ratio:.3f}"
          " (goal <= 1.02)")  # fmt: skip
    cost = record_cost()
    print(f"record_generation() alone: {cost:.1f} us per call = {cost / 1000 / off * 100:.2f} % of a request")


if __name__ == "__main__":
    main()
