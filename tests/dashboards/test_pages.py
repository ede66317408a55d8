"""After real traffic, every dashboard page shows charts and tables for every range, and each panel is a CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

from chatmon.dashboards.pages import PAGES
from chatmon.dashboards.ranges import RANGES

pytestmark = pytest.mark.django_db
# A script, stylesheet, image or font fetched from another host.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""")


def test_it_shows_charts_and_tables_after_traffic_in_every_range(staff_client, traffic):
    for slug in PAGES:
        for key in RANGES:
            response = staff_client.get(f"/dashboard/{slug}/?range={key}")

            assert response.status_code == 200, (slug, key)
            body = response.content.decode()
            assert 'class="dash-chart"' in body, f"{slug} {key}: at least one chart is drawn"
            assert not EXTERNAL.search(body), "nothing loads from the internet"
            assert f'href="/dashboard/{slug}/' in body and f".csv?range={key}" in body


def test_it_refuses_an_unknown_range_with_json(staff_client):
    response = staff_client.get("/dashboard/overview/?range=2y")

    assert response.status_code == 400
    assert "range must be one of" in response.json()["message"]


def test_it_downloads_a_panel_as_csv(staff_client, traffic):
    response = staff_client.get("/dashboard/usage/top-spenders.csv?range=7d")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["user", "credits", "USD", "tokens", "requests"]
    assert {row[0] for row in rows[1:]} == {"chatter0", "chatter1", "chatter2"}


def test_it_answers_404_json_for_an_unknown_panel(staff_client):
    response = staff_client.get("/dashboard/usage/nothing.csv")

    assert response.status_code == 404
    assert "no panel" in response.json()["message"]


def test_the_overview_answers_whether_the_month_will_exceed_the_budget(staff_client, traffic):
    page = staff_client.get("/dashboard/overview/?range=24h").content.decode()
    assert "Spend forecast for" in page and "budget" in page
