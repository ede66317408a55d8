"""Spends per second through the HTTP API against a bare Django view doing nothing, as a ratio, in one run.

    .venv/bin/python bench/api_ingest.py [--seconds 3 --rounds 3 --batch 100]   # scratch SQLite under var/
    DATABASE_URL=postgres://postgres@127.0.0.1/chatmon_bench .venv/bin/python bench/api_ingest.py

In process, through Django's full middleware stack (request context, monitoring, ban check, ...) with the
test client, on one machine: "bare" posts the same JSON body to a view that returns 200 at once; "spend"
posts one spend (prompt + completion, balances on) to /api/v1/spends with an API key; "batch" posts
`--batch` spends per request to /api/v1/spends/batch; "service only" calls ledger.services.spend_tokens
directly (the ceiling the API sits on). Variants take turns, rounds are repeated and the
median is printed. Redis: REDIS_URL, or an embedded Valkey started here. Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH_SQLITE = ROOT / "var" / "bench-api.sqlite3"
_ids = itertools.count()


def _setup() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SCRATCH_SQLITE}{suffix}").unlink(missing_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH_SQLITE}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    os.environ.setdefault("CONSOLE_LOG_LEVEL", "error")
    os.environ.setdefault("CHATMON_ACCESS_LOG", "false")
    os.environ["CHECK_BALANCE"] = "true"
    os.environ.setdefault("DEBUG", "false")  # as in production: DEBUG keeps every query, which bare never pays
    if not os.environ.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        os.environ["REDIS_URL"] = start_valkey().url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _bare(request):
    from django.http import HttpResponse

    return HttpResponse(b"{}", content_type="application/json")


def _urlconf():
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    class Urls:
        urlpatterns = [path("bare", csrf_exempt(_bare)), path("api/v1/", include("chatmon.api.urls"))]

    return Urls


def _spend(user: int) -> dict:
    return {"user": f"bench-{user}", "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5,
            "message_id": f"m-{next(_ids)}"}  # fmt: skip


def _rate(client, path: str, body, headers: dict, seconds: float, per_request: int) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.post(path, data=json.dumps(body()), content_type="application/json", headers=headers)
        assert response.status_code == 200, response.content
        done += per_request
    return done / (time.perf_counter() - started)


def _service_rate(users, seconds: float) -> float:
    """The ledger service called directly (no HTTP, no API): the ceiling the API layer sits on."""
    from chatmon.api import users as external
    from ledger import services

    ids = [external.resolve(source="bench", external_id=str(n)).pk for n in range(50)]
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        services.spend_tokens(user=ids[next(users)], model="gpt-4o", prompt_tokens=10, completion_tokens=5,
                              message_id=f"s-{next(_ids)}")  # fmt: skip
        done += 1
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100)
    options = parser.parse_args()
    _setup()
    from django.conf import settings
    from django.test import Client

    from chatmon.api import keys

    settings.ROOT_URLCONF = _urlconf()
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    _, secret = keys.create_key(name="bench", scopes=["ledger:write"])
    auth = {"Authorization": f"Bearer {secret}"}
    client = Client()
    users = itertools.cycle(range(50))
    variants = {
        "bare view": lambda: _rate(client, "/bare", lambda: _spend(0), {}, options.seconds, 1),
        "service only": lambda: _service_rate(users, options.seconds),
        "spend": lambda: _rate(client, "/api/v1/spends", lambda: _spend(next(users)), auth, options.seconds, 1),
        f"batch of {options.batch}": lambda: _rate(
            client, "/api/v1/spends/batch", lambda: {"items": [_spend(next(users)) for _ in range(options.batch)]},
            auth, options.seconds, options.batch,
        ),
    }  # fmt: skip
    for run in variants.values():  # warm-up: imports, pricing table, connections
        run()
    results = {name: [] for name in variants}
    for _ in range(options.rounds):
        for name, run in variants.items():
            results[name].append(run())
    bare = statistics.median(results["bare view"])
    print(f"database: {settings.DATABASES['default']['ENGINE']}, {options.rounds} rounds of {options.seconds}s")
    for name, rates in results.items():
        median = statistics.median(rates)
        print(f"{name:>14}: {median:10.1f} per second (requests or spends)   ratio to bare: {median / bare:.3f}")


if __name__ == "__main__":
    main()
