"""The Usage page's spend by model, endpoint and API-key source: token and per-call spends together, in
credits and money, narrowed by its filters (also in the CSV), and a filter that cannot match is a 400 that
says which one."""

from __future__ import annotations

import csv
import io

import pytest

from chatmon.api.models import ExternalUser
from chatmon.dashboards.rollups import roll_up
from ledger import money
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spends(settings):
    """Two tenants' users and a local one, spending on two endpoints: gpt-4o costs 2.5 credits a prompt token."""
    settings.LEDGER_TRANSACTIONS_ENABLED = True
    tenant, local = UserFactory(username="tenant-user"), UserFactory(username="local-user")
    other = UserFactory(username="other-tenant-user")
    ExternalUser.objects.create(source="tenant-a", external_id="t1", user=tenant)
    ExternalUser.objects.create(source="tenant-b", external_id="o1", user=other)
    ledger.spend_tokens(user=tenant, model="gpt-4o", prompt_tokens=1000, endpoint="openAI")  # 2,500 credits
    ledger.spend_calls(user=tenant, items=[{"kind": "image", "name": "dall-e-3"}], endpoint="openAI")
    ledger.spend_tokens(user=other, model="gpt-4o", prompt_tokens=400, endpoint="azureOpenAI")  # 1,000 credits
    ledger.spend_tokens(user=local, model="gpt-4o", prompt_tokens=200)  # 500 credits, no endpoint
    return tenant, local, other


def rows_of(client, panel: str, query: str = "") -> list[list[str]]:
    query = query if "range=" in query else f"&range=1h{query}"
    response = client.get(f"/dashboard/usage/{panel}.csv?{query.lstrip('&')}")
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_counts_token_and_call_rows_as_one_spend(spends):
    tenant, _, _ = spends
    image = -ledger_selectors.transactions_of(tenant).get(token_type="call").token_value
    grouped = {row["user_id"]: row for row in ledger_selectors.spend_grouped(by=("user_id",), since=_hour_ago())}
    assert grouped[tenant.pk]["credits"] == pytest.approx(2500 + image)
    assert grouped[tenant.pk]["tokens"] == 1000 and grouped[tenant.pk]["calls"] == 1
    assert grouped[tenant.pk]["requests"] == 1


def test_it_breaks_spend_down_by_model_endpoint_and_source(staff_client, spends):
    tenant, _, _ = spends
    image = -ledger_selectors.transactions_of(tenant).get(token_type="call").token_value
    by_source = rows_of(staff_client, "spend-by-source")
    assert by_source[0] == ["source", "credits", "USD", "tokens", "calls", "requests"]
    assert [(row[0], float(row[1])) for row in by_source[1:]] == [
        ("tenant-a", pytest.approx(2500 + image)), ("tenant-b", 1000), ("(local)", 500),
    ]  # fmt: skip
    assert float(by_source[1][2]) == money.round_money(2500 + image)
    endpoints = {row[0]: float(row[1]) for row in rows_of(staff_client, "spend-by-endpoint")[1:]}
    assert endpoints == {"openAI": pytest.approx(2500 + image), "azureOpenAI": 1000, "(none)": 500}


def test_a_day_or_more_reads_the_daily_rollup_and_agrees_with_the_ledger(staff_client, spends):
    panels = ("spend-by-model", "spend-by-endpoint", "spend-by-source")
    exact = {panel: rows_of(staff_client, panel) for panel in panels}
    assert rows_of(staff_client, "spend-by-model", "&range=24h")[1:] == [], "nothing before the rollup job ran"
    roll_up()
    for panel in panels:
        assert rows_of(staff_client, panel, "&range=24h") == exact[panel], panel
    filtered = rows_of(staff_client, "spend-by-model", "&range=7d&source=tenant-b&endpoint=azureOpenAI")
    assert [(row[0], float(row[1])) for row in filtered[1:]] == [("gpt-4o", 1000)]


def test_its_filters_narrow_the_spend_panels(staff_client, spends):
    by_model = rows_of(staff_client, "spend-by-model", "&source=tenant-b")
    assert [(row[0], float(row[1])) for row in by_model[1:]] == [("gpt-4o", 1000)]
    assert rows_of(staff_client, "spend-by-endpoint", "&source=(local)")[1:][0][:2] == ["(none)", "500.0"]
    assert rows_of(staff_client, "spend-by-source", "&user=tenant-user&endpoint=azureOpenAI")[1:] == []
    by_user = rows_of(staff_client, "spend-by-model", "&user=other-tenant-user&model=gpt-4o")
    assert float(by_user[1][1]) == 1000

    body = staff_client.get("/dashboard/usage/?range=1h&source=tenant-a").content.decode()
    assert 'id="filter-source" name="source" value="tenant-a"' in body
    assert "?range=24h&amp;source=tenant-a" in body, "a range switch keeps the filters"
    assert "spend-by-model.csv?range=1h&amp;source=tenant-a" in body, "so does the CSV"
    assert '/admin/chatmon_api/apikey/?source=tenant-a"' in body, "a source links to its API keys"


@pytest.mark.parametrize(
    ("query", "message"),
    [("user=nobody", "no user is named 'nobody'"), ("model=" + "m" * 300, "model is at most 255 characters"),
     ("source=a%00b", "source holds a control character"), ("route=x&method=" + "G" * 9, "method is at most 8")],
)  # fmt: skip
def test_it_refuses_a_filter_that_cannot_match(staff_client, query, message):
    response = staff_client.get(f"/dashboard/usage/?range=1h&{query}")
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert staff_client.get(f"/dashboard/usage/spend-by-model.csv?{query}").status_code == 400


def test_a_route_leads_to_its_own_traffic(staff_client, traffic):
    body = staff_client.get("/dashboard/performance/?range=24h").content.decode()
    assert "/dashboard/performance/?range=24h&amp;route=" in body
    narrowed = staff_client.get("/dashboard/performance/?range=24h&route=api/chat/&method=POST").content.decode()
    assert 'id="route-filter"' in narrowed and "Requests per second and error rate: POST api/chat/" in narrowed


def _hour_ago():
    import datetime as dt

    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
