"""Every CSV export (dashboard panels, User 360, the ledger admin, the audit log) goes through one writer,
auditlog.csvwriter: the same formula-starting text is quoted the same way in each."""

from __future__ import annotations

import csv
import io

import pytest

from auditlog.csvwriter import FORMULA_STARTS, csv_lines
from ledger import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NASTY = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def parsed(body: bytes | str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body if isinstance(body, str) else body.decode()), strict=True))


def test_the_writer_quotes_every_formula_start_and_leaves_numbers_alone():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
    rows = parsed("".join(csv_lines(["a", "b"], [[text, -1.5] for text in NASTY] + [[None, 0]])))
    assert rows[1:] == [["'" + text, "-1.5"] for text in NASTY] + [["", "0"]]


def test_user_360_and_the_admin_exports_quote_the_same_way(client, operator, balances_on):
    user = UserFactory(username="-victim")
    for text in NASTY:
        services.grant_credits(user=user, amount=1, reason=text)
    client.force_login(operator)
    panel = parsed(client.get(f"/dashboard/users/{user.pk}/transactions.csv").content)
    assert sorted(row[-1] for row in panel[1:]) == sorted("'" + text for text in NASTY)
    admin = parsed(b"".join(client.get("/admin/ledger/transaction/export/").streaming_content))
    reasons = [row[admin[0].index("reason")] for row in admin[1:]]
    assert sorted(reasons) == sorted("'" + text for text in NASTY)
    assert {row[0] for row in admin[1:]} == {"'-victim"}


def test_an_unknown_query_parameter_on_a_dashboard_csv_is_ignored(client, operator):
    client.force_login(operator)
    response = client.get("/dashboard/usage/top-spenders.csv?format=csv&range=7d")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
