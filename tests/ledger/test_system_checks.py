"""Ledger system checks: missing or misplaced sync middleware, bad refill unit, SQLite without IMMEDIATE."""

from __future__ import annotations

from ledger import checks


def ids(results) -> list[str]:
    return [result.id for result in results]


def test_it_passes_the_project_settings():
    assert checks.check_middleware() == []
    assert checks.check_settings() == []


def test_it_flags_missing_or_misplaced_middleware(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != checks.SYNC_MIDDLEWARE]
    assert ids(checks.check_middleware()) == ["ledger.W001"]
    settings.MIDDLEWARE = [checks.SYNC_MIDDLEWARE, *settings.MIDDLEWARE]
    assert ids(checks.check_middleware()) == ["ledger.W002"]


def test_it_flags_an_unknown_refill_unit(settings):
    settings.LEDGER_REFILL_INTERVAL_UNIT = "fortnights"
    assert "ledger.W003" in ids(checks.check_settings())
