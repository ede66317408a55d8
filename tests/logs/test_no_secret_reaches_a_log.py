"""A secret in an Authorization header or a query string appears in no log file or console line."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = [pytest.mark.urls("tests.logs.urls"), pytest.mark.django_db]

SECRETS = ("sk-live-abcdef123456", "tok-987654321", "pw-hunter-22", "leaked-123")


@pytest.mark.parametrize("path", ["/api/boom/1/", "/html/boom/", "/api/items/1/", "/no/such/route/"])
def test_it_never_logs_header_or_query_secrets(configure_logging, path):
    logs = configure_logging(debug_logging=True, console_level="silly")
    client = Client(raise_request_exception=False)
    client.get(
        f"{path}?api_key={SECRETS[0]}&access_token={SECRETS[1]}&password={SECRETS[2]}&q=1",
        headers={"Authorization": f"Bearer {SECRETS[1]}", "X-Api-Key": SECRETS[0]},
    )
    logging.getLogger("tests.logs").warning("headers seen: %s", {"Authorization": f"Bearer {SECRETS[1]}"})
    output = logs.everything()
    assert "Bearer [REDACTED]" in output or path != "/api/boom/1/"
    for secret in SECRETS:
        assert secret not in output
