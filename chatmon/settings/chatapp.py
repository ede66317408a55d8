"""examples/chatapp: environment variables mapped onto its CHATAPP_* settings (defaults in its conf.py)."""

from __future__ import annotations

from chatmon.settings.env import PRODUCTION, env

CHATAPP_FAKE_DELAY_MS = env.int("CHATAPP_FAKE_DELAY_MS", default=20)
CHATAPP_FAKE_FAILURE_RATE = env.float("CHATAPP_FAKE_FAILURE_RATE", default=0.0)
CHATAPP_MODELS = env.list("CHATAPP_MODELS", default=["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku", "claude-sonnet-4"])
CHATAPP_MAX_TOKENS_LIMIT = env.int("CHATAPP_MAX_TOKENS_LIMIT", default=4096)
CHATAPP_DEFAULT_MAX_TOKENS = env.int("CHATAPP_DEFAULT_MAX_TOKENS", default=512)
CHATAPP_MAX_TEXT_CHARS = env.int("CHATAPP_MAX_TEXT_CHARS", default=20000)
CHATAPP_PAGE_SIZE = env.int("CHATAPP_PAGE_SIZE", default=50)
# The demo users' passwords are published in docs/chatapp.md, so production never creates them.
CHATAPP_DEMO_DATA = env.bool("CHATAPP_DEMO_DATA", default=not PRODUCTION)
