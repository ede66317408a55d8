"""Price updates from a price file in LiteLLM's published format: read, preview, then effective-dated overrides.

Two shapes are read, both LiteLLM's: `model_prices_and_context_window.json` (an object of model name -> its
spec; the `sample_spec` entry documents the fields and is skipped) and a LiteLLM proxy's `/model/info` answer
(`{"data": [{"model_name", "litellm_params", "model_info": spec}]}`). From a spec the ledger takes
`input_cost_per_token` and `output_cost_per_token` (USD per token; the ledger's rate is credits per token
and 1 USD = 1,000,000 credits, so rate = cost x 10^6, which is also USD per 1M tokens) and, when given,
`cache_read_input_token_cost` and `cache_creation_input_token_cost`. An entry whose `mode` is not a chat or text
completion model (embeddings, images, audio) is skipped, as is an entry whose costs are missing, not numbers,
negative or beyond the ledger's highest rate.

A file is hostile until read: at most LEDGER_PRICE_FILE_MAX_BYTES, fetched with LEDGER_PRICE_FILE_TIMEOUT,
JSON without NaN or Infinity, nested no deeper than LiteLLM's own shape needs, at most MAX_MODELS entries.
Each refusal is a PriceFileError saying what is wrong; nothing is written before the operator applies a plan,
and applying only adds PriceOverride rows from a start that is not in the past: past rows keep their charge.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from ledger import conf, signals
from ledger.models import Balance, PriceOverride
from ledger.overrides import forget_overrides, table_at
from ledger.validation import MAX_RATE, LedgerInputError

# LiteLLM's own file holds about 2,500 models; ten times that is not a price file.
MAX_MODELS = 25_000
# {"data": [{"model_info": {...}}]} is four levels; a spec's own values are flat numbers and strings, but
# LiteLLM adds small lists and objects (supported_regions, tiered prices): eight levels leave room for them.
MAX_DEPTH = 8
# Modes that are charged per prompt and completion token; an entry without a mode counts as chat.
CHAT_MODES = frozenset({"chat", "completion", "responses"})
SKIPPED_NAMES = frozenset({"sample_spec"})
NAME_LENGTH = PriceOverride._meta.get_field("pattern").max_length
# A start a few seconds back is "now" typed by hand (or a preview applied a moment later): only a start
# more than this in the past is refused.
PAST_SLACK = timedelta(minutes=1)


class PriceFileError(LedgerInputError):
    """A price file the ledger refuses as a whole (too big, not JSON, the wrong shape); the message says why."""


@dataclass(frozen=True)
class Rates:
    """A model's price in the ledger's unit: credits per token (USD per 1M tokens)."""

    prompt: float
    completion: float
    cache_write: float | None = None
    cache_read: float | None = None

    def effective(self) -> tuple[float, float, float, float]:
        """The rates charged: an empty cache rate is the prompt rate (LibreChat's fallback)."""
        write = self.prompt if self.cache_write is None else self.cache_write
        read = self.prompt if self.cache_read is None else self.cache_read
        return (self.prompt, self.completion, write, read)


@dataclass(frozen=True)
class Change:
    model: str
    old: Rates | None  # None: the model is charged the default rate today
    old_key: str | None  # the pricing key that prices it today
    new: Rates

    def old_rates(self, default_rate: float) -> tuple[float, float]:
        """(prompt, completion) charged today: the default rate for both when the model has no price."""
        return (self.old.prompt, self.old.completion) if self.old else (default_rate, default_rate)


@dataclass
class Plan:
    """What applying a file would do at `effective_from`."""

    effective_from: datetime
    source: str
    default_rate: float = 0.0  # what a model without a price is charged (credits per token)
    changes: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (model, why)


# --- reading ----------------------------------------------------------------------------------------------


def read_path(path: str | Path) -> bytes:
    path = Path(path)
    limit = conf.price_file_max_bytes()
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise PriceFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return _within_limit(data, limit)


def fetch_url(url: str, *, api_key: str = "") -> bytes:
    """GET a LiteLLM proxy's /model/info (or a price file) over http(s), within the size limit and timeout."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise PriceFileError("the URL must start with http:// or https://")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    limit = conf.price_file_max_bytes()
    try:
        with urllib.request.urlopen(request, timeout=conf.price_file_timeout()) as response:
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise PriceFileError(f"{url} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise PriceFileError(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from exc
    return _within_limit(data, limit)


def _within_limit(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise PriceFileError(f"the price file is larger than {limit:,} bytes (LEDGER_PRICE_FILE_MAX_BYTES)")
    return data


def _refuse_constant(name: str):
    raise PriceFileError(f"the price file holds {name}, which is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise PriceFileError(f"the price file holds the number {text[:40]}, too large to be a price")
    return value


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, walking no deeper than `limit` + 1."""
    stack, deepest = [(value, 1)], 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > limit:
            return level
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def load(data: bytes) -> dict:
    """The file's specs by model name (either shape), refusing what is not a price file."""
    try:
        text = data.decode("utf-8-sig")
        parsed = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except UnicodeDecodeError as exc:
        raise PriceFileError("the price file is not UTF-8 text") from exc
    except RecursionError as exc:
        raise PriceFileError(f"the price file is nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # JSONDecodeError; PriceFileError from the hooks passes through as itself
        if isinstance(exc, PriceFileError):
            raise
        raise PriceFileError(f"the price file is not JSON: {exc}") from exc
    if _depth(parsed, MAX_DEPTH) > MAX_DEPTH:
        raise PriceFileError(f"the price file is nested deeper than {MAX_DEPTH} levels")
    specs = _specs(parsed)
    if len(specs) > MAX_MODELS:
        raise PriceFileError(f"the price file names {len(specs):,} models, more than {MAX_MODELS:,}")
    return specs


def _specs(parsed) -> dict:
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):  # a proxy's /model/info
        specs = {}
        for index, entry in enumerate(parsed["data"][: MAX_MODELS + 1]):
            entry = entry if isinstance(entry, dict) else {}
            name = entry.get("model_name")
            # An entry without a usable name is still listed (as skipped), by its position.
            specs[name if isinstance(name, str) and name else f"(entry {index}: no model_name)"] = entry.get(
                "model_info"
            )
        return specs
    if not isinstance(parsed, dict):
        raise PriceFileError("a price file is a JSON object of model names (LiteLLM's format), or /model/info")
    return parsed


def rates_of(spec) -> Rates:
    """The ledger's rates from one LiteLLM spec; LedgerInputError (the reason to skip it) when unusable."""
    if not isinstance(spec, Mapping):
        raise LedgerInputError("not an object")
    mode = spec.get("mode")
    if mode is not None and mode not in CHAT_MODES:
        raise LedgerInputError(f"mode {str(mode)[:40]!r} is not charged per token")
    prompt = _rate(spec, "input_cost_per_token", required=True)
    completion = _rate(spec, "output_cost_per_token", required=True)
    return Rates(
        prompt,
        completion,
        cache_write=_rate(spec, "cache_creation_input_token_cost"),
        cache_read=_rate(spec, "cache_read_input_token_cost"),
    )


def _rate(spec: Mapping, name: str, *, required: bool = False) -> float | None:
    value = spec.get(name)
    if value is None:
        if required:
            raise LedgerInputError(f"no {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LedgerInputError(f"{name} is not a number")
    # USD per token -> credits per token (1 USD = 1,000,000 credits), to 12 significant digits so that
    # 2.5e-06 reads 2.5 and compares equal to the table's 2.5 whatever the binary rounding of the product.
    rate = float(f"{float(value) * 1_000_000:.12g}")
    if not math.isfinite(rate) or rate < 0 or rate > MAX_RATE:
        raise LedgerInputError(f"{name} {value!r} is not a price from 0 to {MAX_RATE / 1_000_000:g} USD a token")
    return rate


# --- planning and applying --------------------------------------------------------------------------------


def plan(specs: Mapping, *, effective_from: datetime, source: str, only: tuple[str, ...] = ()) -> Plan:
    """Compare each usable price with what the table in force at `effective_from` charges the model.

    `only` keeps the models whose name contains one of its strings (case-insensitive); empty keeps all."""
    table = table_at(effective_from)
    result = Plan(effective_from=effective_from, source=source, default_rate=table.default_rate)
    wanted = [needle.lower() for needle in only if needle]
    for name, spec in specs.items():
        if name in SKIPPED_NAMES or (wanted and not any(needle in name.lower() for needle in wanted)):
            continue
        if not name or len(name) > NAME_LENGTH:
            result.skipped.append((name[:60] + "...", f"name longer than {NAME_LENGTH} characters"))
            continue
        try:
            new = rates_of(spec)
        except LedgerInputError as exc:
            result.skipped.append((name, str(exc)))
            continue
        key = table.value_key(name)
        old = rates_in(table, key)
        if old is not None and old.effective() == new.effective() and key == name:
            result.unchanged.append(name)
        else:
            result.changes.append(Change(name, old, key, new))
    return result


def rates_in(table, key: str | None) -> Rates | None:
    """The rates `table` gives the pricing key `key`; None when it has none (the default rate applies)."""
    if key is None or key not in table.token_values:
        return None
    tokens, cache = table.token_values[key], table.cache_values.get(key, {})
    return Rates(tokens.get("prompt"), tokens.get("completion"), cache.get("write"), cache.get("read"))


def apply(result: Plan, *, actor=None) -> list[PriceOverride]:
    """One PriceOverride per change, from the plan's start, in one transaction; audited (prices_imported)."""
    if result.effective_from < timezone.now() - PAST_SLACK:
        raise LedgerInputError(
            "the new prices must start now or later: past rows keep the prices they were charged at (reprice a "
            "past period to correct it)"
        )
    note = f"price file: {result.source}"[:255]
    rows = [
        PriceOverride(pattern=change.model, prompt=change.new.prompt, completion=change.new.completion,
                      cache_write=change.new.cache_write, cache_read=change.new.cache_read,
                      effective_from=result.effective_from, note=note)
        for change in result.changes
    ]  # fmt: skip
    with transaction.atomic():
        PriceOverride.objects.bulk_create(rows)
        # bulk_create sends no post_save: tell this process's price cache and, once committed, every other
        # process's (one version stamp for the whole file rather than one per model).
        forget_overrides()
        signals.prices_imported.send(
            sender=Balance,
            actor=actor,
            source=result.source,
            effective_from=result.effective_from,
            models=[row.pattern for row in rows],
            unchanged=len(result.unchanged),
            skipped=len(result.skipped),
        )
    return rows
