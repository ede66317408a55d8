"""Group policies and budgets: environment variables mapped to POLICIES_* settings (defaults and meanings in
chatmon/policies/conf.py), and the extension points of the ledger and violations that chatmon.policies plugs
into. See docs/policies.md."""

from __future__ import annotations

from chatmon.settings.env import env

# Role claim -> group names, as JSON: {"researcher": ["research"], "trial": "trial"}.
POLICIES_CLAIM_GROUPS = env.json("POLICIES_CLAIM_GROUPS", default={})
POLICIES_CLAIMS_READER = env.str("POLICIES_CLAIMS_READER", default="")
POLICIES_TIME_ZONE = env.str("POLICIES_TIME_ZONE", default="") or None
POLICIES_SPEND_CACHE_SECONDS = env.float("POLICIES_SPEND_CACHE_SECONDS", default=5.0)
POLICIES_FORECAST_DAYS = env.int("POLICIES_FORECAST_DAYS", default=7)

LEDGER_BALANCE_SETTINGS_RESOLVER = "chatmon.policies.hooks.balance_settings"
LEDGER_ADMISSION_HOOKS = ["chatmon.policies.hooks.admit"]
VIOLATIONS_RATE_LIMIT_OVERRIDE = "chatmon.policies.hooks.rate_limit"
