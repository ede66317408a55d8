"""The policies tests' cast: groups with policies, budgets, spends at chosen moments, and a fresh policy cache
(each test's rows roll back, so the per-process snapshot of an earlier test must not survive it)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from chatmon.policies import cache
from chatmon.policies.models import Budget, Policy
from ledger import services as ledger
from tests.api.conftest import make_api  # noqa: F401  (the API's key-and-client fixture)
from tests.factories import UserFactory

# gpt-4o's prompt rate is 2.5 credits per token: 1,000 prompt tokens are 2,500 credits.
GPT4O_RATE = 2.5


def forget_snapshot() -> None:
    cache._state.update(loaded_at=None, snapshot=None, version=None)
    cache.STAMP.reset()


@pytest.fixture(autouse=True)
def fresh_policy_cache(settings):
    settings.POLICIES_SPEND_CACHE_SECONDS = 0  # every check sums the rows: tests see their spends at once
    forget_snapshot()
    yield
    forget_snapshot()


def policy(name: str, *groups: Group, **fields) -> Policy:
    fields = {"start_balance": 20000, **fields}
    made = Policy.objects.create(name=name, **fields)
    made.groups.set(groups)
    return made


def budget(name: str, **fields) -> Budget:
    made = Budget(name=name, **{"scope": Budget.Scope.SERVICE, "limit": 10000, **fields})
    made.full_clean()
    made.save()
    return made


def spend(user, credits: float, model: str = "gpt-4o") -> float:
    """Charge `credits` (a multiple of 2.5) to `user` through the ledger's own spend path."""
    result = ledger.spend_tokens(user=user, model=model, prompt_tokens=credits / GPT4O_RATE, completion_tokens=0)
    return -result.prompt.token_value


@pytest.fixture
def research(db) -> Group:
    return Group.objects.create(name="research")


@pytest.fixture
def trial(db) -> Group:
    return Group.objects.create(name="trial")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")
