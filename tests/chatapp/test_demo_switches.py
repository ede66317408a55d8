"""`LOADGEN=1 make run` turns on what the demo needs to fill every page (a trusted proxy hop for loadgen's
addresses, balances, bans, auto-refill, a quiet console); without LOADGEN the demo keeps the laptop defaults,
and each switch yields to its own variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SWITCHES = (
    "LOADGEN",
    "CHECK_BALANCE",
    "BAN_VIOLATIONS",
    "TRUSTED_PROXIES",
    "LEDGER_AUTO_REFILL_ENABLED",
    "ALERTING_SPEND_ANOMALY_VIOLATIONS",
)
READ = """
import json, django
django.setup()
from django.conf import settings as s
from ledger import conf
print(json.dumps({"proxies": s.VIOLATIONS_TRUSTED_PROXIES, "balances": s.LEDGER_BALANCE_ENABLED,
                  "bans": s.VIOLATIONS_BAN_ENABLED, "refill": conf.auto_refill(),
                  "request_log": s.LOGGING["loggers"].get("django.request", {}).get("level"),
                  "anomaly_violations": s.ALERTING_SPEND_ANOMALY_VIOLATIONS}))
"""


def demo_settings(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    clean.update(DJANGO_SETTINGS_MODULE="examples.demo.settings", **env)
    out = subprocess.run([sys.executable, "-c", READ], cwd=REPO, env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_loadgen_turns_on_what_the_demo_needs():
    demo = demo_settings(LOADGEN="1")

    assert demo["proxies"] == 1, "loadgen's X-Forwarded-For addresses tell its users apart"
    assert demo["balances"] and demo["bans"]
    assert demo["refill"] == {"auto_refill_enabled": True, "refill_interval_value": 2,
                              "refill_interval_unit": "minutes", "refill_amount": 20000.0}  # fmt: skip
    assert demo["request_log"] == "ERROR", "no 'Too Many Requests' line per refused request"
    assert demo["anomaly_violations"], "the heavy spender's incident is listed on Abuse as a spend_anomaly"


def test_without_loadgen_the_demo_keeps_the_defaults():
    demo = demo_settings()

    assert demo["proxies"] == 0 and not demo["balances"] and not demo["bans"] and demo["refill"] is None
    assert not demo["anomaly_violations"]
    assert demo["request_log"] != "ERROR"


def test_each_switch_yields_to_its_variable():
    demo = demo_settings(LOADGEN="1", CHECK_BALANCE="false", BAN_VIOLATIONS="false",
                         ALERTING_SPEND_ANOMALY_VIOLATIONS="false")  # fmt: skip

    assert not demo["balances"] and not demo["bans"] and demo["proxies"] == 1 and not demo["anomaly_violations"]
