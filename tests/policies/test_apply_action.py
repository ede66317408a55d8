"""Applying a changed policy to existing members is an explicit admin action: a preview says how many balances
change and by how much (credits and money); apply changes exactly that, audited; a stale preview applies nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from auditlog.models import AuditEvent
from chatmon.policies.models import Policy
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.models import Transaction
from tests.factories import UserFactory
from tests.policies.conftest import policy

pytestmark = pytest.mark.django_db
URL = "/admin/chatmon_policies/policy/"


@pytest.fixture
def members(trial, balances_on):
    """Three trial members whose balances exist: 20,000, 300 and 0 credits; one non-member."""
    users = [UserFactory(username=name) for name in ("m1", "m2", "m3")]
    for user in users:
        user.groups.add(trial)
        ledger.sync_balance_settings(user=user)  # 20,000 each (no policy yet)
    ledger.grant_credits(user=users[1], amount=-19700)
    ledger.grant_credits(user=users[2], amount=-20000)
    UserFactory(username="outsider")
    return users


def preview(client: Client, pk: int):
    return client.post(URL, {"action": "apply_to_members", "_selected_action": [pk]})


def test_the_preview_counts_the_changes_and_changes_nothing(operator, members, trial):
    trial_policy = policy("Trial", trial, start_balance=1000, auto_refill=True, refill_amount=500,
                          refill_interval_value=1, refill_interval_unit="days")  # fmt: skip
    client = Client()
    client.force_login(operator)
    before = Transaction.objects.count()

    response = preview(client, trial_policy.pk)

    page = response.content.decode()
    assert response.status_code == 200
    assert "3 members under this policy" in page and "3 balances change" in page
    # m2 gets 700, m3 1,000: 1,700 credits ($0.0017)
    assert "2 brought up to the start balance (1,700.00 credits ($0.0017) in all)" in page
    assert "3 given the policy's auto-refill rule" in page
    assert "500.00 credits ($0.0005) every day" in page and "every 1 days" not in page
    assert Transaction.objects.count() == before
    assert not ledger_selectors.balances_of([members[0].pk])[members[0].pk].auto_refill_enabled


def test_apply_changes_what_the_preview_showed_and_audits_it(operator, members, trial):
    trial_policy = policy("Trial", trial, start_balance=1000, auto_refill=True, refill_amount=500,
                          refill_interval_value=1, refill_interval_unit="days")  # fmt: skip
    client = Client()
    client.force_login(operator)
    fingerprint = preview(client, trial_policy.pk).context["preview"].fingerprint

    response = client.post(URL, {"action": "apply_to_members", "_selected_action": [trial_policy.pk],
                                 "apply": "1", "fingerprint": fingerprint}, follow=True)  # fmt: skip

    assert "Applied Trial: 3 balance(s) changed" in response.content.decode()
    balances = ledger_selectors.balances_of([user.pk for user in members])
    assert [balances[user.pk].token_credits for user in members] == [20000, 1000, 1000]
    assert all(balances[user.pk].auto_refill_enabled and balances[user.pk].refill_amount == 500 for user in members)
    grants = Transaction.objects.filter(reason="policy Trial applied", actor=operator)
    assert sorted(grants.values_list("token_value", flat=True)) == [700, 1000]
    event = AuditEvent.objects.get(action="policies.applied")
    assert event.metadata["balances"] == 3 and event.metadata["top_up_credits"] == 1700
    assert AuditEvent.objects.filter(action="ledger.credits_granted").count() >= 2


def test_a_preview_gone_stale_applies_nothing(operator, members, trial):
    trial_policy = policy("Trial", trial, start_balance=1000)
    client = Client()
    client.force_login(operator)
    fingerprint = preview(client, trial_policy.pk).context["preview"].fingerprint
    ledger.grant_credits(user=members[2], amount=900)  # the balance moved after the preview

    response = client.post(URL, {"action": "apply_to_members", "_selected_action": [trial_policy.pk],
                                 "apply": "1", "fingerprint": fingerprint})  # fmt: skip

    assert "Balances changed since the preview" in response.content.decode()
    assert not Transaction.objects.filter(reason="policy Trial applied").exists()
    assert not AuditEvent.objects.filter(action="policies.applied").exists()


def test_applying_needs_the_balance_permission_too(members, trial):
    trial_policy = policy("Trial", trial, start_balance=1000)
    staff = UserFactory(username="policy-editor", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_policy", "change_policy"]))
    client = Client()
    client.force_login(staff)

    response = client.post(URL, {"action": "apply_to_members", "_selected_action": [trial_policy.pk]})

    assert "apply-summary" not in response.content.decode()
    assert not Transaction.objects.filter(reason="policy Trial applied").exists()


def test_every_policy_edit_is_audited(operator, trial):
    client = Client()
    client.force_login(operator)
    form = {"name": "Trial", "groups": [trial.pk], "priority": 0, "start_balance": 500,
            "refill_amount": 0, "refill_interval_value": 30, "refill_interval_unit": "days",
            "budget_cap_period": "month", "rate_limits": "{}", "allowed_models": '["gpt-4o-mini"]'}  # fmt: skip
    assert client.post(URL + "add/", form).status_code == 302
    assert AuditEvent.objects.filter(action="policies.created", actor=operator).exists()
    assert AuditEvent.objects.get(action="policies.grouped").metadata == {"change": "add", "groups": [trial.pk]}

    trial_policy = Policy.objects.get(name="Trial")
    assert client.post(f"{URL}{trial_policy.pk}/change/", {**form, "start_balance": 900}).status_code == 302

    updated = AuditEvent.objects.get(action="policies.updated")
    assert updated.actor == operator and "start_balance" in updated.metadata["changes"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate_limits", '{"login": {"max": 5}}', "is not a per-user limiter"),
        ("rate_limits", '{"message_user": {"max": 1e400}}', "must be a number"),
        ("rate_limits", '{"message_user": {"max": 0}}', "whole number from 1"),
        ("rate_limits", '{"message_user": {"max": 5, "extra": 1}}', "nothing else"),
        ("rate_limits", "[1, 2]", "are an object"),
        ("allowed_models", '[{"nested": ["deep"]}]', "non-empty name or pattern"),
        ("allowed_models", '"gpt-4o"', "list of at most"),
        ("start_balance", "nan", "Enter a number"),
        ("start_balance", "1e300", "less than or equal"),
        ("start_balance", "-5", "greater than or equal"),
    ],
)
def test_the_admin_refuses_hostile_input_with_a_reason(operator, trial, field, value, message):
    client = Client()
    client.force_login(operator)
    form = {"name": "Trial", "priority": 0, "start_balance": 500, "refill_amount": 0, "refill_interval_value": 30,
            "refill_interval_unit": "days", "budget_cap_period": "month", "rate_limits": "{}",
            "allowed_models": "[]", field: value}  # fmt: skip

    response = client.post(URL + "add/", form)

    assert response.status_code == 200 and message in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scope": "group"}, "A group budget needs this."),
        ({"scope": "service", "source": "librechat"}, "A service budget leaves this empty."),
        ({"scope": "service", "limit": "inf"}, "Enter a number"),
        ({"scope": "service", "notice_levels": "[50, 1e999]"}, "Each notice level is a number."),
        ({"scope": "service", "notice_levels": "[[50]]"}, "Each notice level is a number."),
    ],
)
def test_the_budget_admin_refuses_a_budget_that_does_not_say_whose_spend_it_limits(operator, fields, message):
    client = Client()
    client.force_login(operator)
    form = {"name": "b", "limit": 1000, "period": "month", "notice_levels": "[]", "source": "", "model": "",
            **fields}  # fmt: skip

    response = client.post("/admin/chatmon_policies/budget/add/", form)

    assert response.status_code == 200 and message in response.content.decode()
