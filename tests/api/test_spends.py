"""Plain and structured spends, single and batch; a message is charged once; batch items fail alone."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ledger.models import Transaction

pytestmark = pytest.mark.django_db


def test_it_charges_a_plain_spend(api, balances_on):
    body = api.post(
        "spends",
        {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100, "completion_tokens": 50, "conversation_id": "c1"},
    ).json()
    assert body["prompt"]["token_value"] == -250 and body["prompt"]["rate"] == 2.5
    assert body["completion"]["token_value"] == -500 and body["completion"]["conversation_id"] == "c1"
    assert body["balance"] == 20000 - 750


def test_it_charges_a_structured_spend(api, balances_on):
    body = api.post(
        "spends",
        {"user": "u1", "model": "claude-3-5-sonnet", "prompt_tokens": {"input": 10, "write": 5, "read": 100}},
    ).json()
    prompt = body["prompt"]
    assert (prompt["input_tokens"], prompt["write_tokens"], prompt["read_tokens"]) == (-10, -5, -100)
    assert body["completion"] is None
    assert Transaction.objects.get().raw_amount == -115


def test_it_charges_a_message_once(api, balances_on):
    spend = {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100, "completion_tokens": 50, "message_id": "m1"}
    first = api.post("spends", spend).json()
    again = api.post("spends", spend).json()
    assert again["prompt"]["id"] == first["prompt"]["id"]
    assert Transaction.objects.count() == 2
    assert again["balance"] == first["balance"] == 20000 - 750


def test_it_reports_batch_items_one_by_one(api, balances_on):
    items = [
        {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100},
        {"model": "gpt-4o", "prompt_tokens": 1},
        {"user": "u1", "model": "gpt-4o", "prompt_tokens": {"input": "lots"}},
        "not an object",
        {"user": "u2", "model": "gpt-4o", "completion_tokens": 10},
    ]
    body = api.post("spends/batch", {"items": items}).json()
    assert (body["succeeded"], body["failed"]) == (2, 3)
    results = body["results"]
    assert [r["ok"] for r in results] == [True, False, False, False, True]
    assert results[1]["status"] == 400
    assert results[1]["errors"] == [{"field": "user", "message": "This field is required."}]
    assert results[2]["errors"][0]["field"] == "prompt_tokens.input"
    assert results[3]["status"] == 400
    assert Transaction.objects.count() == 2


def test_it_refuses_an_empty_or_oversized_batch(api, settings):
    settings.API_MAX_BATCH_ITEMS = 2
    assert api.post("spends/batch", {"items": []}).status_code == 400
    item = {"user": "u1", "model": "gpt-4o", "prompt_tokens": 1}
    response = api.post("spends/batch", {"items": [item] * 3})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "items", "message": "At most 2 items per request."}]


def test_it_refuses_counts_beyond_the_ledgers_limits_naming_the_field(api):
    response = api.post("spends", {"user": "u1", "model": "gpt-4o", "completion_tokens": 1e13})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "completion_tokens"
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("balances", [True, False])
def test_the_fast_spend_answer_is_the_serializers_answer(settings, balances, zone):
    """row_payload and spend_payload skip DRF's machinery; they must say exactly what the documented
    serializers say (the OpenAPI schema describes those)."""
    from chatmon.api.serializers import ledger as s
    from ledger import services
    from tests.factories import UserFactory

    settings.LEDGER_BALANCE_ENABLED = balances
    result = services.spend_structured_tokens(
        user=UserFactory(), model="claude-3-5-sonnet", prompt_tokens={"input": 10, "write": 5, "read": 100},
        completion_tokens=7, conversation_id="c1", message_id="m1",
    )  # fmt: skip
    partial = services.spend_tokens(user=UserFactory(), model="gpt-4o", completion_tokens=3)
    with timezone.override(zone):  # DRF shows moments in the current time zone (+05:30 here), as must we
        for spent in (result, partial):
            assert s.spend_payload(spent, s.current_zone()) == s.SpendResultSerializer(spent).data


_TEXTS = st.one_of(
    st.sampled_from(["u1", "gpt-4o", " padded", "tab\tinside", "", "x" * 101, "x" * 256, "nul\x00", "é", "\ud800"]),
    st.text(max_size=8),
)
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**12), max_value=10**12), st.floats(), _TEXTS,
    st.lists(st.integers(), max_size=2), st.dictionaries(st.sampled_from(["input", "write", "read"]), st.integers()),
)  # fmt: skip
_KEYS = st.sampled_from(
    ["user", "model", "endpoint", "conversation_id", "message_id", "context", "prompt_tokens", "completion_tokens",
     "source", "endpoint_token_config", "other"]
)  # fmt: skip
_PLAIN = {"user": "u1", "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5, "message_id": "m1"}


_TEXT_KEYS = ["user", "model", "endpoint", "conversation_id", "message_id", "context", "source"]
_COUNTS = st.one_of(
    st.integers(min_value=-(10**10), max_value=10**10),
    st.floats(),
    st.booleans(),
    st.sampled_from([1e9, -1e9, 1e9 + 1]),
)


@st.composite
def _spend_bodies(draw):
    """A plain spend with a few keys removed, replaced or added: mostly near the quick path's edges."""
    body = dict(_PLAIN)
    for key in draw(st.lists(_KEYS, max_size=3)):
        if draw(st.integers(0, 3)) == 0:
            body.pop(key, None)
            continue
        likely = _TEXTS if key in _TEXT_KEYS else _COUNTS
        body[key] = draw(st.one_of(likely, likely, likely, _VALUES))
    return body


def _same_as_the_serializer(body) -> None:
    from rest_framework.exceptions import ValidationError

    from chatmon.api.serializers import ledger as s

    quick = s.quick_spend(body)
    if quick is None:
        return
    try:
        assert quick == dict(s.SpendSerializer().run_validation(body))
    except ValidationError as error:
        raise AssertionError(f"quick_spend accepted {body!r}, which the serializer refuses: {error.detail}") from None


@given(body=st.one_of(_spend_bodies(), _VALUES))
@hypothesis_settings(max_examples=800, deadline=None)
def test_the_quick_spend_validation_accepts_only_what_the_serializer_accepts_the_same(body):
    """quick_spend skips SpendSerializer for the common shape of a spend: whatever it accepts, the serializer
    accepts too and validates to the same data; the rest (valid or not) it leaves to the serializer."""
    _same_as_the_serializer(body)


_EDGES = [
    *[(key, text) for key in _TEXT_KEYS for text in ["", " a", "a ", "a\x00b", "a\tb", "\ud800", "é", None, 7]],
    *[(key, "x" * size) for key, size in [("user", 255), ("user", 256), ("model", 256), ("context", 101),
                                          ("endpoint", 101), ("message_id", 256), ("conversation_id", 256)]],
    *[(key, count) for key in ("prompt_tokens", "completion_tokens")
      for count in [1e9, 1e9 + 1, -1e9, -1e9 - 1, 10**10, float("nan"), float("inf"), True, "5", None, [], {}]],
    ("user", None), ("model", None), ("other", 1), ("endpoint_token_config", None),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value"), _EDGES)
@pytest.mark.parametrize("drop", [None, "user", "model"])
def test_the_quick_spend_validation_at_its_edges(key, value, drop):
    body = {**_PLAIN, key: value}
    body.pop(drop, None)
    _same_as_the_serializer(body)


def test_a_plain_spend_takes_the_quick_validation():
    """The common body must not fall back to the serializer (the quick path would then only cost time)."""
    from chatmon.api.serializers import ledger as s

    body = {"user": "u1", "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5.5, "message_id": "m1",
            "conversation_id": None}  # fmt: skip
    assert s.quick_spend(body) == {**body, "prompt_tokens": 10.0, "context": "message"}
