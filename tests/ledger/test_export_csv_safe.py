"""The admin's transaction export writes through the one formula-safe CSV writer: a grant reason, an endpoint
or a user name that starts like a formula is quoted, numbers stay numbers, and an unknown query parameter
(`?format=csv`) is a 400, not a 500."""

from __future__ import annotations

import csv
import io

import pytest

from ledger import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EXPORT = "/admin/ledger/transaction/export/"


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def exported(response) -> list[dict]:
    assert response.status_code == 200, response
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_it_quotes_cells_that_a_spreadsheet_would_run(operator_client, balances_on):
    user = UserFactory(username="@evil")
    services.grant_credits(user=user, amount=-5, reason='=HYPERLINK("http://x.test","click")')
    services.spend_tokens(user=user, model="gpt-4o", prompt_tokens=10, endpoint="+cmd", conversation_id="-c")
    rows = exported(operator_client.get(EXPORT))
    grant = next(r for r in rows if r["context"] == "grant")
    spend = next(r for r in rows if r["token_type"] == "prompt")
    assert grant["reason"] == '\'=HYPERLINK("http://x.test","click")'
    assert grant["user"] == "'@evil"
    assert grant["token_value"] == "-5.0"  # a negative number is data, not a formula
    assert (spend["endpoint"], spend["conversation_id"]) == ("'+cmd", "'-c")


def test_it_answers_400_to_an_unknown_query_parameter(operator_client, balances_on, member):
    services.grant_credits(user=member, amount=5, reason="x")
    response = operator_client.get(EXPORT + "?format=csv")
    assert response.status_code == 400
    assert b"parameter" in response.content
    assert len(exported(operator_client.get(EXPORT + "?context__exact=grant"))) == 1


def test_it_takes_the_writer_from_the_setting(operator_client, balances_on, member, settings):
    services.grant_credits(user=member, amount=5, reason="x")
    settings.LEDGER_CSV_WRITER = "chatmon.dashboards.panels.csv_response"
    with pytest.raises(TypeError):  # the named function is called: a wrong one fails loudly, not silently
        operator_client.get(EXPORT)
