"""Price coverage end to end: the chat app charges an unpriced model, the Usage page lists it with its spend
and a link to the admin's price form prefilled for it; once priced, the panel says so."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from ledger.models import PriceOverride, Transaction
from tests.chatapp.support import Api
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]


@pytest.fixture
def acme_chats(settings):
    settings.LEDGER_BALANCE_ENABLED = True
    settings.CHATAPP_FAKE_DELAY_MS = 0
    settings.CHATAPP_MODELS = ["gpt-4o", "acme-llm-1"]
    client = Client()
    client.force_login(UserFactory(username="chatter"))
    api = Api(client)
    for model in ("acme-llm-1", "acme-llm-1", "gpt-4o"):
        assert api.chat(model=model, text="hello there")[-1].data["final"] is True
    return Transaction.objects.filter(model="acme-llm-1")


def test_the_usage_page_lists_the_unpriced_model_with_its_spend(acme_chats, client, operator):
    rows = list(acme_chats)
    credits = -sum(row.token_value for row in rows)
    assert rows and all(row.rate == 6.0 and row.value_key is None for row in rows)
    client.force_login(operator)

    lines = client.get("/dashboard/usage/unpriced-models.csv").content.decode().splitlines()

    assert len(lines) == 2, "gpt-4o has a price"
    model, _endpoint, spent, _money, count, first, _last, priced = lines[1].split(",")
    assert (model, float(spent), int(count), priced) == ("acme-llm-1", round(credits, 2), len(rows), "add a price")
    assert first == min(row.created_at for row in rows).strftime("%Y-%m-%d %H:%M:%S")
    page = client.get("/dashboard/usage/").content.decode()
    assert "/admin/ledger/priceoverride/add/?pattern=acme-llm-1&amp;note=price+for+acme-llm-1" in page


def test_the_add_price_link_opens_the_prefilled_form_and_the_panel_then_says_priced(acme_chats, client, operator):
    client.force_login(operator)
    form = client.get("/admin/ledger/priceoverride/add/?pattern=acme-llm-1&note=price+for+acme-llm-1")
    assert form.context["adminform"].form.initial["pattern"] == "acme-llm-1"

    PriceOverride.objects.create(pattern="acme-llm-1", prompt=0.5, completion=1.5, effective_from=timezone.now())

    lines = client.get("/dashboard/usage/unpriced-models.csv").content.decode().splitlines()
    assert lines[1].endswith(",yes (acme-llm-1)"), "past rows stay listed, the model is priced from now on"


def test_a_user_without_transaction_permission_does_not_see_the_panel(acme_chats, client):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_modelusagehour"))
    client.force_login(viewer)
    assert client.get("/dashboard/usage/unpriced-models.csv").status_code == 403
