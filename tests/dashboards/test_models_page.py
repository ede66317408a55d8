"""The Models page over real chat traffic: the table shows each model's figures and a sparkline, a model
drills down, two models compare, the Overview has its panel; bad parameters are 400s, CSV works."""

from __future__ import annotations

import csv
import io
import time

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from chatmon.monitoring import flusher
from chatmon.monitoring.aggregator import buffer
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.feedback import record_feedback
from chatmon.monitoring.generations import model_label
from tests.chatapp.support import Api
from tests.factories import OperatorFactory, UserFactory
from tests.monitoring.conftest import delete_monitoring_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_traffic(settings):
    """Chat turns on two models through the chat app (one provider failure), a rating, then compaction."""
    buffer.drain()
    delete_monitoring_keys()
    settings.CHATAPP_FAKE_DELAY_MS = 0
    settings.VIOLATIONS_ROUTE_LIMITERS = {}
    client = Client()
    client.force_login(UserFactory(username="chatter", password="chat-pass-123"))
    api = Api(client)
    for i in range(3):
        api.chat(model="gpt-4o-mini", text=f"quick question {i}")
    final = api.chat(model="claude-sonnet-4", text="a slow question")[-1].data
    settings.CHATAPP_FAKE_FAILURE_RATE = 1.0
    api.chat(model="claude-sonnet-4", text="this one fails")
    record_feedback(message_id=str(final["responseMessage"]["id"]), model="claude-sonnet-4", provider="anthropic",
                    rating="thumbsUp", tag="clear", text="nice & <b>clear</b>")  # fmt: skip
    flusher.flush()
    compact(now=time.time() + 120)
    yield
    buffer.drain()


def table(html: str, panel: str) -> str:
    start = html.index(f'id="panel-{panel}"')
    return html[start : html.index("</section>", start)]


def test_the_table_has_every_model_with_its_figures_and_a_sparkline(staff_client, model_traffic):
    html = staff_client.get("/dashboard/models/?range=1h").content.decode()
    models = table(html, "models")
    assert model_label("gpt-4o-mini") in models and model_label("claude-sonnet-4") in models
    assert models.count('<svg class="dash-spark"') == 2
    assert "?range=1h&amp;model=" in models  # each model links to its drill-down
    providers = table(html, "providers")
    assert "openAI" in providers and "anthropic" in providers


def test_the_csv_has_the_hand_checkable_figures(staff_client, model_traffic):
    response = staff_client.get("/dashboard/models/models.csv?range=1h")
    rows = {row["model"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}
    sonnet = rows[model_label("claude-sonnet-4")]
    assert sonnet["requests"] == "2"
    assert float(sonnet["error rate %"]) == 50.0  # one provider error of two attempted
    assert float(sonnet["thumbs up %"]) == 100.0
    assert float(rows[model_label("gpt-4o-mini")]["cost/request"]) > 0


def test_a_model_drills_down(staff_client, model_traffic):
    key = model_label("claude-sonnet-4")
    html = staff_client.get(f"/dashboard/models/?range=1h&model={key}").content.decode()
    for panel in (
        "model-figures",
        "model-timeline",
        "model-latency",
        "model-outcomes",
        "model-feedback",
        "model-comments",
    ):
        assert f'id="panel-{panel}"' in html, panel
    outcomes = table(html, "model-outcomes")
    assert "provider_error" in outcomes
    assert "nice &amp; &lt;b&gt;clear&lt;/b&gt;" in table(html, "model-comments")  # escaped, never markup


def test_two_models_compare(staff_client, model_traffic):
    a, b = model_label("gpt-4o-mini"), model_label("claude-sonnet-4")
    response = staff_client.get(f"/dashboard/models/?range=1h&compare={a},{b}")
    assert response.status_code == 200
    compare = table(response.content.decode(), "compare")
    assert "TTFT p95 ms" in compare and f"{b} / {a}" in compare


@pytest.mark.parametrize("query", ["compare=onlyone", "compare=a,b,c", "compare=,x", "compare=" + "m" * 200 + ",x",
                                   "compare=a%00,b", "range=2y", "model=%01"])  # fmt: skip
def test_bad_parameters_are_400s_that_say_why(staff_client, query):
    response = staff_client.get(f"/dashboard/models/?{query}", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["message"]


def test_the_overview_has_a_models_panel(staff_client, model_traffic):
    html = staff_client.get("/dashboard/overview/?range=1h").content.decode()
    assert model_label("gpt-4o-mini") in table(html, "models-overview")


def test_it_takes_the_generation_rollups_view_permission(db):
    staff = OperatorFactory(username="limited", is_superuser=False)
    staff.user_permissions.clear()
    client = Client()
    client.force_login(staff)
    assert client.get("/dashboard/models/").status_code == 403
    assert client.get("/dashboard/models/?compare=a,b").status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_generationrollup"))
    client.force_login(staff)
    assert client.get("/dashboard/models/").status_code == 200


def test_a_drill_down_panel_downloads_as_csv(staff_client, model_traffic):
    key = model_label("claude-sonnet-4")
    response = staff_client.get(f"/dashboard/models/model-outcomes.csv?range=1h&model={key}")
    assert response.status_code == 200
    rows = dict(csv.reader(io.StringIO(response.content.decode())))
    assert (rows["ok"], rows["provider_error"]) == ("1", "1")
