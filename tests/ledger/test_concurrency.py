"""8 processes hammering one user: no lost charge, no double charge, no over-committed hold.

Runs on the session's database (SQLite file or PostgreSQL); run the suite with DATABASE_URL set for both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from chatmon.testing.together import run_together
from chatmon.testing.worker import database_url
from ledger import services
from ledger.models import Balance, Hold, Transaction
from ledger.verify import verify_balance

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 8


def _hammer(mode: str, user_id: int, count: int) -> list[dict]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "examples.demo.settings",
        "CHECK_BALANCE": "true",
    }
    commands = [["-m", "tests.ledger.hammer", mode, str(user_id), str(count), f"w{n}"] for n in range(CLIENTS)]
    outputs = run_together(commands, env=env, cwd=ROOT)
    return [json.loads(out) for out in outputs]


def test_it_loses_no_charge_under_8_concurrent_clients(settings):
    settings.LEDGER_BALANCE_ENABLED = True
    user = get_user_model().objects.create(username="hammered")
    services.grant_credits(user=user, amount=1_000_000)
    _hammer("spend", user.pk, 15)
    balance = Balance.objects.get(user=user)
    spends = Transaction.objects.filter(user=user).exclude(token_type="credits")
    assert spends.count() == CLIENTS * 15 * 2
    # 120 messages x (10 x 2.5 + 5 x 10) credits, plus one credit granted by every client every 5 spends
    assert balance.token_credits == 1_000_000 - CLIENTS * 15 * 75 + CLIENTS * 3
    assert verify_balance(balance) == []


def test_it_never_over_commits_holds_under_8_concurrent_clients(settings):
    settings.LEDGER_BALANCE_ENABLED = True
    user = get_user_model().objects.create(username="admitted")
    services.grant_credits(user=user, amount=1000)
    results = _hammer("admit", user.pk, 3)
    # each check costs 250 credits: exactly 4 of the 24 fit in 1000
    assert sum(result["allowed"] for result in results) == 4
    assert Balance.objects.get(user=user).held_credits == 1000
    assert Hold.objects.filter(user=user, status="active").count() == 4
