"""Repricing a past period: hand-computed corrections, one correcting row per user, never an edited row,
idempotent, chained after an earlier repricing, audited, and bad input refused."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from auditlog.models import AuditEvent
from ledger import selectors, services
from ledger.models import Repricing, Transaction
from ledger.validation import LedgerInputError
from tests.factories import UserFactory
from tests.ledger.conftest import credits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]


MODEL = "acme-llm-1"  # in no price table: charged the default rate of 6 credits a token
CORRECTED = {"prompt": 0.5, "completion": 1.5, "cache_write": 0.625, "cache_read": 0.05}


@pytest.fixture
def period(funded):
    """Three spends of `funded` on the unpriced model an hour ago, and rows that must not be repriced."""
    start = timezone.now() - timedelta(hours=2)
    with time_machine.travel(start + timedelta(minutes=30)):
        # prompt 1000 x 6 = 6,000 and completion 200 x 6 = 1,200
        services.spend_tokens(user=funded, model=MODEL, prompt_tokens=1000, completion_tokens=200)
        # an aborted reply: ceil(-100 x 6 x 1.15) = -690
        services.spend_tokens(user=funded, model=MODEL, completion_tokens=100, context="incomplete")
        # cache accounting: (100 + 50 + 1000) x 6 = 6,900
        services.spend_structured_tokens(user=funded, model=MODEL, prompt_tokens={"input": 100, "write": 50,
                                                                                   "read": 1000})  # fmt: skip
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=1000)  # another model
    services.spend_tokens(user=funded, model=MODEL, prompt_tokens=1000)  # after the period
    return start, start + timedelta(hours=1)


def reprice(start, end, prices=CORRECTED, **kwargs):
    return services.reprice(model=MODEL, start=start, end=end, prices=prices, reason="acme price agreed", **kwargs)


def test_it_posts_the_hand_computed_difference_as_one_correcting_row(funded, operator, period):
    start, end = period
    spends = list(Transaction.objects.filter(model=MODEL).values_list("pk", "token_value"))
    before = credits(funded)

    preview = services.preview_repricing(model=MODEL, start=start, end=end, prices=CORRECTED, reason="x")
    [diff] = preview.differences
    # old: 6,000 + 1,200 + 690 + 6,900 = 14,790
    # new: 1000 x 0.5 + 200 x 1.5 + ceil-toward-zero(100 x 1.5 x 1.15 = 172.5) = 172 + (100 x 0.5 + 50 x 0.625
    #      + 1000 x 0.05 = 131.25) = 500 + 300 + 172 + 131.25 = 1,103.25
    assert (diff.rows, diff.old, diff.new, diff.correction) == (4, 14790.0, 1103.25, 13686.75)

    applied, _ = reprice(start, end, actor=operator)

    row = Transaction.objects.get(context="repricing")
    assert (row.user_id, row.token_type, row.model, row.token_value, row.actor_id) == (
        funded.pk, "credits", MODEL, 13686.75, operator.pk)  # fmt: skip
    assert row.reason.startswith(f"repricing {applied.pk}: {MODEL} ") and "prompt 0.5, completion 1.5" in row.reason
    assert credits(funded) == before + 13686.75
    assert (applied.users, applied.rows, applied.credits) == (1, 4, 13686.75)
    assert list(Transaction.objects.filter(model=MODEL, token_type__in=["prompt", "completion"])
                .values_list("pk", "token_value")) == spends  # fmt: skip
    assert selectors.verify_balances(users=[funded]) == []
    event = AuditEvent.objects.get(action="ledger.repriced")
    assert event.metadata["amount"] == 13686.75 and event.metadata["repricing"] == applied.pk


def test_running_the_same_repricing_again_posts_nothing(funded, period):
    start, end = period
    first, _ = reprice(start, end)
    again, preview = reprice(start, end)

    assert first is not None and again is None
    assert preview.to_post == [] and preview.earlier == [first.pk]
    assert Transaction.objects.filter(context="repricing").count() == 1
    assert Repricing.objects.count() == 1


def test_a_second_correction_posts_only_what_changes_again(funded, period):
    start, end = period
    reprice(start, end)
    cheaper = {**CORRECTED, "completion": 1.0}

    second, preview = reprice(start, end, prices=cheaper)

    # Only the completions change: 200 x (1.5 - 1.0) = 100, and the aborted one -100 x 1.0 x 1.15, which in
    # doubles is -114.99999999999999, ceil -114 (LibreChat's figure too) against -172: 58 more back.
    assert preview.differences[0].correction == 158.0
    assert second.credits == 158.0
    posted = Transaction.objects.filter(context="repricing").order_by("pk")
    assert list(posted.values_list("token_value", flat=True)) == [13686.75, 158.0]


def test_a_higher_price_charges_the_difference_and_the_balance_stops_at_zero(funded, period):
    start, end = period
    services.grant_credits(user=funded, amount=-credits(funded) + 1000, reason="nearly empty")

    applied, _ = reprice(start, end, prices={"prompt": 60, "completion": 60})

    row = Transaction.objects.get(context="repricing")
    # new: (1000 + 200) x 60 + ceil(-100 x 60 x 1.15 = -6899.999999999999 in doubles) + 1150 x 60
    #    = 72,000 + 6,899 + 69,000 = 147,899; old 14,790
    assert row.token_value == 14790.0 - 147899.0
    assert (row.balance_before, row.balance_after, row.written_off) == (1000.0, 0.0, 133109.0 - 1000.0)
    assert applied.credits == -133109.0


def test_it_reprices_one_user_only_when_asked(funded, period):
    start, end = period
    other = UserFactory()
    with time_machine.travel(start + timedelta(minutes=10)):
        services.spend_tokens(user=other, model=MODEL, prompt_tokens=10)

    _, preview = reprice(start, end, user=other.pk)

    assert [(diff.user_id, diff.old, diff.new) for diff in preview.differences] == [(other.pk, 60.0, 5.0)]
    assert list(Transaction.objects.filter(context="repricing").values_list("user_id", "token_value")) == [
        (other.pk, 55.0)]  # fmt: skip
    # Everyone's repricing afterwards takes the other user's rows at the prices that repricing set.
    _, preview = reprice(start, end)
    assert {diff.user_id: diff.correction for diff in preview.to_post} == {funded.pk: 13686.75}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end": timezone.now() + timedelta(days=1)}, "must have ended"),
        ({"start": timezone.now()}, "start must come before its end"),
        ({"prices": {"prompt": float("nan"), "completion": 1}}, "prompt rate is NaN"),
        ({"prices": {"prompt": -1, "completion": 1}}, "below 0"),
        ({"prices": {"prompt": 1, "completion": 1e9}}, "beyond the limit"),
        ({"prices": {"prompt": 1}}, "need a completion rate"),
        ({"prices": {"prompt": 1, "completion": 1, "bonus": 2}}, "prices must be a dict of"),
        ({"reason": " "}, "reason must be"),
        ({"model": "x" * 300}, "model must be"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(funded, period, changes, message):
    start, end = period
    arguments = {"model": MODEL, "start": start, "end": end, "prices": CORRECTED, "reason": "r", **changes}
    with pytest.raises(LedgerInputError, match=message):
        services.reprice(**arguments)
    assert not Repricing.objects.exists()


def test_the_command_uses_the_prices_in_force_now(funded, period):
    from ledger.models import PriceOverride

    start, end = period
    PriceOverride.objects.create(pattern=MODEL, prompt=0.5, completion=1.5)
    out = StringIO()
    arguments = ["ledger_reprice", MODEL, "--start", start.isoformat(), "--end", end.isoformat(), "--reason", "priced"]

    call_command(*arguments, stdout=out)
    assert "correction 13,243.00 credits ($0.0132)" in out.getvalue()  # no cache prices: all at 0.5
    assert not Repricing.objects.exists()
    call_command(*arguments, "--apply", stdout=out)
    call_command(*arguments, "--apply", stdout=out)
    assert "nothing to post" in out.getvalue()
    assert Transaction.objects.get(context="repricing").token_value == 13243.0
