"""A caller without a session cookie is anonymous without a session lookup: nothing varies on Cookie."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("balances", [True, False], ids=["balances-on", "balances-off"])
def test_it_sends_no_vary_cookie_to_a_caller_without_a_cookie(settings, balances):
    settings.LEDGER_BALANCE_ENABLED = balances
    client = Client()  # a new client loads the middleware, so BalanceSyncMiddleware follows the setting
    refused = client.get("/api/conversations")
    assert refused.status_code == 401
    assert "Cookie" not in refused.get("Vary", "")
    public = client.post("/api/auth/login", "{}", content_type="application/json")
    assert public.status_code == 400
    assert "Cookie" not in public.get("Vary", "")


def test_a_signed_in_caller_still_varies_on_cookie(member, balances_on):
    client = Client()
    client.force_login(member)
    response = client.get("/api/conversations")
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]
