"""The admin's price-file import (preview, then apply) and repricing views through the real HTTP stack: bad
input is a form error naming the problem, never a 500; only operators with the permissions may act."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from auditlog.models import AuditEvent
from ledger import services
from ledger.models import PriceOverride, Repricing, Transaction
from tests.factories import UserFactory
from tests.ledger.test_price_file import LITELLM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]
IMPORT = "/admin/ledger/priceoverride/import/"
REPRICE = "/admin/ledger/repricing/reprice/"


@pytest.fixture
def staff(client, operator):
    client.force_login(operator)
    return client


def upload(data: bytes, name: str = "model_prices_and_context_window.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/json")


def preview(client, data: bytes, **fields):
    start = (timezone.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    return client.post(IMPORT, {"price_file": upload(data), "effective_from": start, "only": "", **fields})


def test_it_previews_then_adds_the_prices(staff, operator):
    page = preview(staff, json.dumps(LITELLM).encode())
    assert page.status_code == 200
    plan = page.context["plan"]
    assert [row["model"] for row in page.context["rows"]] == ["acme-llm-1", "claude-sonnet-4-5"]
    acme = page.context["rows"][0]
    assert (acme["old_prompt"], acme["new_prompt"], acme["old_completion"], acme["new_completion"]) == (
        "$6.00", "$0.5000", "$6.00", "$1.50")  # fmt: skip
    assert not PriceOverride.objects.exists(), "a preview writes nothing"

    applied = staff.post(IMPORT, {"apply": "1", "token": page.context["token"]})

    assert applied.status_code == 302
    assert sorted(PriceOverride.objects.values_list("pattern", flat=True)) == ["acme-llm-1", "claude-sonnet-4-5"]
    assert {row.effective_from for row in PriceOverride.objects.all()} == {plan.effective_from}
    assert AuditEvent.objects.get(action="ledger.prices_imported").actor_id == operator.pk
    again = staff.post(IMPORT, {"apply": "1", "token": page.context["token"]}, follow=True)
    assert "That preview has expired" in again.content.decode()
    assert PriceOverride.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"m": {"input_cost_per_token": NaN}}', "NaN, which is not a number"),
        (b"[" * 50_000 + b"]" * 50_000, "nested deeper than 8 levels"),
        (b"not json", "not JSON"),
    ],
)
def test_a_hostile_upload_is_a_form_error(staff, data, message):
    page = preview(staff, data)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert "plan" not in page.context


def test_a_file_over_the_limit_is_refused_unread(staff, settings):
    settings.LEDGER_PRICE_FILE_MAX_BYTES = 100
    page = preview(staff, b" " * 200 + b"{}")
    assert "larger than 100 bytes" in page.content.decode()


def test_a_start_in_the_past_is_refused_on_apply(staff):
    past = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    page = preview(staff, json.dumps(LITELLM).encode(), effective_from=past)
    applied = staff.post(IMPORT, {"apply": "1", "token": page.context["token"]}, follow=True)
    assert "must start now or later" in applied.content.decode()
    assert not PriceOverride.objects.exists()


def test_staff_without_the_add_permission_may_not_import(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(IMPORT).status_code == 403
    assert client.get(REPRICE).status_code == 403


def test_it_previews_and_posts_a_repricing(staff, funded, operator):
    start = timezone.now() - timedelta(hours=2)
    with time_machine.travel(start + timedelta(minutes=1)):
        services.spend_tokens(user=funded, model="acme-llm-1", prompt_tokens=1000, completion_tokens=100)
    form = {"model": "acme-llm-1", "start": start.strftime("%Y-%m-%d %H:%M:%S"),
            "end": (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"), "user": "",
            "prompt": "0.5", "completion": "1.5", "cache_write": "", "cache_read": "",
            "reason": "acme contract"}  # fmt: skip

    page = staff.post(REPRICE, form)
    [row] = page.context["rows"]
    # 1000 x 6 + 100 x 6 = 6,600 charged; 1000 x 0.5 + 100 x 1.5 = 650 at the corrected prices
    assert (row["user"], row["old"], row["new"], row["correction"]) == (
        "member", "6,600.00 credits ($0.0066)", "650.00 credits ($0.0006)", "5,950.00 credits ($0.0060)")  # fmt: skip
    assert not Repricing.objects.exists()

    staff.post(REPRICE, {**form, "apply": "1"})
    staff.post(REPRICE, {**form, "apply": "1"})  # a double submit

    repricing = Repricing.objects.get()
    assert (repricing.actor_id, repricing.credits) == (operator.pk, 5950.0)
    assert Transaction.objects.get(context="repricing").token_value == 5950.0


def test_a_repricing_without_rates_needs_a_price_in_force(staff):
    start = timezone.now() - timedelta(hours=2)
    form = {"model": "acme-llm-1", "start": start.strftime("%Y-%m-%d %H:%M:%S"),
            "end": (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"), "reason": "r"}  # fmt: skip
    page = staff.post(REPRICE, form)
    assert "acme-llm-1 has no price now" in page.content.decode()
    page = staff.post(REPRICE, {**form, "prompt": "nan", "completion": "1"})
    assert page.status_code == 200 and page.context["form"].errors["prompt"]
    page = staff.post(REPRICE, {**form, "prompt": "1", "completion": "1", "user": "nobody"})
    assert page.context["form"].errors["user"] == ["No such user."]
