"""ledger_verify: silent success on a consistent ledger; names the users and exits non-zero otherwise."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ledger import services
from ledger.models import Balance, Transaction

pytestmark = pytest.mark.django_db


def _busy_ledger(member, operator):
    services.check_balance(user=member, model="gpt-4o", amount=10)
    services.spend_tokens(user=member, model="gpt-4o", prompt_tokens=1000, completion_tokens=9000)
    services.grant_credits(user=operator, amount=3)
    services.spend_tokens(user=operator, model="o1", prompt_tokens=1, completion_tokens=1)


def test_it_passes_a_consistent_ledger(member, operator, balances_on):
    _busy_ledger(member, operator)
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "ledger ok: 2 balances" in out.getvalue()


def test_it_names_users_whose_balance_or_chain_is_off(member, operator, balances_on):
    _busy_ledger(member, operator)
    Balance.objects.filter(user=member).update(token_credits=5)
    row = Transaction.objects.filter(user=operator).order_by("pk").last()
    Transaction.objects.filter(pk=row.pk).update(written_off=0)
    err = StringIO()
    with pytest.raises(CommandError, match="ledger mismatch for 2 of 2 users: member, operator"):
        call_command("ledger_verify", stdout=StringIO(), stderr=err)
    assert f"user operator (id {operator.pk}) (transaction {row.pk}): written_off 0.0" in err.getvalue()
    assert "user member" in err.getvalue() and "balance is 5.0" in err.getvalue()
