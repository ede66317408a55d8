"""The admin and User 360 as an operator meets them: amounts in credits and money, rates rounded, times to the
second, "Last run" filled from job runs, no Delete on a ban, "View site" to the dashboards, chatmon's header and
favicon, readable HTML errors for a browser (JSON for API clients), large grants confirmed, the grant kept in
the balance history, and no misleading balance when balances are off."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from chatmon.core.models import JobRun
from ledger import money
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.models import Balance, Transaction
from tests.dashboards.conftest import run_rollup_jobs
from tests.factories import UserFactory
from violations import services as violations
from violations.models import Violation

pytestmark = pytest.mark.django_db
BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SECONDS = re.compile(r"\d{4}-\d\d-\d\d(?: |<br>)\d\d:\d\d:\d\d")


@pytest.fixture
def spender(db, balances_on):
    user = UserFactory(username="spender")
    ledger.spend_tokens(user=user, model="gpt-4o", prompt_tokens=1300, completion_tokens=7)
    return user


def test_the_transaction_list_shows_amounts_rates_and_seconds(staff_client, spender):
    body = staff_client.get("/admin/ledger/transaction/").content.decode()
    row = Transaction.objects.filter(user=spender, token_type="prompt").get()

    assert money.format_credits(row.token_value) in body and money.format_money(row.token_value) in body
    assert money.format_credits(row.balance_after) in body
    assert SECONDS.search(body[body.index('class="field-time"') :]), "times to the second"
    headings = re.findall(r'<div class="text"><a href="[^"]*">([^<]+)</a></div>', body)
    assert {"Value", "Balance after", "Written off", "Rate", "Time"} <= set(headings), headings
    assert "Value key" not in headings, "a filter, not a column: the list fits 1440 px"


def test_rates_are_rounded(staff_client, spender):
    Transaction.objects.filter(user=spender).update(rate=2.434615384615)
    body = staff_client.get("/admin/ledger/transaction/").content.decode()

    assert ">2.435<" in body and "2.4346153" not in body


def test_the_balance_list_shows_credits_and_money(staff_client, spender):
    ledger.grant_credits(user=spender, amount=1_000_000_000, reason="test")
    body = staff_client.get("/admin/ledger/balance/").content.decode()
    credits = ledger_selectors.balance_of(spender)

    assert money.format_credits(credits) in body and money.format_money(credits) in body
    balance = Balance.objects.get(user=spender)
    title = staff_client.get(f"/admin/ledger/balance/{balance.pk}/change/").content.decode()
    assert f"spender: {money.format_amount(credits)}" in title, "by name, in the one money format (not '6: 6000')"


def test_periodic_tasks_show_the_last_job_run(staff_client):
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="chatmon.roll_up_usage", task="chatmon.roll_up_usage", interval=every)
    PeriodicTask.objects.create(name="never", task="chatmon.never_ran", interval=every)
    started = timezone.now() - timedelta(minutes=3)
    JobRun.objects.create(task="chatmon.roll_up_usage", started_at=started, status=JobRun.Status.SUCCESS)
    body = staff_client.get("/admin/django_celery_beat/periodictask/").content.decode()

    ran = body[body.index(">chatmon.roll_up_usage<") :]
    assert timezone.localtime(started).strftime("%Y-%m-%d %H:%M:%S") in ran[: ran.index("</tr>")]
    never = body[body.index(">never<") :]
    assert '<td class="field-last_run">-</td>' in never[: never.index("</tr>")]


def test_a_ban_offers_no_delete(staff_client):
    user = UserFactory()
    ban = violations.ban(user=user, duration_ms=60_000, reason="test")
    page = staff_client.get(f"/admin/violations/ban/{ban.pk}/change/").content.decode()

    assert "deletelink" not in page
    assert staff_client.get(f"/admin/violations/ban/{ban.pk}/delete/").status_code == 403
    listing = staff_client.get("/admin/violations/ban/").content.decode()
    assert 'value="delete_selected"' not in listing
    assert f">{user.username}<" in listing and f"user {user.pk} " not in listing
    assert str(ban).startswith(f"ban of {user.username} until "), "the admin and the audit log name the user"
    violations.log_violation(type="logins", user=user, score=1)
    assert str(Violation.objects.get(user=user)).startswith(f"logins by {user.username} (+1")


def test_the_admin_has_chatmons_header_favicon_and_view_site(staff_client):
    body = staff_client.get("/admin/").content.decode()

    assert re.search(r'<a href="/dashboard/">View site</a>', body)
    assert 'rel="icon"' in body and "chatmon/favicon.svg" in body
    assert "Django administration" not in body and "chatmon" in body[body.index('id="site-name"') :][:400]
    assert finders.find("chatmon/favicon.svg"), "shipped as a static file of the dashboards app"


def test_a_bad_range_is_an_html_page_for_a_browser_and_json_for_an_api_client(staff_client):
    page = staff_client.get("/dashboard/usage/?range=<script>", **BROWSER)
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    body = page.content.decode()
    assert "range must be one of" in body and "&#x27;&lt;script&gt;&#x27;" in body, "the bad value, escaped"
    assert 'id="error-message"' in body

    api = staff_client.get("/dashboard/usage/?range=2y", HTTP_ACCEPT="application/json")
    assert api.status_code == 400 and api.json()["error"] == "invalid_request"
    assert staff_client.get("/dashboard/usage/nothing.csv", **BROWSER).status_code == 404


def test_a_very_large_grant_needs_confirmation(staff_client, balances_on):
    user = UserFactory()
    before = ledger_selectors.balance_of(user)
    page = staff_client.post(f"/dashboard/users/{user.pk}/grant", {"amount": "1e12", "reason": "oops"}, **BROWSER)

    assert page.status_code == 400
    body = page.content.decode()
    assert "1,000,000,000,000.00 credits ($1,000,000.00) is a large amount" in body
    assert 'name="confirm"' in body
    assert ledger_selectors.balance_of(user) == before, "nothing granted"

    done = staff_client.post(
        f"/dashboard/users/{user.pk}/grant", {"amount": "1e12", "reason": "really", "confirm": "on"}, **BROWSER
    )
    assert done.status_code == 302
    assert ledger_selectors.balance_of(user) == pytest.approx(before + 1e12)


def test_a_small_grant_needs_no_confirmation_and_the_inputs_are_labelled(staff_client, balances_on):
    user = UserFactory()
    body = staff_client.get(f"/dashboard/users/{user.pk}/").content.decode()
    for field in ("amount", "reason"):
        assert f'<label for="grant_{field}">' in body and f'id="grant_{field}"' in body
    assert 'name="confirm"' not in body
    assert staff_client.post(f"/dashboard/users/{user.pk}/grant", {"amount": "5000", "reason": "ok"}).status_code == 302


def test_the_balance_history_keeps_the_grant_after_many_spends(staff_client, balances_on):
    user = UserFactory()
    grant = ledger.grant_credits(user=user, amount=5_000_000, reason="top-up")
    for _ in range(30):  # 60 rows: the grant is no longer among the latest 50
        ledger.spend_tokens(user=user, model="gpt-4o-mini", prompt_tokens=10, completion_tokens=10)
    body = staff_client.get(f"/dashboard/users/{user.pk}/").content.decode()
    history = body[body.index('id="panel-balance"') : body.index("</section>", body.index('id="panel-balance"'))]

    assert grant.created_at.strftime("%Y-%m-%d %H:%M:%S") in history
    assert money.format_credits(grant.balance_after) in history


def test_user_360_with_balances_off_shows_spend_not_a_balance(staff_client, settings):
    settings.LEDGER_BALANCE_ENABLED = False
    user = UserFactory()
    ledger.spend_tokens(user=user, model="gpt-4o", prompt_tokens=30_000, completion_tokens=1000)
    run_rollup_jobs()
    body = staff_client.get(f"/dashboard/users/{user.pk}/").content.decode()
    spent = -sum(Transaction.objects.filter(user=user).values_list("token_value", flat=True))

    assert 'id="balance"' not in body and 'id="balance-off"' in body
    assert money.format_amount(spent) in body[body.index('id="spent-recent"') :][:200]


def test_user_360_with_balances_on_shows_the_balance_in_money(staff_client, spender):
    body = staff_client.get(f"/dashboard/users/{spender.pk}/").content.decode()
    credits = ledger_selectors.balance_of(spender)

    assert f'id="balance" data-credits="{credits!r}">{money.format_credits(credits)}<' in body
    assert money.format_money(credits) in body
