"""Rows holding the ledger's largest valid figures render on every page and API that reads them."""

from __future__ import annotations

import pytest

from chatmon.api import users
from chatmon.dashboards.ranges import RANGES
from ledger import services
from ledger.models import Balance, Transaction
from ledger.validation import MAX_BALANCE, MAX_RATE, MAX_TOKENS
from tests.dashboards.conftest import run_rollup_jobs

pytestmark = pytest.mark.django_db
TOP = {"prompt": MAX_RATE, "completion": MAX_RATE, "write": MAX_RATE, "read": MAX_RATE}


@pytest.fixture
def extreme_rows(db, balances_on):
    """A user with a full balance, a structured spend of 3 x 10^9 tokens and an aborted completion at the top rate."""
    member = users.resolve(source="test", external_id="big")  # the user an API caller would create
    services.grant_credits(user=member, amount=10**12, reason="largest grant")
    Balance.objects.filter(user=member).update(token_credits=MAX_BALANCE)
    config = {"custom-x": TOP}
    services.spend_structured_tokens(
        user=member, model="custom-x", endpoint_token_config=config,
        prompt_tokens={"input": MAX_TOKENS, "write": MAX_TOKENS, "read": MAX_TOKENS}, completion_tokens=MAX_TOKENS,
    )  # fmt: skip
    services.spend_tokens(
        user=member, model="custom-x", endpoint_token_config=config, context="incomplete",
        prompt_tokens=MAX_TOKENS, completion_tokens=MAX_TOKENS,
    )  # fmt: skip
    run_rollup_jobs()
    assert Transaction.objects.filter(token_value=-3e15).exists()
    return member


@pytest.mark.parametrize("slug", ["overview", "usage"])
def test_it_renders_the_pages_with_the_largest_valid_figures(staff_client, extreme_rows, slug):
    for key in RANGES:
        response = staff_client.get(f"/dashboard/{slug}/?range={key}")
        assert response.status_code == 200, (slug, key)
        assert 'class="dash-chart"' in response.content.decode()
        for panel in ("tokens", "credits"):
            assert staff_client.get(f"/dashboard/{slug}/{panel}.csv?range={key}").status_code == 200


def test_it_renders_user_360_with_the_largest_valid_figures(staff_client, extreme_rows):
    assert staff_client.get(f"/dashboard/users/{extreme_rows.pk}/").status_code == 200
