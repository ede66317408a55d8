"""A user deleted by another process while this one still remembers them (the news arrives within
API_USER_STAMP_SECONDS): a spend for their id is charged to the user the id names now, never a server error.
Runs without the test's wrapping transaction: the deleted user's foreign key fails at COMMIT, as in
production."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from chatmon.api import users
from chatmon.api.models import Scope
from ledger import services
from ledger.models import Balance, Transaction

pytestmark = pytest.mark.django_db(transaction=True)
KEY = ("librechat", "u1")
START = 20000


def body(message: str, user: str = "u1") -> dict:
    return {"user": user, "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5, "message_id": message}


def deleted_elsewhere():
    """u1 deleted, while this process still remembers them: as if another process deleted them a moment ago."""
    stale = users.recently_resolved.get(KEY)
    assert stale is not None
    get_user_model().objects.filter(pk=stale.pk).delete()  # forgets here at once, announces to the others
    users._memory["stamp"] = users.STAMP.read()  # ... whose news this process has not read yet
    users.recently_resolved.put(KEY, stale)
    return stale


@pytest.fixture
def api(make_api, balances_on):
    api = make_api(Scope.LEDGER_WRITE)
    assert api.post("spends", body("before")).status_code == 200  # u1 seen, remembered
    return api


def test_a_spend_for_a_user_deleted_elsewhere_charges_the_user_their_id_names_now(api):
    stale = deleted_elsewhere()
    answer = api.post("spends", body("after"))
    assert answer.status_code == 200, answer.content
    assert answer.json()["balance"] == START - 25 - 50  # a new user's start balance, charged once
    (row,) = Transaction.objects.filter(message_id="after", token_type="prompt")
    assert row.user_id != stale.pk
    assert users.recently_resolved.get(KEY).pk == row.user_id


def test_a_batch_fails_only_that_users_items_and_the_next_request_finds_the_new_user(api):
    deleted_elsewhere()
    answer = api.post("spends/batch", {"items": [body("a"), body("b", user="u2")]})
    assert answer.status_code == 200, answer.content
    first, second = answer.json()["results"]
    assert (first["ok"], first["status"], second["ok"]) == (False, 422, True)
    assert "no longer exists" in first["message"]
    assert not Transaction.objects.filter(message_id="a").exists()
    again = api.post("spends/batch", {"items": [body("a")]})
    assert again.json()["results"][0]["ok"], again.content


def test_the_ledger_says_when_a_users_rows_fail_because_the_user_is_gone(member, balances_on):
    gone = get_user_model().objects.get(pk=member.pk)
    get_user_model().objects.filter(pk=member.pk).delete()
    with pytest.raises(services.UserGone, match="no longer exists"):
        services.spend_tokens(user=gone, model="gpt-4o", prompt_tokens=10)
    assert not Transaction.objects.exists()


def test_a_call_spend_for_a_user_deleted_elsewhere_charges_the_user_their_id_names_now(api):
    stale = deleted_elsewhere()
    searches = {"kind": "web_search", "name": "openai", "quantity": 3}
    answer = api.post("spends/calls", {"user": "u1", "items": [searches], "message_id": "calls"})
    assert answer.status_code == 200, answer.content
    (row,) = Transaction.objects.filter(message_id="calls")
    assert row.user_id != stale.pk and answer.json()["rows"][0]["id"] == row.pk


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("balance/check", {"user": "u1", "model": "gpt-4o", "amount": 100}),
        ("grants", {"user": "u1", "amount": 500, "reason": "goodwill"}),
    ],
)
def test_a_check_or_a_grant_for_a_user_deleted_elsewhere_acts_for_the_user_their_id_names_now(
    make_api, api, path, payload
):
    stale = deleted_elsewhere()
    answer = make_api(Scope.LEDGER_WRITE, Scope.LEDGER_GRANT).post(path, payload)
    assert answer.status_code == 200, answer.content
    assert users.recently_resolved.get(KEY).pk != stale.pk
    assert Balance.objects.filter(user=users.recently_resolved.get(KEY)).exists()


def test_an_idempotent_spend_for_a_user_deleted_elsewhere_charges_the_user_their_id_names_now(api):
    # With an Idempotency-Key the spend runs inside the replay store's transaction, where the deleted user's
    # foreign key would fail only at its COMMIT, past the ledger.
    stale = deleted_elsewhere()
    answer = api.post("spends", body("keyed"), **{"Idempotency-Key": "k-1"})
    assert answer.status_code == 200, answer.content
    (row,) = Transaction.objects.filter(message_id="keyed", token_type="prompt")
    assert row.user_id != stale.pk
    assert api.post("spends", body("keyed"), **{"Idempotency-Key": "k-1"}).content == answer.content


def test_a_call_spend_batch_for_a_user_deleted_elsewhere_charges_the_user_their_id_names_now(api):
    stale = deleted_elsewhere()
    searches = {"kind": "web_search", "name": "openai", "quantity": 3}
    answer = api.post("spends/calls/batch", {"items": [{"user": "u1", "items": [searches], "message_id": "cb"}]})
    assert answer.status_code == 200, answer.content
    assert answer.json()["results"][0]["ok"], answer.content
    (row,) = Transaction.objects.filter(message_id="cb")
    assert row.user_id != stale.pk
