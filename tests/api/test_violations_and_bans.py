"""Violation reports answer LibreChat's outcome; the ban check reports user and IP bans with their expiry."""

from __future__ import annotations

import pytest

from violations import services
from violations.models import Ban, Violation

pytestmark = pytest.mark.django_db


def test_it_counts_a_violation_and_answers_the_outcome(api):
    first = api.post("violations", {"user": "u1", "type": "logins", "ip": "203.0.113.9", "details": {"n": 1}}).json()
    second = api.post("violations", {"user": "u1", "type": "logins", "score": 3}).json()
    assert (first["prev_count"], first["violation_count"], first["ban"]) == (0, 1, False)
    assert (second["prev_count"], second["violation_count"]) == (1, 4)
    row = Violation.objects.order_by("pk").first()
    assert row.user.username == "librechat:u1" and row.ip == "203.0.113.9" and row.details == {"n": 1}


def test_it_bans_on_the_threshold_and_the_ban_check_sees_it(api, bans_on):
    outcome = api.post("violations", {"user": "u1", "ip": "203.0.113.9", "type": "non_browser", "score": 20}).json()
    assert outcome["ban"] is True and outcome["ban_duration"] == 7_200_000
    check = api.get("bans/check", {"user": "u1", "ip": "203.0.113.9"}).json()
    assert check["banned"] is True
    assert check["user"]["source"] == "automatic" and check["ip"]["source"] == "automatic"
    assert 7190 <= check["retry_after"] <= 7200
    assert api.get("bans/check", {"user": "u2", "ip": "198.51.100.1"}).json() == {
        "banned": False, "user": None, "ip": None, "retry_after": None,
    }  # fmt: skip


def test_it_counts_anonymous_violations_for_the_ip(api, bans_on):
    api.post("violations", {"ip": "198.51.100.7", "type": "logins", "score": 20})
    assert Ban.objects.get().ip == "198.51.100.7"
    assert api.get("bans/check", {"ip": "198.51.100.7"}).json()["ip"]["reason"].startswith("logins")


def test_it_reports_a_manual_ban_lifted_no_more(api):
    api.post("violations", {"user": "u1", "type": "general", "score": 0})
    user = Violation.objects.get().user
    services.ban(user=user, duration_ms=60_000, reason="manual")
    assert api.get("bans/check", {"user": "u1"}).json()["user"]["source"] == "manual"
    services.lift_ban(user=user)
    assert api.get("bans/check", {"user": "u1"}).json()["banned"] is False


def test_it_refuses_a_report_without_user_or_ip_and_an_unknown_type(api):
    assert api.post("violations", {"type": "logins"}).json()["errors"][0]["message"] == "Name a user, an ip, or both."
    assert api.post("violations", {"type": "made_up", "user": "u1"}).json()["errors"][0]["field"] == "type"
