"""Custom KPIs: the daily trend of a feature event or a ratio, the Prometheus gauge with one bounded label,
and definitions the admin refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest

from chatmon.analytics import kpis
from chatmon.analytics.models import Kpi
from chatmon.monitoring.models import DailyCount

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


def counted(day: dt.date, name: str, count: int) -> None:
    DailyCount.objects.create(day=day, kind=DailyCount.Kind.FEATURE, name=name, count=count)


def test_a_count_and_a_ratio_per_day():
    counted(TODAY, "conversation.shared", 6)
    counted(TODAY, "conversation.started", 24)
    counted(TODAY - dt.timedelta(days=1), "conversation.shared", 3)
    DailyCount.objects.create(day=TODAY, kind=DailyCount.Kind.BROWSER, name="conversation.shared", count=99)
    shares = Kpi(slug="shares", name="Shares", numerator="conversation.shared")
    rate = Kpi(
        slug="share-rate", name="Share rate", numerator="conversation.shared", denominator="conversation.started"
    )
    assert kpis.trend(shares, days=3, today=TODAY) == [
        (TODAY - dt.timedelta(days=2), 0.0), (TODAY - dt.timedelta(days=1), 3.0), (TODAY, 6.0),
    ]  # fmt: skip
    assert kpis.trend(rate, days=2, today=TODAY) == [(TODAY - dt.timedelta(days=1), None), (TODAY, 0.25)]


def test_the_gauge_has_one_series_per_kpi_with_todays_value():
    today = timezone.now().astimezone(dt.UTC).date()
    counted(today, "message.copied", 5)
    counted(today, "message.sent", 20)
    Kpi.objects.create(slug="copies", name="Copies", numerator="message.copied")
    Kpi.objects.create(slug="copy-rate", name="Copy rate", numerator="message.copied", denominator="message.sent")
    Kpi.objects.create(slug="no-data", name="No data", numerator="never.seen", denominator="never.either")
    registry = CollectorRegistry()
    registry.register(kpis.KpiCollector())
    text = generate_latest(registry).decode()
    assert 'chatmon_kpi_value{kpi="copies"} 5.0' in text
    assert 'chatmon_kpi_value{kpi="copy-rate"} 0.25' in text
    assert 'kpi="no-data"' not in text  # a ratio without a denominator today has no value, not 0 or NaN


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"numerator": "Not An Event"}, "numerator"), ({"numerator": "a.b", "denominator": "x" * 80}, "denominator")],
)
def test_bad_event_names_are_refused(fields, field):
    with pytest.raises(ValidationError) as refused:
        Kpi(slug="k", name="k", **fields).full_clean()
    assert field in refused.value.message_dict


def test_the_number_of_kpis_is_bounded(settings):
    Kpi.objects.bulk_create([Kpi(slug=f"k{n}", name=f"k{n}", numerator="a.b") for n in range(kpis.MAX_KPIS)])
    with pytest.raises(ValidationError, match="At most 50 KPIs"):
        Kpi(slug="one-more", name="one more", numerator="a.b").full_clean()
