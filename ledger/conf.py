"""The ledger's settings, read from Django settings at call time (so `override_settings` works in tests).

Every name carries the LEDGER_ prefix; chatmon/settings/ledger.py maps LibreChat's environment variables
(CHECK_BALANCE, START_BALANCE, ...) onto them, and the defaults below apply when it does not.
"""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

REFILL_UNITS = ("seconds", "minutes", "hours", "days", "weeks", "months")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


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
    return {"auto_refill_enabled": True, **fields, **refill_calendar()}


def refill_calendar() -> dict:
    """The default calendar schedule's Balance fields (ledger/schedules.py), or {} for LibreChat's interval.

    Empty for the interval, so that the settings sync leaves a schedule an operator set on one balance alone
    unless a default schedule is configured (which, as LibreChat's refill settings do, it then copies on).
    """
    # "" (LibreChat's interval), "daily", "weekly" or "monthly".
    kind = str(_get("LEDGER_REFILL_SCHEDULE", "") or "").strip().lower()
    if not kind:
        return {}
    if kind not in ("daily", "weekly", "monthly"):
        raise ImproperlyConfigured(f"LEDGER_REFILL_SCHEDULE must be daily, weekly, monthly or empty, not {kind!r}.")
    return {
        "refill_schedule": kind,
        # Local time of day in LEDGER_REFILL_TIME_ZONE, "HH:MM".
        "refill_time": _clock(_get("LEDGER_REFILL_TIME", "00:00")),
        # Weekly: the weekday, a name or 0 (Monday) to 6 (Sunday).
        "refill_weekday": _weekday(_get("LEDGER_REFILL_WEEKDAY", "monday")) if kind == "weekly" else None,
        # Monthly: the day, 1 to 31; a day past a month's end is its last day.
        "refill_day": _month_day(_get("LEDGER_REFILL_DAY", 1)) if kind == "monthly" else None,
    }


def refill_time_zone() -> ZoneInfo:
    # The time zone of calendar refill schedules and of users' spend days and cap periods (default TIME_ZONE).
    name = _get("LEDGER_REFILL_TIME_ZONE", None) or getattr(settings, "TIME_ZONE", None) or "UTC"
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(f"LEDGER_REFILL_TIME_ZONE: unknown time zone {name!r}.") from exc


def _clock(value) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip()).replace(second=0, microsecond=0)
    except ValueError as exc:
        raise ImproperlyConfigured(f"LEDGER_REFILL_TIME must be HH:MM, not {value!r}.") from exc


def _weekday(value) -> int:
    text = str(value).strip().lower()
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    raise ImproperlyConfigured(f"LEDGER_REFILL_WEEKDAY must be a weekday name or 0 (Monday) to 6, not {value!r}.")


def _month_day(value) -> int:
    text = str(value).strip()
    if text.isdigit() and 1 <= int(text) <= 31:
        return int(text)
    raise ImproperlyConfigured(f"LEDGER_REFILL_DAY must be 1 to 31, not {value!r}.")


def prepare_spends() -> bool:
    # On PostgreSQL a spend's statements are prepared on each connection (parsed and planned once). Turn off
    # behind a pooler that hands a transaction to any server connection without tracking prepared statements
    # (PgBouncer in transaction mode before 1.21, or 1.21+ with max_prepared_statements = 0).
    return bool(_get("LEDGER_PREPARE_SPENDS", True))


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


def balance_settings_resolver() -> str:
    # Dotted path of `f(user_id) -> dict | None` giving one user's balance settings instead of the ones above:
    # {"start_balance": credits, "auto_refill": conf.auto_refill()-shaped dict or None}; None (or "") keeps
    # the service-wide settings. A group-policy app plugs in here; the ledger only calls it.
    return str(_get("LEDGER_BALANCE_SETTINGS_RESOLVER", "") or "")


def admission_hooks() -> list[str]:
    # Dotted paths of `f(*, user_id, model, endpoint, cost, now) -> Refusal | None`, asked in order before a
    # balance check counts credits (balances on or off); the first refusal denies the check with its reason.
    return list(_get("LEDGER_ADMISSION_HOOKS", ()))


def price_file_max_bytes() -> int:
    # The largest price file (or /model/info answer) read: LiteLLM's own file is about 1.5 MB.
    return int(_get("LEDGER_PRICE_FILE_MAX_BYTES", 16 * 1024 * 1024))


def price_file_timeout() -> float:
    # Seconds a LiteLLM proxy gets to answer /model/info (connect and each read).
    return float(_get("LEDGER_PRICE_FILE_TIMEOUT", 10.0))
