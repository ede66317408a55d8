"""Per-call prices: what an image, a web search, a code session, a file search or a named tool call costs.

The shipped prices are ledger/data/call_prices.json (each with its source and the date it was read there);
operators' CallPriceOverride rows are merged in from their `effective_from` on, as token price overrides are
(ledger/overrides.py). `checked_items()` validates a spend's items and `call_rows()` turns them into unsaved
`call` rows; ledger.services.spend_calls writes them through the same chain as token spends.

A call row (Transaction, token_type `call`): `item` what was bought (`image:dall-e-3:1024x1024:hd`), `model`
the called name, `value_key` the price entry that matched, `raw_amount` minus the quantity, `rate` the unit
price in credits and `token_value` = raw_amount x rate: every row keeps the price it was charged at.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ledger import conf, overrides
from ledger.models import CREDITS_PER_USD, CallPriceOverride, Transaction
from ledger.validation import MAX_CALLS, MAX_UNIT_PRICE, LedgerInputError, checked_number

DATA_FILE = Path(__file__).with_name("data") / "call_prices.json"
KINDS = tuple(CallPriceOverride.Kind.values)
ANY = "*"
# Kinds whose items must name what was called (an image model, a tool); the others may name a provider.
NAMED_KINDS = ("image", "tool")
# At most this many items in one spend_calls (each becomes at most one row).
MAX_ITEMS = 100
ITEM_KEYS = frozenset({"kind", "name", "quantity", "size", "quality"})
# Names are model, provider or tool names (`llama3:8b` too); options are short tokens without ':', so the item
# key `image:<name>:<size>:<quality>` stays unambiguous (the kind before the name, the options after it).
_NAME = re.compile(r"[\w .:/@+-]{1,100}")
_OPTION = re.compile(r"[\w.-]{1,16}")


@dataclass(frozen=True)
class CallItem:
    """One validated item: `quantity` calls of `kind` (`name`, and for images `size` and `quality`)."""

    kind: str
    name: str
    quantity: int
    size: str = ""
    quality: str = ""

    @property
    def key(self) -> str:
        """What the row charges, and the once-per-message key: same key, same row."""
        if self.kind == "image":
            return f"image:{self.name}:{self.size}:{self.quality}"
        return f"{self.kind}:{self.name}" if self.name else self.kind


@dataclass(frozen=True)
class CallPrice:
    kind: str
    name: str
    size: str
    quality: str
    # Credits per call.
    credits: float

    @property
    def value_key(self) -> str:
        if self.kind == "image":
            return f"image:{self.name}:{self.size}:{self.quality}"
        return f"{self.kind}:{self.name}"

    def matches(self, item: CallItem) -> bool:
        return (
            self.kind == item.kind
            and (self.name == ANY or self.name.lower() in item.name.lower())
            and self.size in (ANY, item.size)
            and self.quality in (ANY, item.quality)
        )

    def specificity(self) -> tuple[int, int]:
        """The longest name wins (as in token pricing), then the entry naming more of the options."""
        return (-1 if self.name == ANY else len(self.name), (self.size != ANY) + (self.quality != ANY))


class CallPriceTable:
    """Call prices in definition order; among equally specific matches the later one wins (an override)."""

    def __init__(self, prices: list[CallPrice]) -> None:
        self.prices = prices
        self.price = lru_cache(maxsize=2048)(self._price)

    def _price(self, item: CallItem) -> CallPrice | None:
        best = None
        for price in self.prices:
            if price.matches(item) and (best is None or price.specificity() >= best.specificity()):
                best = price
        return best


def _credits(usd) -> float:
    # Through Decimal, so 0.011 USD is 11000 credits exactly (0.011 * 1e6 in floats is not).
    return float(Decimal(str(usd)) * CREDITS_PER_USD)


@lru_cache(maxsize=1)
def shipped() -> CallPriceTable:
    data = json.loads(DATA_FILE.read_text())
    return CallPriceTable(
        [
            CallPrice(
                entry["kind"], entry["name"], entry.get("size", ANY), entry.get("quality", ANY), _credits(entry["usd"])
            )
            for entry in data["prices"]
        ]
    )


_cache: dict = {"read_at": None, "version": None, "rows": (), "tables": {}}


def _override_rows() -> tuple:
    # The version stamp token price overrides use (ledger/overrides.py), read first for the same reason: a
    # change made in another process reaches this one within LEDGER_PRICE_STAMP_SECONDS, not at the rows' age.
    version = overrides.shared_version()
    read_at = _cache["read_at"]
    expired = read_at is None or time.monotonic() - read_at > conf.price_cache_seconds()
    if expired or (version is not None and version != _cache["version"]):
        _cache["rows"] = tuple(CallPriceOverride.objects.order_by("effective_from", "pk"))
        _cache["tables"] = {}
        _cache["read_at"] = time.monotonic()
        _cache["version"] = version
    return _cache["rows"]


@receiver([post_save, post_delete], sender=CallPriceOverride)
def forget_overrides(using: str = "default", **_kwargs) -> None:
    _cache["read_at"] = None  # this process: at its next spend
    overrides.announce_change(using=using)  # the others: through the shared stamp, once committed


def table_at(moment: datetime) -> CallPriceTable:
    """The shipped call prices, or a merged copy when overrides are in force at `moment` (latest start wins)."""
    rows = [row for row in _override_rows() if row.effective_from <= moment]
    if not rows:
        return shipped()
    key = tuple(row.pk for row in rows)
    if key not in _cache["tables"]:
        # Appended after the shipped prices, oldest start first: an override replaces an entry of the same
        # kind, name and options (equal specificity, defined later) and otherwise adds one.
        extra = [CallPrice(row.kind, row.name, row.size, row.quality, float(row.price)) for row in rows]
        _cache["tables"][key] = CallPriceTable([*shipped().prices, *extra])
    return _cache["tables"][key]


def checked_items(items) -> list[CallItem]:
    """The spend's items, validated and merged by key (one row per item key, quantities added).

    Each item is a dict: `kind` (image, web_search, code_session, file_search, tool), `name` (required for
    image and tool), `quantity` (a whole number from 1 to 10^6, default 1), and for images `size` and
    `quality`. Anything else (another key, a nested value, a non-finite or huge number) is LedgerInputError.
    """
    if isinstance(items, str | bytes) or not isinstance(items, list | tuple):
        raise LedgerInputError(f"items must be a list of dicts, not {type(items).__name__}")
    if len(items) > MAX_ITEMS:
        raise LedgerInputError(f"at most {MAX_ITEMS} items per spend, not {len(items)}")
    merged: dict[str, CallItem] = {}
    for index, raw in enumerate(items):
        item = _checked_item(raw, name=f"items[{index}]")
        if item.key in merged:
            item = CallItem(item.kind, item.name, merged[item.key].quantity + item.quantity, item.size, item.quality)
            if item.quantity > MAX_CALLS:
                raise LedgerInputError(f"{item.key}: {item.quantity} calls, beyond the limit of {MAX_CALLS:.0e}")
        merged[item.key] = item
    return list(merged.values())


def _checked_item(raw, *, name: str) -> CallItem:
    if not isinstance(raw, Mapping):
        raise LedgerInputError(f"{name} must be a dict, not {type(raw).__name__}")
    if unknown := set(raw) - ITEM_KEYS:
        raise LedgerInputError(f"{name} has unknown keys {sorted(map(str, unknown))}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise LedgerInputError(f"{name}.kind {kind!r} is not one of {list(KINDS)}")
    called = _text(raw.get("name"), _NAME, name=f"{name}.name")
    if kind in NAMED_KINDS and not called:
        raise LedgerInputError(f"{name}.name is required for {kind} items")
    size = _text(raw.get("size"), _OPTION, name=f"{name}.size")
    quality = _text(raw.get("quality"), _OPTION, name=f"{name}.quality")
    if kind != "image" and (size or quality):
        raise LedgerInputError(f"{name}: size and quality are for image items only")
    quantity = raw.get("quantity", 1)
    quantity = checked_number(quantity, name=f"{name}.quantity", limit=MAX_CALLS, minimum=1)
    if quantity != int(quantity):
        raise LedgerInputError(f"{name}.quantity must be a whole number, not {quantity}")
    return CallItem(kind, called, int(quantity), size, quality)


def _text(value, pattern: re.Pattern, *, name: str) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise LedgerInputError(f"{name} must be text matching {pattern.pattern}")
    return value


@dataclass(frozen=True)
class CallCharge:
    """Where a call spend comes from: the fields its rows share."""

    user_id: object
    conversation_id: str | None
    message_id: str | None
    endpoint: str | None
    context: str | None
    # Free endpoints (LEDGER_FREE_ENDPOINTS) charge 0 a call and still write their rows.
    free: bool


def call_rows(table: CallPriceTable, charge: CallCharge, items: list[CallItem]) -> list[Transaction]:
    rows = []
    for item in items:
        price = table.price(item)
        # Every kind has a '*' entry in the shipped file; a file without one prices such items at nothing.
        unit = 0.0 if charge.free or price is None else price.credits
        if not 0 <= unit <= MAX_UNIT_PRICE:
            raise LedgerInputError(f"{item.key} would cost {unit} credits a call, beyond {MAX_UNIT_PRICE:.0e}")
        rows.append(
            Transaction(
                user_id=charge.user_id,
                conversation_id=charge.conversation_id,
                message_id=charge.message_id,
                token_type=Transaction.TokenType.CALL,
                item=item.key,
                model=item.name or None,
                endpoint=charge.endpoint,
                context=charge.context,
                value_key=None if price is None else price.value_key,
                rate=unit,
                raw_amount=-float(item.quantity),
                token_value=-float(item.quantity) * unit,
            )
        )
    return rows


def items_cost(items, *, moment: datetime, free: bool = False) -> float:
    """What spend_calls would charge for `items` at `moment` (validated the same way, LedgerInputError when
    not): the cost a balance check adds to the tokens' and holds (ledger.admission.check_balance)."""
    charge = CallCharge(user_id=None, conversation_id=None, message_id=None, endpoint=None, context=None, free=free)
    return 0.0 - sum(row.token_value for row in call_rows(table_at(moment), charge, checked_items(items)))
