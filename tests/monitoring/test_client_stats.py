"""Browser and OS families from the user agent, bounded to configured families, counted per day."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from chatmon.monitoring import flusher
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.models import DailyCount

pytestmark = pytest.mark.django_db

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def counts(kind: str) -> dict[str, int]:
    return dict(DailyCount.objects.filter(kind=kind).values_list("name", "count"))


def test_it_counts_requests_by_browser_and_os_family(client):
    for agent, n in ((CHROME_LINUX, 3), (FIREFOX_WINDOWS, 2)):
        for _ in range(n):
            client.get("/healthz", HTTP_USER_AGENT=agent)
    flusher.flush()
    compact(now=time.time())

    assert counts("browser") == {"Chrome": 3, "Firefox": 2}
    assert counts("os") == {"Linux": 3, "Windows": 2}


@override_settings(MONITORING_BROWSER_FAMILIES=["Firefox"], MONITORING_OS_FAMILIES=["Windows"])
def test_it_counts_families_outside_the_configured_set_as_other(client):
    client.get("/healthz", HTTP_USER_AGENT=CHROME_LINUX)
    client.get("/healthz", HTTP_USER_AGENT="x" * 5000)
    client.get("/healthz", HTTP_USER_AGENT=FIREFOX_WINDOWS)
    client.get("/healthz")
    flusher.flush()
    compact(now=time.time())

    assert counts("browser") == {"Other": 3, "Firefox": 1}
    assert counts("os") == {"Other": 3, "Windows": 1}
