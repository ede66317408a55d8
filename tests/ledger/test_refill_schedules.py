"""Calendar refill schedules: wall-clock times across daylight-saving changes and month ends, once per period."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from ledger import conf, pricing, schedules, services
from ledger.models import Balance, Transaction
from ledger.schedules import Calendar, Kind

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone: ZoneInfo, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def steps(schedule: Calendar, start: datetime, zone: ZoneInfo, count: int) -> list[datetime]:
    """The next `count` scheduled moments after `start`, each in `zone`."""
    moments, moment = [], start
    for _ in range(count):
        moment = schedule.next_after(moment, zone)
        moments.append(moment.astimezone(zone))
    return moments


def test_it_keeps_local_midnight_across_berlins_spring_and_fall_changes():
    daily = Calendar(Kind.DAILY, time(0, 0))
    spring = steps(daily, local(BERLIN, 2026, 3, 28, 0, 0), BERLIN, 2)
    assert spring == [local(BERLIN, 2026, 3, 29), local(BERLIN, 2026, 3, 30)]
    # The short day is 23 hours and still gets one refill.
    assert spring[1].astimezone(UTC) - spring[0].astimezone(UTC) == timedelta(hours=23)
    fall = steps(daily, local(BERLIN, 2026, 10, 24, 12, 0), BERLIN, 2)
    assert fall == [local(BERLIN, 2026, 10, 25), local(BERLIN, 2026, 10, 26)]
    assert fall[1].astimezone(UTC) - fall[0].astimezone(UTC) == timedelta(hours=25)


def test_a_time_the_spring_change_skips_happens_an_hour_later():
    daily = Calendar(Kind.DAILY, time(2, 30))
    # 02:30 does not exist in Berlin on 2026-03-29: the refill runs at 03:30 CEST (01:30 UTC).
    assert daily.next_after(utc(2026, 3, 28, 12, 0), BERLIN) == utc(2026, 3, 29, 1, 30)
    # New York skips 02:00-03:00 on 2026-03-08: 02:30 becomes 03:30 EDT (07:30 UTC).
    assert daily.next_after(utc(2026, 3, 7, 12, 0), NEW_YORK) == utc(2026, 3, 8, 7, 30)


def test_a_time_the_fall_change_repeats_happens_once():
    daily = Calendar(Kind.DAILY, time(2, 30))
    # Berlin's 02:30 comes twice on 2026-10-25 (00:30 and 01:30 UTC): only the first one refills.
    first = daily.next_after(utc(2026, 10, 24, 12, 0), BERLIN)
    assert first == utc(2026, 10, 25, 0, 30)
    assert daily.next_after(first, BERLIN) == utc(2026, 10, 26, 1, 30)
    # New York's 01:30 comes twice on 2026-11-01 (05:30 and 06:30 UTC).
    early = Calendar(Kind.DAILY, time(1, 30))
    first = early.next_after(utc(2026, 10, 31, 12, 0), NEW_YORK)
    assert first == utc(2026, 11, 1, 5, 30)
    assert early.next_after(first, NEW_YORK) == utc(2026, 11, 2, 6, 30)


def test_monthly_on_the_31st_is_the_last_day_of_shorter_months():
    monthly = Calendar(Kind.MONTHLY, time(0, 0), day=31)
    moments = steps(monthly, local(BERLIN, 2026, 1, 15), BERLIN, 5)
    assert [m.date().isoformat() for m in moments] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",  # and at local midnight though the clocks change on the 29th
        "2026-04-30",
        "2026-05-31",
    ]
    leap = steps(monthly, local(BERLIN, 2028, 2, 1), BERLIN, 2)
    assert [m.date().isoformat() for m in leap] == ["2028-02-29", "2028-03-31"]
    on_29th = steps(Calendar(Kind.MONTHLY, time(6, 0), day=29), local(NEW_YORK, 2027, 1, 30), NEW_YORK, 2)
    assert on_29th == [local(NEW_YORK, 2027, 2, 28, 6, 0), local(NEW_YORK, 2027, 3, 29, 6, 0)]


def test_weekly_on_a_weekday_at_a_time():
    weekly = Calendar(Kind.WEEKLY, time(9, 0), weekday=0)  # Mondays at 09:00
    # From a Monday at 09:00 exactly, the next is a week later (strictly after), across New York's change.
    moments = steps(weekly, local(NEW_YORK, 2026, 3, 2, 9, 0), NEW_YORK, 2)
    assert moments == [local(NEW_YORK, 2026, 3, 9, 9, 0), local(NEW_YORK, 2026, 3, 16, 9, 0)]
    assert all(moment.weekday() == 0 for moment in moments)


def _scheduled_balance(user, **fields) -> Balance:
    values = {
        "token_credits": 5.0,
        "opening_credits": 5.0,
        "auto_refill_enabled": True,
        "refill_amount": 100.0,
        "refill_schedule": Kind.DAILY,
        "refill_time": time(0, 0),
        **fields,
    }
    balance = Balance(user=user, **values)
    balance.schedule_next_refill()
    balance.save()
    return balance


def _refills(user) -> int:
    return Transaction.objects.filter(user=user, context="autoRefill").count()


@pytest.mark.django_db
def test_the_job_refills_once_per_period_even_run_twice_or_late(member, balances_on, settings):
    settings.LEDGER_REFILL_TIME_ZONE = "Europe/Berlin"
    with time_machine.travel(local(BERLIN, 2026, 3, 28, 12, 0), tick=False):
        balance = _scheduled_balance(member, last_refill=local(BERLIN, 2026, 3, 28, 0, 0))
    assert balance.next_refill_at == local(BERLIN, 2026, 3, 29)
    with time_machine.travel(local(BERLIN, 2026, 3, 28, 23, 59), tick=False):
        assert services.refill_due_balances() == {"refilled": 0, "skipped": 0}
    with time_machine.travel(local(BERLIN, 2026, 3, 29, 0, 5), tick=False):
        assert services.refill_due_balances() == {"refilled": 1, "skipped": 0}
        assert services.refill_due_balances() == {"refilled": 0, "skipped": 0}  # run twice: once
    balance.refresh_from_db()
    assert (balance.token_credits, _refills(member)) == (105.0, 1)
    assert balance.next_refill_at == local(BERLIN, 2026, 3, 30)  # local midnight after the 23-hour day
    # The job was down for three days: the missed midnights are applied once, and the next is tomorrow's.
    with time_machine.travel(local(BERLIN, 2026, 4, 2, 7, 0), tick=False):
        assert services.refill_due_balances() == {"refilled": 1, "skipped": 0}
        assert services.refill_due_balances() == {"refilled": 0, "skipped": 0}
    balance.refresh_from_db()
    assert (balance.token_credits, _refills(member)) == (205.0, 2)
    assert balance.next_refill_at == local(BERLIN, 2026, 4, 3)


@pytest.mark.django_db
def test_a_balance_check_refills_on_the_schedule_and_shows_the_next_refill(member, balances_on, settings):
    settings.LEDGER_REFILL_TIME_ZONE = "America/New_York"
    with time_machine.travel(local(NEW_YORK, 2026, 10, 31, 12, 0), tick=False):
        _scheduled_balance(member, token_credits=0.0, opening_credits=0.0, last_refill=local(NEW_YORK, 2026, 10, 31))
        check = services.check_balance(user=member, model="gpt-4o", amount=10)
        assert not check.allowed  # not due before midnight
        assert check.refill_at == local(NEW_YORK, 2026, 11, 1)
    with time_machine.travel(local(NEW_YORK, 2026, 11, 1, 8, 0), tick=False):
        check = services.check_balance(user=member, model="gpt-4o", amount=10)
        assert check.allowed and _refills(member) == 1
        assert check.refill_at == local(NEW_YORK, 2026, 11, 2)  # after the 25-hour day
        assert services.refill_due_balances() == {"refilled": 0, "skipped": 0}  # the check took this period's


@pytest.mark.django_db
def test_the_interval_stays_librechats(member, balances_on):
    balance = _scheduled_balance(
        member,
        refill_schedule=Kind.INTERVAL,
        refill_interval_value=1,
        refill_interval_unit="months",
        last_refill=utc(2026, 1, 31, 10, 0),
    )
    # JavaScript's month overflow, as before: Jan 31 + 1 month = Mar 3 in 2026.
    assert balance.next_refill_at == utc(2026, 3, 3, 10, 0)
    assert balance.next_refill_at == pricing.refill_eligible_at(balance.last_refill, 1, "months")
    assert schedules.describe(balance) == "every month"


def test_an_interval_reads_as_words():
    assert [schedules.every(1, "days"), schedules.every(2, "hours"), schedules.every(1, "seconds")] == [
        "every day", "every 2 hours", "every second",
    ]  # fmt: skip


@pytest.mark.django_db
def test_new_balances_take_the_default_schedule_from_settings(member, balances_on, settings):
    settings.LEDGER_AUTO_REFILL_ENABLED = True
    settings.LEDGER_REFILL_AMOUNT = 500
    settings.LEDGER_REFILL_SCHEDULE = "monthly"
    settings.LEDGER_REFILL_DAY = 31
    settings.LEDGER_REFILL_TIME = "06:00"
    settings.LEDGER_REFILL_TIME_ZONE = "Europe/Berlin"
    with time_machine.travel(local(BERLIN, 2026, 4, 10, 12, 0), tick=False):
        services.check_balance(user=member, model="gpt-4o", amount=1)
    balance = Balance.objects.get(user=member)
    assert (balance.refill_schedule, balance.refill_day, balance.refill_time) == ("monthly", 31, time(6, 0))
    assert balance.next_refill_at == local(BERLIN, 2026, 4, 30, 6, 0)
    assert schedules.describe(balance) == (
        "monthly on day 31 at 06:00 (Europe/Berlin) (the month's last day when shorter)"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEDGER_REFILL_SCHEDULE", "hourly"),
        ("LEDGER_REFILL_TIME", "25:00"),
        ("LEDGER_REFILL_WEEKDAY", "someday"),
        ("LEDGER_REFILL_DAY", "32"),
        ("LEDGER_REFILL_TIME_ZONE", "Mars/Olympus"),
    ],
)
def test_a_bad_schedule_setting_names_itself(settings, name, value):
    settings.LEDGER_AUTO_REFILL_ENABLED = True
    settings.LEDGER_REFILL_SCHEDULE = "weekly" if name == "LEDGER_REFILL_WEEKDAY" else "monthly"
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        conf.auto_refill()
        conf.refill_time_zone()


def test_the_system_check_names_a_bad_schedule_setting(settings):
    from ledger.checks import check_refill_schedule

    assert check_refill_schedule() == []
    settings.LEDGER_REFILL_SCHEDULE = "fortnightly"
    assert [error.id for error in check_refill_schedule()] == ["ledger.E001"]
