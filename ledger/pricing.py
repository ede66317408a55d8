"""LibreChat-compatible token pricing (T2 generation): model name -> pricing key -> rate.

Rates are USD per million tokens, which are also credits per token (1 USD = 1,000,000 credits), so
`credits = tokens x rate`. The shipped table is ledger/data/pricing.json; operators' price overrides are
merged in by `ledger.overrides.table_at()`. The module-level functions price with the shipped table only and
never touch the database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).with_name("data") / "pricing.json"

# LibreChat's legacy OpenAI aliases, tried in this order with case-sensitive substring tests.
LEGACY_ALIASES = (
    ("gpt-3.5-turbo-16k", "16k"),
    ("gpt-3.5", "4k"),
    ("gpt-4-vision", "gpt-4-1106"),
    ("gpt-4-0125", "gpt-4-1106"),
    ("gpt-4-turbo", "gpt-4-1106"),
    ("gpt-4-32k", "32k"),
    ("gpt-4", "8k"),
)

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 7 * 86400}
_warned_models: set[str] = set()


class PriceTable:
    """Token, cache and premium rates with LibreChat's lookup rules."""

    def __init__(self, token_values: dict, cache_values: dict, premium_values: dict, default_rate: float) -> None:
        self.token_values = token_values
        self.cache_values = cache_values
        self.premium_values = premium_values
        self.default_rate = default_rate
        # Keys in definition order; a later key wins a tie between equal-length matches.
        self._keys = list(token_values)
        self._exact = {key.lower(): key for key in self._keys}
        self.match = lru_cache(maxsize=4096)(self._match)

    def _longest(self, name: str) -> str | None:
        best = None
        for key in reversed(self._keys):
            if key.lower() in name and (best is None or len(key) > len(best)):
                best = key
        return best

    def _match(self, model: str) -> str | None:
        """T2 matcher: exact key, else the longest key contained in the name, preferring the vendor segment.

        For `vendor/model` names a match that itself contains `/` wins; otherwise the part after the last `/`
        is matched, so a vendor prefix such as `moonshotai/` cannot decide the price of `kimi-k2`.
        """
        name = model.lower()
        if name in self._exact:
            return self._exact[name]
        if "/" not in name:
            return self._longest(name)
        full = self._longest(name)
        if full is not None and "/" in full:
            return full
        return self._longest(name.rsplit("/", 1)[1]) or full

    def value_key(self, model, endpoint: str | None = None) -> str | None:
        if not model or not isinstance(model, str):
            return None
        # Quirk kept from LibreChat: an endpoint named like a pricing key (`deepseek`, `grok`) skips matching.
        if not endpoint or endpoint not in self.token_values:
            key = self.match(model)
            if key:
                return key
        for needle, alias in LEGACY_ALIASES:
            if needle in model:
                return alias
        return None

    def premium_rate(self, value_key, token_type, input_token_count) -> float | None:
        if input_token_count is None:
            return None
        tier = self.premium_values.get(value_key)
        if not tier or input_token_count <= tier["threshold"]:
            return None
        return tier.get(token_type)

    def _rate(self, value_key: str, token_type: str, input_token_count) -> float:
        premium = self.premium_rate(value_key, token_type, input_token_count)
        if premium is not None:
            return premium
        rate = self.token_values.get(value_key, {}).get(token_type)
        return self.default_rate if rate is None else rate

    def multiplier(
        self,
        *,
        model=None,
        value_key=None,
        token_type=None,
        endpoint=None,
        input_token_count=None,
        endpoint_token_config: Mapping | None = None,
    ) -> float:
        # A custom endpoint's config prices the models it lists, and its '*' entry every other model of the
        # endpoint (newer LibreChat); without a '*' entry unlisted models fall through (T2).
        configured = configured_rates(endpoint_token_config, model)
        if configured is not None:
            rate = configured.get(token_type)
            return self.default_rate if rate is None else rate
        if value_key and token_type:
            return self._rate(value_key, token_type, input_token_count)
        if not token_type or not model:
            return 1
        key = self.value_key(model, endpoint)
        if not key:
            _warn_unpriced(model)
            return self.default_rate
        return self._rate(key, token_type, input_token_count)

    def cache_multiplier(
        self, *, model=None, value_key=None, cache_type=None, endpoint=None, endpoint_token_config=None
    ) -> float | None:
        # Same shape as multiplier(), but every "not found" is None so callers fall back to the input rate.
        configured = configured_rates(endpoint_token_config, model)
        if configured is not None:
            return configured.get(cache_type)
        if value_key and cache_type:
            return self.cache_values.get(value_key, {}).get(cache_type)
        if not cache_type or not model:
            return None
        key = self.value_key(model, endpoint)
        return self.cache_values.get(key, {}).get(cache_type) if key else None


# The entry of an endpoint token config that prices every model not listed by name.
ANY_MODEL = "*"
# How a free endpoint (LEDGER_FREE_ENDPOINTS) is priced: every model at 0, so its rows still count usage.
FREE_TOKEN_CONFIG = {ANY_MODEL: {"prompt": 0.0, "completion": 0.0, "write": 0.0, "read": 0.0}}


def configured_rates(endpoint_token_config: Mapping | None, model) -> Mapping | None:
    """The rates an endpoint token config gives `model`: its own entry, else the '*' entry, else None."""
    if not endpoint_token_config:
        return None
    if model and model in endpoint_token_config:
        return endpoint_token_config[model]
    return endpoint_token_config.get(ANY_MODEL)


def _warn_unpriced(model: str) -> None:
    """Unknown models are charged the default rate; say so once per model name and process."""
    if model in _warned_models or len(_warned_models) > 10000:
        return
    _warned_models.add(model)
    logger.warning("ledger: no price for model %r; charging the default rate", model)


def _floats(table: dict) -> dict:
    return {key: {field: float(value) for field, value in entry.items()} for key, entry in table.items()}


@lru_cache(maxsize=1)
def shipped() -> PriceTable:
    data = json.loads(DATA_FILE.read_text())
    return PriceTable(
        _floats(data["token_values"]),
        _floats(data["cache_token_values"]),
        _floats(data["premium_token_values"]),
        float(data["default_rate"]),
    )


def value_key(model, endpoint=None) -> str | None:
    return shipped().value_key(model, endpoint)


def multiplier(
    *, model=None, value_key=None, token_type=None, endpoint=None, input_token_count=None, endpoint_token_config=None
) -> float:
    return shipped().multiplier(
        model=model,
        value_key=value_key,
        token_type=token_type,
        endpoint=endpoint,
        input_token_count=input_token_count,
        endpoint_token_config=endpoint_token_config,
    )


def cache_multiplier(
    *, model=None, value_key=None, cache_type=None, endpoint=None, endpoint_token_config=None
) -> float | None:
    return shipped().cache_multiplier(
        model=model,
        value_key=value_key,
        cache_type=cache_type,
        endpoint=endpoint,
        endpoint_token_config=endpoint_token_config,
    )


def premium_rate(value_key, token_type, input_token_count) -> float | None:
    return shipped().premium_rate(value_key, token_type, input_token_count)


def refill_eligible_at(last_refill: datetime | None, value, unit: str) -> datetime:
    """When a balance refilled at `last_refill` may refill again: LibreChat's calendar arithmetic, in UTC.

    Days and weeks are calendar days, months use JavaScript's overflow (Jan 31 + 1 month = Mar 3 in 2026),
    an unknown unit leaves the date unchanged (refill due at once), and a missing last refill is the epoch.
    """
    start = last_refill or datetime(1970, 1, 1, tzinfo=UTC)
    aware = start.tzinfo is not None
    moment = start.astimezone(UTC) if aware else start
    steps = int(value or 0)  # JavaScript's date setters truncate fractions
    if unit == "months":
        result = _add_months(moment, steps)
    elif unit in _UNIT_SECONDS:
        result = moment + timedelta(seconds=steps * _UNIT_SECONDS[unit])
    else:
        result = moment
    return result


def _add_months(moment: datetime, months: int) -> datetime:
    # setMonth(): move the month, keep the day-of-month, and let days past the month's end spill over.
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    return moment.replace(year=year, month=month + 1, day=1) + timedelta(days=moment.day - 1)
