"""Callers name users by their own ids; the first write for an id creates an inactive user without a password."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from chatmon.api.models import ExternalUser, Scope

pytestmark = pytest.mark.django_db

OBJECT_ID = "65a1b2c3d4e5f60718293a4b"


def test_it_creates_an_inactive_user_without_a_password_on_first_sight(api, balances_on):
    assert api.post("balance/check", {"user": OBJECT_ID, "model": "gpt-4o", "amount": 1}).status_code == 200
    mapping = ExternalUser.objects.select_related("user").get(source="librechat", external_id=OBJECT_ID)
    assert mapping.user.username == f"librechat:{OBJECT_ID}"
    assert mapping.user.is_active is False
    assert mapping.user.has_usable_password() is False


def test_it_maps_the_same_id_to_the_same_user_and_other_sources_to_others(api, balances_on):
    for source in (None, None, "email", "librechat"):
        body = {"user": "ann@example.com", "model": "gpt-4o", "prompt_tokens": 1}
        assert api.post("spends", body | ({"source": source} if source else {})).status_code == 200
    mappings = ExternalUser.objects.filter(external_id="ann@example.com").order_by("source")
    assert [m.source for m in mappings] == ["email", "librechat"]
    assert mappings[0].user_id != mappings[1].user_id
    assert mappings[0].user.email == "ann@example.com"


def test_it_uses_the_source_of_the_key(make_api, balances_on):
    api = make_api(Scope.LEDGER_WRITE, source="myapp")
    assert api.post("spends", {"user": "42", "model": "gpt-4o", "prompt_tokens": 1}).status_code == 200
    assert ExternalUser.objects.get(external_id="42").source == "myapp"


def test_it_creates_nobody_on_reads(api):
    assert api.get("balance", {"user": "ghost"}).json()["balance"] == 0.0
    assert api.get("transactions", {"user": "ghost"}).json()["results"] == []
    assert api.get("bans/check", {"user": "ghost"}).json()["banned"] is False
    assert not ExternalUser.objects.exists()
    assert not get_user_model().objects.exists()


def test_it_shortens_ids_too_long_for_a_user_name(api, balances_on):
    long_id = "x" * 255
    assert api.post("spends", {"user": long_id, "model": "gpt-4o", "prompt_tokens": 1}).status_code == 200
    user = ExternalUser.objects.get(external_id=long_id).user
    assert user.username.startswith("librechat:sha256:")
    assert len(user.username) <= 150
