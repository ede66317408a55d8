"""What an API process remembers between requests: a verified key (for API_KEY_MEMORY_SECONDS) and a caller's
user with their balance settings applied (API_USER_MEMORY_SECONDS). Changes made in this process apply at
once; a key revoked by another process (a bare UPDATE here) stops when the memory expires, and a user deleted
or remapped by another process is forgotten when that process replaces the users' stamp in Redis."""

from __future__ import annotations

import logging
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chatmon.api import keys, users
from chatmon.api.models import ApiKey, ExternalUser, Scope
from ledger.models import Balance


def _key(api) -> ApiKey:
    return ApiKey.objects.get(prefix=api.secret.split(".")[0])


def test_a_key_revoked_in_this_process_stops_at_once(make_api):
    api = make_api(Scope.LEDGER_READ)
    assert api.get("balance", {"user": "u1"}).status_code == 200
    keys.revoke_key(_key(api))
    assert api.get("balance", {"user": "u1"}).status_code == 401


def test_a_key_revoked_elsewhere_stops_once_the_memory_expires(make_api, settings):
    settings.API_KEY_MEMORY_SECONDS = 0.3
    api = make_api(Scope.LEDGER_READ)
    assert api.get("balance", {"user": "u1"}).status_code == 200
    ApiKey.objects.filter(pk=_key(api).pk).update(revoked_at=timezone.now())  # as another process would
    assert api.get("balance", {"user": "u1"}).status_code == 200
    time.sleep(0.35)
    assert api.get("balance", {"user": "u1"}).status_code == 401


def test_an_expired_key_stops_even_while_remembered(make_api):
    api = make_api(Scope.LEDGER_READ, expires_at=timezone.now() + timezone.timedelta(seconds=0.3))
    assert api.get("balance", {"user": "u1"}).status_code == 200
    time.sleep(0.35)
    assert api.get("balance", {"user": "u1"}).status_code == 401


def _spend(api, message: str, user: str = "u1"):
    body = {"user": user, "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5, "message_id": message}
    response = api.post("spends", body)
    assert response.status_code == 200, response.content
    return response


def test_a_remembered_key_and_user_leave_only_the_ledgers_own_queries(make_api, balances_on):
    api = make_api(Scope.LEDGER_WRITE)
    _spend(api, "m1")
    with CaptureQueriesContext(connection) as queries:
        _spend(api, "m2")
    tables = {table for query in queries.captured_queries for table in ("apikey", "externaluser")
              if f"chatmon_api_{table}" in query["sql"]}  # fmt: skip
    assert tables == set()
    assert Balance.objects.get(user__username="librechat:u1").token_credits < 20000


@pytest.mark.parametrize("seconds", [0, 30])
def test_a_deleted_user_is_forgotten_and_comes_back_new(make_api, balances_on, settings, seconds):
    settings.API_USER_MEMORY_SECONDS = seconds
    api = make_api(Scope.LEDGER_WRITE)
    _spend(api, "m1")
    get_user_model().objects.get(username="librechat:u1").delete()
    _spend(api, "m2")
    assert Balance.objects.get(user__username="librechat:u1").token_credits < 20000


def test_a_user_named_again_after_the_memory_is_not_synced_again_under_the_same_settings(make_api, balances_on):
    api = make_api(Scope.LEDGER_WRITE)
    _spend(api, "m1")
    users.recently_resolved.clear()  # as when API_USER_MEMORY_SECONDS has passed
    with CaptureQueriesContext(connection) as queries:
        _spend(api, "m2")
    balance_reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "ledger_balance"')]
    assert balance_reads == []  # the ledger's own lock is hand-written SQL, not the ORM's read


def test_a_changed_auto_refill_reaches_a_user_named_again_after_the_memory(make_api, balances_on):
    api = make_api(Scope.LEDGER_WRITE)
    _spend(api, "m1")
    balances_on.LEDGER_AUTO_REFILL_ENABLED = True
    balances_on.LEDGER_REFILL_INTERVAL_VALUE = 7
    balances_on.LEDGER_REFILL_INTERVAL_UNIT = "days"
    balances_on.LEDGER_REFILL_AMOUNT = 500
    users.recently_resolved.clear()
    _spend(api, "m2")
    balance = Balance.objects.get(user__username="librechat:u1")
    assert (balance.auto_refill_enabled, balance.refill_interval_value, balance.refill_amount) == (True, 7, 500)


def _credits(username: str) -> float:
    return Balance.objects.get(user__username=username).token_credits


def test_a_user_remapped_by_another_process_is_forgotten_at_the_next_stamp_read(make_api, balances_on, settings):
    settings.API_USER_STAMP_SECONDS = 0
    api = make_api(Scope.LEDGER_WRITE)
    _spend(api, "m1")
    _spend(api, "m0", user="u0")  # the user u1's id will be mapped to
    before = _credits("librechat:u0")
    ExternalUser.objects.filter(external_id="u1").update(user=get_user_model().objects.get(username="librechat:u0"))
    _spend(api, "m2")  # no signal here, as in another process: this process still charges its remembered user
    assert _credits("librechat:u0") == before

    users.STAMP.publish()  # what the other process does once its change commits
    _spend(api, "m3")

    assert _credits("librechat:u0") < before


def test_deleting_a_user_replaces_the_stamp_once_committed(make_api, balances_on, django_capture_on_commit_callbacks):
    api = make_api(Scope.LEDGER_WRITE)
    _spend(api, "m1")
    stamp = users.STAMP.read()
    with django_capture_on_commit_callbacks(execute=True):
        get_user_model().objects.get(username="librechat:u1").delete()
    assert caches["default"].get(users.STAMP.key) not in (None, stamp)


def test_a_first_sighting_leaves_the_stamp_alone(make_api, balances_on, django_capture_on_commit_callbacks):
    api = make_api(Scope.LEDGER_WRITE)
    stamp = users.STAMP.read()
    with django_capture_on_commit_callbacks(execute=True):
        _spend(api, "m1")
    assert caches["default"].get(users.STAMP.key) == stamp


def test_without_the_stamp_users_are_remembered_briefly_and_the_outage_logged_once(
    make_api, balances_on, settings, caplog
):
    settings.CACHES = {**settings.CACHES, "gone": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # fmt: skip
    settings.API_CACHE_ALIAS = "gone"
    api = make_api(Scope.LEDGER_WRITE)
    with caplog.at_level(logging.WARNING, logger="chatmon.core.stamps"):
        _spend(api, "m1")
        _spend(api, "m2")
    assert users._memory_seconds() == users.UNVERIFIED_MEMORY_SECONDS < settings.API_USER_MEMORY_SECONDS
    assert caplog.text.count("API users version unreadable") == 1
    assert _credits("librechat:u1") < 20000


def test_a_bulk_delete_replaces_the_stamp_once(make_api, balances_on, django_capture_on_commit_callbacks):
    """post_delete fires per row (users and their mappings): the stamp is still replaced once per transaction.
    A savepoint rolled back takes its announcement with it, so a later deletion queues the publish again."""
    api = make_api(Scope.LEDGER_WRITE)
    for name in ("u1", "u2", "u3", "u4"):
        _spend(api, f"m-{name}", user=name)
    ours = get_user_model().objects.filter(username__startswith="librechat:u")

    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                ours.filter(username="librechat:u3").delete()
                raise RuntimeError("rolled back, with its announcement")
        except RuntimeError:
            pass
        ours.filter(username="librechat:u4").delete()
        ours.filter(username__in=["librechat:u1", "librechat:u2"]).delete()

    assert sum(callback == users.STAMP.publish for callback in callbacks) == 1
    assert list(ours.values_list("username", flat=True)) == ["librechat:u3"]
