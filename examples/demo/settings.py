"""The demo project (`make run`, the tests): chatmon's own project plus the example chat app.

chatmon's project settings (`chatmon.settings`) know nothing of the chat app; this module installs it, maps
its CHATAPP_* environment variables (defaults in examples/chatapp/conf.py) and tells the violations app
which of its URL names the rate limiters and guards apply to, as a chat app of your own would.
"""

from __future__ import annotations

from chatmon.settings import *  # noqa: F403
from chatmon.settings import INSTALLED_APPS, VIOLATIONS_LOGIN_URL_NAMES
from chatmon.settings.env import PRODUCTION, env
from violations.conf import is_enabled

INSTALLED_APPS = [*INSTALLED_APPS, "examples.chatapp"]
ROOT_URLCONF = "examples.demo.urls"

CHATAPP_FAKE_DELAY_MS = env.int("CHATAPP_FAKE_DELAY_MS", default=20)
CHATAPP_FAKE_FAILURE_RATE = env.float("CHATAPP_FAKE_FAILURE_RATE", default=0.0)
CHATAPP_FAKE_MODEL_FAILURES = env.bool("CHATAPP_FAKE_MODEL_FAILURES", default=False)
# acme-llm-1 is in no price table: the demo's unpriced model, charged the default rate (Usage, "Models without
# a price").
CHATAPP_MODELS = env.list(
    "CHATAPP_MODELS", default=["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku", "claude-sonnet-4", "acme-llm-1"]
)
CHATAPP_MAX_TOKENS_LIMIT = env.int("CHATAPP_MAX_TOKENS_LIMIT", default=4096)
CHATAPP_DEFAULT_MAX_TOKENS = env.int("CHATAPP_DEFAULT_MAX_TOKENS", default=512)
CHATAPP_MAX_TEXT_CHARS = env.int("CHATAPP_MAX_TEXT_CHARS", default=20000)
CHATAPP_PAGE_SIZE = env.int("CHATAPP_PAGE_SIZE", default=50)
# The demo users' passwords are published in docs/chatapp.md, so production never creates them.
CHATAPP_DEMO_DATA = env.bool("CHATAPP_DEMO_DATA", default=not PRODUCTION)

# --- group policies (docs/policies.md): the demo's users get their groups from a role claim at each sign-in
POLICIES_CLAIM_GROUPS = env.json("POLICIES_CLAIM_GROUPS", default={"staff": "staff", "trial": "trial"})
POLICIES_CLAIMS_READER = env.str("POLICIES_CLAIMS_READER", default="examples.chatapp.roles.claims_of")

# --- where the violations app's limiters and guards apply (URL names; a chat app of your own lists its own)
VIOLATIONS_ROUTE_LIMITERS = {
    "chatapp:login": ["login"],
    "chatapp:register": ["register"],
    "chatapp:password_reset": ["reset_password"],
    "chatapp:password_reset_confirm": ["reset_password_submission"],
    "chatapp:chat": ["message_ip", "message_user"],
}
VIOLATIONS_CONCURRENT_URL_NAMES = ["chatapp:chat"]
VIOLATIONS_STREAMING_URL_NAMES = ["chatapp:chat"]
# LibreChat refuses (and with the default score bans) every non-browser chat request; here it is opt-in.
VIOLATIONS_NON_BROWSER_URL_NAMES = ["chatapp:chat"] if is_enabled(env.str("NON_BROWSER_CHECK", default="")) else []
VIOLATIONS_LOGIN_URL_NAMES = ["chatapp:login", *VIOLATIONS_LOGIN_URL_NAMES]

# --- LOADGEN=1 make run: a demo that fills every page. The simulated users arrive from distinct addresses in
# X-Forwarded-For, as behind a reverse proxy, so the server trusts one proxy hop (else they all share
# 127.0.0.1 and the per-IP login limit refuses nearly everyone); balances, bans and auto-refill are on so that
# abusers get banned and heavy users run out of credits and are refilled. Each switch yields to its variable.
LOADGEN = env.str("LOADGEN", default="") not in ("", "0", "false")
if LOADGEN and not PRODUCTION:
    from chatmon.settings import LOGGING, VIOLATIONS_TRUSTED_PROXIES

    VIOLATIONS_TRUSTED_PROXIES = VIOLATIONS_TRUSTED_PROXIES or 1
    LEDGER_BALANCE_ENABLED = is_enabled(env.str("CHECK_BALANCE", default="true"))
    LEDGER_START_BALANCE = env.float("START_BALANCE", default=20000)  # about 20 chats: some users run dry
    LEDGER_AUTO_REFILL_ENABLED = is_enabled(env.str("LEDGER_AUTO_REFILL_ENABLED", default="true"))
    LEDGER_REFILL_INTERVAL_VALUE = env.int("LEDGER_REFILL_INTERVAL_VALUE", default=2)
    LEDGER_REFILL_INTERVAL_UNIT = env.str("LEDGER_REFILL_INTERVAL_UNIT", default="minutes")
    LEDGER_REFILL_AMOUNT = env.float("LEDGER_REFILL_AMOUNT", default=20000)
    VIOLATIONS_BAN_ENABLED = is_enabled(env.str("BAN_VIOLATIONS", default="true"))
    # The heavy spender's "a user spent over 0.10" incident also logs a spend_anomaly violation (score 0: listed
    # on Abuse and User 360, never a ban; docs/alerting.md, "Spend anomaly violations").
    ALERTING_SPEND_ANOMALY_VIOLATIONS = is_enabled(env.str("ALERTING_SPEND_ANOMALY_VIOLATIONS", default="true"))
    # Refused requests are what the demo is about: they are counted on the dashboards and in loadgen's
    # progress line, so Django's one warning per 4xx response ("Too Many Requests: ...") stays off the
    # console; server errors (5xx) still log.
    LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django.request": {"level": "ERROR"}}}
