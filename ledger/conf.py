"""The ledger's settings, read from Django settings at call time (so `override_settings` works in tests).

Every name carries the LEDGER_ prefix; chatmon/settings/ledger.py maps LibreChat's environment variables
(CHECK_BALANCE, START_BALANCE, ...) onto them, and the defaults below apply when it does not.
"""

from __future__ import annotations

from django.conf import settings

REFILL_UNITS = ("seconds", "minutes", "hours", "days", "weeks", "months")


def _get(name: str, default):
    return getattr(settings, name, default)


def csv_writer() -> str:
    # Dotted path of `csv_response(header, rows, filename)` for the admin's transaction export: the one
    # formula-safe writer every export shares (the ledger may not import auditlog, so it names it).
    return _get("LEDGER_CSV_WRITER", "auditlog.csvwriter.csv_response")


def balance_enabled() -> bool:
    # Balances are debited and checked only when on (LibreChat's CHECK_BALANCE / balance.enabled).
    return bool(_get("LEDGER_BALANCE_ENABLED", False))


def transactions_enabled() -> bool:
    # Transaction rows are written unless turned off; balances need them, so balances force them on.
    return balance_enabled() or bool(_get("LEDGER_TRANSACTIONS_ENABLED", True))


def start_balance() -> float | None:
    # Credits a user's balance starts with when first created (None: balances are never created lazily).
    value = _get("LEDGER_START_BALANCE", 20000)
    return None if value is None else float(value)


def auto_refill() -> dict | None:
    """The auto-refill settings new and synced balances get, or None when auto-refill is off or incomplete.

    LibreChat ignores a partial configuration (any of value, unit, amount missing), and so do we.
    """
    if not _get("LEDGER_AUTO_REFILL_ENABLED", False):
        return None
    fields = {
        "refill_interval_value": _get("LEDGER_REFILL_INTERVAL_VALUE", 30),
        "refill_interval_unit": _get("LEDGER_REFILL_INTERVAL_UNIT", "days"),
        "refill_amount": _get("LEDGER_REFILL_AMOUNT", 10000),
    }
    if any(value is None for value in fields.values()):
        return None
    return {"auto_refill_enabled": True, **fields}


def hold_ttl_seconds() -> float:
    # How long an admitted check holds its estimated cost; LibreChat T2's rule: non-positive -> default, min 10 s.
    value = _get("LEDGER_HOLD_TTL_SECONDS", 1800)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 1800.0
    if not value > 0 or value == float("inf"):
        return 1800.0
    return max(value, 10.0)


def refill_batch_size() -> int:
    # Balances the refill job locks, refills and commits together (ledger/refills.py).
    return int(_get("LEDGER_REFILL_BATCH_SIZE", 500))


def price_cache_seconds() -> float:
    # The longest a process reuses the price overrides it read when it cannot learn of a change (the shared
    # cache below unreachable or per-process); with it reachable, a change reaches every process at once.
    return float(_get("LEDGER_PRICE_CACHE_SECONDS", 30))


def price_stamp_seconds() -> float:
    # How often a process asks the shared cache whether the price overrides changed (0: at every spend, one
    # Redis round trip each). Overrides saved this long before their start apply exactly from it everywhere.
    return float(_get("LEDGER_PRICE_STAMP_SECONDS", 1.0))


def price_cache_alias() -> str:
    # The Django cache (shared by every process: Redis) holding the price overrides' version stamp.
    return str(_get("LEDGER_PRICE_CACHE_ALIAS", "default"))


def credits_per_unit() -> float:
    # Credits in one unit of the display currency: LibreChat's 1 USD = 1,000,000 credits (prices are USD per
    # million tokens). Pages, lists, CSV and messages show amounts in credits and in this currency.
    return float(_get("LEDGER_CREDITS_PER_UNIT", 1_000_000))


def display_currency() -> str:
    # ISO code of the currency amounts are shown in (USD, EUR and GBP get their symbol, others the code).
    return str(_get("LEDGER_DISPLAY_CURRENCY", "USD"))


def free_endpoints() -> frozenset[str]:
    # Endpoints whose models cost nothing (self-hosted: Ollama, vLLM, ...): their spends write rows at rate 0,
    # so usage is still counted, and their balance checks hold nothing. A list, or a comma-separated string.
    value = _get("LEDGER_FREE_ENDPOINTS", ())
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(name.strip() for name in value if name and name.strip())
