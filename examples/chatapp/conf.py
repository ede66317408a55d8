"""chatapp settings, read at call time so that `override_settings` works and the app runs without chatmon.

Every setting has the `CHATAPP_` prefix and a default that suits a laptop; chatmon/settings/chatapp.py maps
environment variables of the same names onto them.
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS: dict[str, object] = {
    # Milliseconds the fake provider waits before each chunk, so streams look like a real provider's.
    "CHATAPP_FAKE_DELAY_MS": 20,
    # Share of inputs (0..1) for which the fake provider fails part way; chosen by a hash of the input.
    "CHATAPP_FAKE_FAILURE_RATE": 0.0,
    # Whether each model fails as its profile says (provider.PROFILES: rate limits, timeouts, errors); the
    # demo turns it on so the Models page shows models differing, tests leave it off to stay predictable.
    "CHATAPP_FAKE_MODEL_FAILURES": False,
    # Models the chat accepts; anything else is a 400 naming the field.
    "CHATAPP_MODELS": ["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku", "claude-sonnet-4"],
    # Largest max_tokens a request may ask for, and the value used when it asks for none.
    "CHATAPP_MAX_TOKENS_LIMIT": 4096,
    "CHATAPP_DEFAULT_MAX_TOKENS": 512,
    # Longest chat message accepted, in characters.
    "CHATAPP_MAX_TEXT_CHARS": 20000,
    # Conversations per page of GET /api/conversations.
    "CHATAPP_PAGE_SIZE": 50,
    # Whether `load_demo` may create the demo users (their passwords are public); off in production.
    "CHATAPP_DEMO_DATA": True,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
