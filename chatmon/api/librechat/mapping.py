"""LibreChat's document fields -> ours. Each function raises ValueError naming the field that is wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger.conf import REFILL_UNITS
from ledger.validation import checked_number, checked_token_type

# LibreChat names (camelCase) of the numbers a transaction carries, and ours.
_NUMBERS = {"rate": "rate", "rawAmount": "raw_amount", "inputTokens": "input_tokens",
            "writeTokens": "write_tokens", "readTokens": "read_tokens"}  # fmt: skip
_TEXTS = {"conversationId": ("conversation_id", 255), "model": ("model", 255), "endpoint": ("endpoint", 100),
          "context": ("context", 100), "valueKey": ("value_key", 100)}  # fmt: skip


def object_id(doc: dict, name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} is missing or not an ObjectId")
    return value


def number(doc: dict, name: str, *, required: bool = False) -> float | None:
    value = doc.get(name)
    if value is None:
        if required:
            raise ValueError(f"{name} is missing")
        return None
    return checked_number(value, name=name)


def text(doc: dict, name: str, max_length: int) -> str | None:
    value = doc.get(name)
    return None if value is None else str(value)[:max_length]


def when(doc: dict, name: str) -> dt.datetime | None:
    value = doc.get(name)
    if value is not None and not isinstance(value, dt.datetime):
        raise ValueError(f"{name} is not a date")
    return value


def transaction_fields(doc: dict, user_id: Any) -> dict[str, Any]:
    """A ledger row's fields holding LibreChat's recorded figures as they are (never re-priced)."""
    return {
        "user_id": user_id,
        "token_type": checked_token_type(doc.get("tokenType"), name="tokenType"),
        "token_value": number(doc, "tokenValue", required=True),
        "created_at": when(doc, "createdAt") or dt.datetime.now(dt.UTC),
        **{ours: number(doc, theirs) for theirs, ours in _NUMBERS.items()},
        **{ours: text(doc, theirs, size) for theirs, (ours, size) in _TEXTS.items()},
    }


def balance_fields(doc: dict) -> dict[str, Any]:
    """Credits and LibreChat's auto-refill settings (absent settings keep our defaults)."""
    fields: dict[str, Any] = {"token_credits": number(doc, "tokenCredits", required=True)}
    if "autoRefillEnabled" in doc:
        fields["auto_refill_enabled"] = bool(doc["autoRefillEnabled"])
    if doc.get("refillIntervalValue") is not None:
        fields["refill_interval_value"] = int(number(doc, "refillIntervalValue"))
    if doc.get("refillIntervalUnit") is not None:
        if doc["refillIntervalUnit"] not in REFILL_UNITS:
            raise ValueError(f"refillIntervalUnit {doc['refillIntervalUnit']!r} is not one of {list(REFILL_UNITS)}")
        fields["refill_interval_unit"] = doc["refillIntervalUnit"]
    if doc.get("refillAmount") is not None:
        fields["refill_amount"] = number(doc, "refillAmount")
    if doc.get("lastRefill") is not None:
        fields["last_refill"] = when(doc, "lastRefill")
    return fields


def user_fields(doc: dict) -> dict[str, Any]:
    """What a chatmon user keeps of a LibreChat user (never the password hash)."""
    fields: dict[str, Any] = {"first_name": str(doc.get("name") or "")[:150]}
    joined = when(doc, "createdAt")
    if joined is not None:
        fields["date_joined"] = joined
    return fields
