"""A key acts only on users of its own source: tenant-b's key is refused (403 JSON, nothing written) on every
endpoint that names tenant-a's users, with the same answer whether that user exists or not, unless the key
holds the scope `sources:any`."""

from __future__ import annotations

import pytest

from auditlog.models import AuditEvent
from chatmon.api.models import ExternalUser, IdempotentResponse, Scope
from ledger.models import Balance, Hold, Transaction
from violations.models import Ban, Violation

pytestmark = pytest.mark.django_db

OWN_SOURCE_SCOPES = [scope for scope in Scope.values if scope != Scope.SOURCES_ANY]
VICTIM = {"user": "victim", "source": "tenant-a"}
GHOST = {"user": "ghost", "source": "tenant-a"}  # never seen: the answer must not differ


@pytest.fixture
def tenant_a(make_api):
    return make_api(*OWN_SOURCE_SCOPES, source="tenant-a", rate_limit_per_minute=0)


@pytest.fixture
def tenant_b(make_api):
    return make_api(*OWN_SOURCE_SCOPES, source="tenant-b", rate_limit_per_minute=0)


@pytest.fixture
def victim_hold(tenant_a, balances_on) -> int:
    """tenant-a's user `victim` with a balance, a grant and an active hold; the hold's id."""
    assert tenant_a.post("grants", {"user": "victim", "amount": 500}).status_code == 200
    check = tenant_a.post("balance/check", {"user": "victim", "model": "gpt-4o", "amount": 1000}).json()
    assert check["allowed"] is True
    return check["hold_id"]


def rows() -> dict:
    """Everything a request for a user could write."""
    return {
        "external_users": list(ExternalUser.objects.order_by("pk").values_list("source", "external_id")),
        "balances": list(Balance.objects.order_by("pk").values_list("user_id", "token_credits", "held_credits")),
        "transactions": Transaction.objects.count(),
        "holds": list(Hold.objects.order_by("pk").values_list("pk", "status")),
        "violations": Violation.objects.count(),
        "bans": Ban.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "idempotent_responses": IdempotentResponse.objects.count(),
    }


def assert_refused(response) -> str:
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["request_id"] and "acts only on users of its source 'tenant-b'" in body["message"]
    return body["message"]


def requests_naming(who: dict) -> list:
    """(method, path, body or query) of every endpoint that names a user."""
    return [
        ("get", "balance", who),
        ("get", "transactions", who),
        ("get", "bans/check", who),
        ("post", "balance/check", {**who, "model": "gpt-4o", "amount": 10}),
        ("post", "spends", {**who, "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 10}),
        ("post", "grants", {**who, "amount": 1000}),
        ("post", "violations", {**who, "type": "logins", "score": 50}),
    ]


@pytest.mark.parametrize("index", range(7), ids=lambda i: requests_naming(VICTIM)[i][1])
def test_it_refuses_a_key_naming_another_sources_user(tenant_b, victim_hold, bans_on, index):
    before = rows()
    messages = set()
    for who in (VICTIM, GHOST):
        method, path, data = requests_naming(who)[index]
        messages.add(assert_refused(getattr(tenant_b, method)(path, data, **{"Idempotency-Key": f"k-{who['user']}"})))
    assert len(messages) == 1  # an existing user and one never seen get the same answer
    assert rows() == before


def test_it_refuses_each_batch_item_naming_another_source(tenant_b, victim_hold):
    before = rows()
    body = tenant_b.post("spends/batch", {"items": [{**VICTIM, "model": "gpt-4o", "prompt_tokens": 10}]}).json()
    assert body["failed"] == 1 and body["results"][0]["status"] == 403
    events = tenant_b.post("events/audit", {"events": [{"action": "auth.login", **VICTIM}]}).json()
    assert events["failed"] == 1 and events["results"][0]["status"] == 403
    assert rows() == before


def test_it_refuses_to_release_another_sources_hold(tenant_b, victim_hold):
    before = rows()
    assert_refused(tenant_b.post(f"holds/{victim_hold}/release"))
    assert Hold.objects.get(pk=victim_hold).status == Hold.Status.ACTIVE
    assert rows() == before
    assert tenant_b.post(f"holds/{victim_hold + 1000}/release").status_code == 404  # no such hold


def test_it_lets_the_key_of_the_users_source_act(tenant_a, victim_hold):
    assert tenant_a.get("balance", {"user": "victim"}).json()["held_credits"] == 2500
    assert tenant_a.post(f"holds/{victim_hold}/release").json() == {"released": True}


def test_it_lets_a_key_name_its_own_source_explicitly(tenant_b, balances_on):
    assert tenant_b.post("grants", {"user": "u1", "source": "tenant-b", "amount": 5}).status_code == 200
    assert ExternalUser.objects.get().source == "tenant-b"


def test_it_lets_a_key_with_sources_any_act_on_any_source(make_api, victim_hold, bans_on):
    operator_key = make_api(*Scope.values, source="tenant-b", rate_limit_per_minute=0)
    assert operator_key.post(f"holds/{victim_hold}/release").json() == {"released": True}
    for method, path, data in requests_naming(VICTIM):
        assert getattr(operator_key, method)(path, data).status_code == 200, path
    assert operator_key.get("transactions", VICTIM).json()["results"]
    assert not ExternalUser.objects.filter(source="tenant-b").exists()
    assert ExternalUser.objects.filter(source="tenant-a").count() == 1


def test_it_refuses_a_cursor_for_another_sources_user(tenant_a, tenant_b, victim_hold):
    # A cursor holds only a position: the pages stay those of the user named, whom the key must be allowed.
    tenant_a.post("grants", {"user": "victim", "amount": 1})
    page = tenant_a.get("transactions", {"user": "victim", "page_size": 1}).json()
    cursor = page["next"].split("cursor=")[1].split("&")[0]
    assert_refused(tenant_b.get("transactions", {**VICTIM, "page_size": 1, "cursor": cursor}))
    assert tenant_b.get("transactions", {"user": "victim", "page_size": 1, "cursor": cursor}).json()["results"] == []
