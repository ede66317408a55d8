"""Operator admin: balances with a grant-credits action, read-only transactions, filtered CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from ledger import services
from ledger.models import Balance, Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def test_it_lists_balances_in_credits_and_usd(operator_client, funded):
    page = operator_client.get("/admin/ledger/balance/?credits=positive")
    assert page.status_code == 200
    assert "1,000,000.00" in page.content.decode() and "$1.00" in page.content.decode()  # ledger/money.py
    detail = operator_client.get(f"/admin/ledger/balance/{Balance.objects.get(user=funded).pk}/change/")
    assert "test funds" not in detail.content.decode() and "credits" in detail.content.decode()


def test_it_grants_credits_through_a_validated_form(operator_client, operator, funded):
    balance = Balance.objects.get(user=funded)
    action = {"action": "grant_credits", "_selected_action": [balance.pk]}
    form = operator_client.post("/admin/ledger/balance/", action)
    assert form.status_code == 200 and "Grant credits to 1 user" in form.content.decode()
    bad = operator_client.post("/admin/ledger/balance/", {**action, "apply": "1", "amount": "0", "reason": ""})
    assert bad.status_code == 200
    assert "Enter a non-zero amount." in bad.content.decode() and "This field is required." in bad.content.decode()
    junk = operator_client.post("/admin/ledger/balance/", {**action, "apply": "1", "amount": "1e400", "reason": "x"})
    assert junk.status_code == 200
    done = operator_client.post(
        "/admin/ledger/balance/", {**action, "apply": "1", "amount": "-2500", "reason": "refund"}
    )
    assert done.status_code == 302
    row = Transaction.objects.get(context="grant", reason="refund")
    assert (row.actor, row.token_value, row.balance_after) == (operator, -2500, 997_500)


def test_it_keeps_transactions_read_only(operator_client, funded):
    row = Transaction.objects.get(user=funded)
    assert operator_client.get("/admin/ledger/transaction/add/").status_code == 403
    page = operator_client.get(f"/admin/ledger/transaction/{row.pk}/change/")
    assert page.status_code == 200 and 'name="token_value"' not in page.content.decode()
    assert (
        operator_client.get("/admin/ledger/transaction/?token_type__exact=credits&created_at__year=2020").status_code
        == 200
    )


def test_it_exports_the_filtered_transactions_as_streamed_csv(operator_client, funded, member):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=10, completion_tokens=1, conversation_id="c1")
    response = operator_client.get("/admin/ledger/transaction/export/?token_type__exact=prompt")
    assert response.status_code == 200 and response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["user"], r["token_type"], r["token_value"], r["conversation_id"]) for r in rows] == [
        ("member", "prompt", "-25.0", "c1")
    ]
    assert rows[0]["token_value_USD"] == "0.0"  # -25 credits in USD, rounded as the pages show it ($0.0000)
    everything = operator_client.get("/admin/ledger/transaction/export/")
    rows = list(csv.DictReader(io.StringIO(b"".join(everything.streaming_content).decode())))
    grant = next(r for r in rows if r["context"] == "grant")
    assert (grant["token_value"], grant["token_value_USD"]) == ("1000000.0", "1.0")


def test_it_refuses_the_export_to_non_staff(client, member):
    client.force_login(member)
    assert client.get("/admin/ledger/transaction/export/").status_code == 302


def test_it_validates_price_overrides(operator_client):
    data = {"pattern": "gpt-4o", "prompt": "3", "completion": "-1", "premium_threshold": "10",
            "effective_from_0": "2026-01-01", "effective_from_1": "00:00:00"}  # fmt: skip
    page = operator_client.post("/admin/ledger/priceoverride/add/", data)
    assert page.status_code == 200
    assert "A premium tier needs a threshold and both premium rates." in page.content.decode()
    assert "Rates are credits per token" in page.content.decode()
