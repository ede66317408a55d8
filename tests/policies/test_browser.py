"""In Chromium, at 1440 and 390 px: the admin's budget list with each budget's use, the policy form, the policy
action's preview and apply, the Budgets and forecast panels on Usage, and User 360's policy line; no page
scrolls sideways."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group

from auditlog.models import AuditEvent
from chatmon.policies.models import Budget
from ledger import services as ledger
from tests.dashboards.test_browser import sign_in
from tests.dashboards.test_browser_widths import OVERFLOW
from tests.factories import UserFactory
from tests.policies.conftest import budget, policy, spend

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SHOTS = Path("/tmp/shots/policies")
WIDTHS = {"wide": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def research_world(balances_on, settings):
    """A research group with a policy, a member with a balance below its start, a service and a group budget,
    and three days of spends (so the forecast has a basis)."""
    settings.POLICIES_TIME_ZONE = "UTC"
    research = Group.objects.create(name="research")
    alice = UserFactory(username="alice")
    alice.groups.add(research)
    policy("Research", research, start_balance=50000, auto_refill=True, refill_amount=10000,
           refill_interval_value=1, refill_interval_unit="days")  # fmt: skip
    ledger.grant_credits(user=alice, amount=1000)  # a balance from before the policy: 1,000 credits
    now = dt.datetime.now(dt.UTC)
    for days_ago in (3, 2, 1):
        with time_machine.travel(now - dt.timedelta(days=days_ago), tick=False):
            spend(alice, 250)
    budget("Service, monthly", limit=10**6)
    budget("Research, monthly", scope=Budget.Scope.GROUP, group=research, limit=1000, hard_stop=True)
    return alice


def shoot(page, output_dir, name: str) -> None:
    path = output_dir / f"policies-{name}.png"
    page.screenshot(path=path, full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


@pytest.mark.parametrize("width", WIDTHS)
def test_budgets_show_their_use_in_the_admin_and_on_usage(page, operator, research_world, output_dir, width):
    page.set_viewport_size(WIDTHS[width])
    sign_in(page)

    page.goto("/admin/chatmon_policies/budget/")
    rows = page.inner_text("#result_list")
    assert "Research, monthly" in rows and "group research" in rows
    today = dt.datetime.now(dt.UTC)
    this_month = sum(250 for days_ago in (3, 2, 1) if (today - dt.timedelta(days=days_ago)).month == today.month)
    assert f"{this_month / 10:.1f}\u00a0%" in rows  # of 1,000 credits
    assert page.evaluate(OVERFLOW) <= 0 or width == "phone"  # the admin's own list scrolls inside its box
    shoot(page, output_dir, f"{width}-admin-budgets")

    page.goto("/dashboard/usage/?range=24h")
    panel = page.inner_text("#panel-budgets")
    assert "Research, monthly" in panel and "hard stop" in panel
    forecast = page.inner_text("#panel-forecast")
    assert "Basis: mean per day since the first ledger row" in forecast
    assert page.evaluate(OVERFLOW) <= 0
    page.locator("#panel-forecast").screenshot(path=output_dir / f"policies-{width}-forecast.png")
    shutil.copy(output_dir / f"policies-{width}-forecast.png", SHOTS)
    page.locator("#panel-budgets").screenshot(path=output_dir / f"policies-{width}-budgets-panel.png")
    shutil.copy(output_dir / f"policies-{width}-budgets-panel.png", SHOTS)
    page.click("#panel-budgets a:text('Research, monthly')")
    assert page.url.endswith(
        f"/admin/chatmon_policies/budget/{Budget.objects.get(name='Research, monthly').pk}/change/"
    )
    shoot(page, output_dir, f"{width}-budget-change")

    page.goto(f"/dashboard/users/{research_world.pk}/")
    assert "Research, via group research" in page.inner_text("#panel-policy")
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, output_dir, f"{width}-user-360-policy")


def test_an_operator_previews_then_applies_a_policy(page, operator, research_world, output_dir):
    page.set_viewport_size(WIDTHS["wide"])
    sign_in(page)
    page.goto("/admin/chatmon_policies/policy/")
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "apply_to_members")
    page.click("button[name=index]")

    summary = page.inner_text("#apply-summary")
    assert "1 balance change" in summary and "1 brought up to the start balance" in summary
    assert "49,750.00 credits ($0.0498)" in summary  # 50,000 - 250 left
    shoot(page, output_dir, "wide-apply-preview")
    page.click("input[name=apply]")

    page.wait_for_selector(".messagelist")
    assert "Applied Research: 1 balance(s) changed" in page.inner_text(".messagelist")
    research_world.ledger_balance.refresh_from_db()
    assert research_world.ledger_balance.token_credits == 50000
    shoot(page, output_dir, "wide-applied")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_operator_edits_a_policy_and_the_next_preview_uses_it(page, operator, research_world, output_dir, width):
    """The policy form at both widths: a bad rate limit is refused with its reason; a new start balance is saved,
    audited, and is what the apply preview offers at once (no restart)."""
    page.set_viewport_size(WIDTHS[width])
    sign_in(page)
    page.goto("/admin/chatmon_policies/policy/")
    page.click("#result_list a:text('Research')")

    page.fill("#id_rate_limits", '{"login": {"max": 5}}')
    page.click("input[name=_continue]")
    # The field's error comes after the page's banner: read once it is there (CI once read a page half-drawn).
    page.wait_for_selector("#content-main .errorlist li")
    assert "is not a per-user limiter" in page.inner_text("#content-main")
    page.fill("#id_rate_limits", '{"message_user": {"max": 60, "window_seconds": 60}}')
    page.fill("#id_start_balance", "80000")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, output_dir, f"{width}-policy-saved")

    updated = AuditEvent.objects.filter(action="policies.updated", actor=operator).latest("pk")
    assert {"start_balance", "rate_limits"} <= set(updated.metadata["changes"])
    page.goto("/admin/chatmon_policies/policy/")
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "apply_to_members")
    page.click("button[name=index]")
    assert "79,750.00 credits ($0.0798)" in page.inner_text("#apply-summary")  # 80,000 - 250 left
