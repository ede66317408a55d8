"""Named feature events from Python (record_feature_event) and from the browser endpoint, counted per day."""

from __future__ import annotations

import time

import pytest

from chatmon.monitoring import flusher
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.events import record_feature_event
from chatmon.monitoring.models import DailyCount

pytestmark = pytest.mark.django_db


def feature_counts() -> dict[str, int]:
    flusher.flush()
    compact(now=time.time())
    return dict(DailyCount.objects.filter(kind="feature").values_list("name", "count"))


def test_it_counts_events_tracked_from_python(scrape):
    record_feature_event("conversation.shared")
    record_feature_event("conversation.shared")
    record_feature_event("message.copied", count=3)
    assert feature_counts() == {"conversation.shared": 2, "message.copied": 3}
    assert 'chatmon_feature_events_total{name="message.copied"}' in scrape()


@pytest.mark.parametrize("name", ["", "Has Spaces", "x" * 65, None, "../etc"])
def test_it_refuses_a_malformed_name(name):
    with pytest.raises(ValueError, match="feature event names"):
        record_feature_event(name)


def test_it_counts_an_allowed_event_posted_by_a_signed_in_browser(client, member):
    client.force_login(member)
    response = client.post("/monitoring/events", '{"name": "message.regenerated"}', content_type="text/plain")
    assert response.status_code == 202
    assert feature_counts() == {"message.regenerated": 1}


def test_it_refuses_anonymous_posts(client):
    response = client.post("/monitoring/events", {"name": "message.copied"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.parametrize(
    ("body", "error"),
    [("not json", "invalid_json"), ('["a"]', "unknown_event"), ('{"name": "made.up"}', "unknown_event")],
)
def test_it_refuses_bad_bodies_with_a_json_reason(client, member, body, error):
    client.force_login(member)
    response = client.post("/monitoring/events", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert feature_counts() == {}


def test_it_serves_the_browser_snippet(client):
    response = client.get("/monitoring/track.js")
    assert response.status_code == 200
    assert "sendBeacon" in response.content.decode()
    assert client.post("/monitoring/track.js").status_code == 405
