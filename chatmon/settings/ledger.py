"""Ledger settings from the environment, under LibreChat's variable names where LibreChat has one.

Defaults mirror ledger/conf.py (LibreChat's own defaults), so an operator can reuse a LibreChat `.env`.
"""

from __future__ import annotations

from chatmon.settings.env import env

# CHECK_BALANCE=true turns balances (checks and debits) on; transactions are then forced on too.
LEDGER_BALANCE_ENABLED = env.bool("CHECK_BALANCE", default=False)
LEDGER_TRANSACTIONS_ENABLED = env.bool("LEDGER_TRANSACTIONS_ENABLED", default=True)
# 1 USD = 1,000,000 credits; 20000 = $0.02, LibreChat's default.
LEDGER_START_BALANCE = env.int("START_BALANCE", default=20000)
LEDGER_AUTO_REFILL_ENABLED = env.bool("LEDGER_AUTO_REFILL_ENABLED", default=False)
LEDGER_REFILL_INTERVAL_VALUE = env.int("LEDGER_REFILL_INTERVAL_VALUE", default=30)
LEDGER_REFILL_INTERVAL_UNIT = env.str("LEDGER_REFILL_INTERVAL_UNIT", default="days")
LEDGER_REFILL_AMOUNT = env.float("LEDGER_REFILL_AMOUNT", default=10000)
LEDGER_HOLD_TTL_SECONDS = env.float("LEDGER_HOLD_TTL_SECONDS", default=1800)
LEDGER_REFILL_BATCH_SIZE = env.int("LEDGER_REFILL_BATCH_SIZE", default=500)
LEDGER_PRICE_CACHE_SECONDS = env.float("LEDGER_PRICE_CACHE_SECONDS", default=30)
LEDGER_PRICE_STAMP_SECONDS = env.float("LEDGER_PRICE_STAMP_SECONDS", default=1.0)
LEDGER_PRICE_FILE_MAX_BYTES = env.int("LEDGER_PRICE_FILE_MAX_BYTES", default=16 * 1024 * 1024)
LEDGER_PRICE_FILE_TIMEOUT = env.float("LEDGER_PRICE_FILE_TIMEOUT", default=10.0)
# PostgreSQL: a spend's statements prepared per connection (off behind a pooler that does not track them).
LEDGER_PREPARE_SPENDS = env.bool("LEDGER_PREPARE_SPENDS", default=True)
# Comma-separated endpoints that cost nothing (self-hosted models): rows at rate 0, usage still counted.
LEDGER_FREE_ENDPOINTS = env.list("LEDGER_FREE_ENDPOINTS", default=[])
# Calendar refill schedules (ledger/schedules.py): "" keeps LibreChat's interval; daily, weekly or monthly at
# LEDGER_REFILL_TIME ("HH:MM") in LEDGER_REFILL_TIME_ZONE (default TIME_ZONE), on LEDGER_REFILL_WEEKDAY
# (weekly: a name or 0 = Monday) or LEDGER_REFILL_DAY (monthly: 1-31, past a month's end its last day).
LEDGER_REFILL_SCHEDULE = env.str("LEDGER_REFILL_SCHEDULE", default="")
LEDGER_REFILL_TIME = env.str("LEDGER_REFILL_TIME", default="00:00")
LEDGER_REFILL_WEEKDAY = env.str("LEDGER_REFILL_WEEKDAY", default="monday")
LEDGER_REFILL_DAY = env.str("LEDGER_REFILL_DAY", default="1")
LEDGER_REFILL_TIME_ZONE = env.str("LEDGER_REFILL_TIME_ZONE", default="") or None
