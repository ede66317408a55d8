"""What a spend costs: LibreChat's calculateTokenValue and calculateStructuredTokenValue, as unsaved rows.

The float operations run in LibreChat's order so the figures match its to the last bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ledger.models import Transaction
from ledger.pricing import PriceTable

# Aborted responses pay 15% more for the completion they did get (LibreChat's cancelRate).
CANCEL_RATE = 1.15


@dataclass(frozen=True)
class Charge:
    """Where a spend comes from: the fields every row of one spend shares."""

    user_id: object
    model: str | None
    context: str | None
    conversation_id: str | None
    endpoint: str | None
    message_id: str | None
    endpoint_token_config: dict | None

    def row(self, table: PriceTable, **fields) -> Transaction:
        values = {
            "user_id": self.user_id,
            "model": self.model,
            "context": self.context,
            "conversation_id": self.conversation_id,
            "endpoint": self.endpoint,
            "message_id": self.message_id,
            "value_key": table.value_key(self.model),
            **fields,
        }
        if not values.keys() <= _NAMES:  # what Transaction(**values) would refuse
            raise TypeError(f"Transaction has no field {sorted(values.keys() - _NAMES)}")
        # Positional arguments take Django's fast path in Model.__init__ (the one from_db uses); keyword
        # arguments made building a spend's two rows about a tenth of the whole spend's time.
        return Transaction(*[values[name] if name in values else default() for name, default in _COLUMNS])


def _default(field):
    """A callable giving the field's default: its own for a callable default (created_at), else a constant."""
    if field.has_default() and callable(field.default):
        return field.get_default
    value = field.get_default()
    return lambda: value


# Every concrete field of Transaction in __init__'s positional order, with its default.
_COLUMNS = tuple((field.attname, _default(field)) for field in Transaction._meta.concrete_fields)
_NAMES = frozenset(name for name, _ in _COLUMNS)


def _surcharge(charge: Charge, token_type: str, rate: float, value: float) -> tuple[float, float]:
    if charge.context == "incomplete" and token_type == "completion":
        return rate * CANCEL_RATE, float(math.ceil(value * CANCEL_RATE))
    return rate, value


def plain_row(table: PriceTable, charge: Charge, token_type: str, raw_amount: float, input_token_count) -> Transaction:
    """A prompt or completion row; the endpoint is not used for pricing here, as in LibreChat."""
    rate = abs(
        table.multiplier(
            model=charge.model,
            token_type=token_type,
            input_token_count=input_token_count,
            endpoint_token_config=charge.endpoint_token_config,
        )
    )
    rate, value = _surcharge(charge, token_type, rate, (raw_amount or 0) * rate)
    return charge.row(table, token_type=token_type, raw_amount=raw_amount, rate=rate, token_value=value)


def structured_prompt_row(table: PriceTable, charge: Charge, inputs: float, writes: float, reads: float) -> Transaction:
    """A prompt row with cache accounting; cache rates fall back to the (possibly premium) input rate."""
    total = inputs + writes + reads
    in_mul = table.multiplier(
        model=charge.model,
        token_type="prompt",
        input_token_count=total,
        endpoint_token_config=charge.endpoint_token_config,
    )
    cache = {"model": charge.model, "endpoint_token_config": charge.endpoint_token_config}
    write_mul = table.cache_multiplier(cache_type="write", **cache)
    read_mul = table.cache_multiplier(cache_type="read", **cache)
    write_mul = in_mul if write_mul is None else write_mul
    read_mul = in_mul if read_mul is None else read_mul
    if total > 0:
        rate = (abs(in_mul * -inputs) + abs(write_mul * -writes) + abs(read_mul * -reads)) / total
    else:
        rate = abs(in_mul)
    value = -(inputs * in_mul + writes * write_mul + reads * read_mul)
    return charge.row(
        table,
        token_type="prompt",
        raw_amount=-total,
        rate=rate,
        token_value=value,
        input_tokens=-inputs,
        write_tokens=-writes,
        read_tokens=-reads,
    )
