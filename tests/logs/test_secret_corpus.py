"""A corpus of secrets shaped like real ones, sent through every channel a client has, reaches no log output.

Each secret goes through a header, a cookie, a query string or a JSON body of a request answered 2xx, 4xx or
5xx, and the long ones also through the path of a 404. The views in tests.logs.urls include careless ones
that log the query, headers, cookies and raw body, and one that raises with the body in its message. Every
file in the log folder (debug on) and the console are then searched for each secret and for its last 12
characters (a partial redaction is a leak too).
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import random
import string
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

pytestmark = [pytest.mark.urls("tests.logs.urls"), pytest.mark.django_db]

ALNUM = string.ascii_letters + string.digits
ROUTES = {  # path: expected status class
    "/api/careless/": 2,
    "/api/items/1/": 2,
    "/api/invalid/": 4,
    "/api/custom/": 4,
    "/html/missing/": 4,
    "/api/careless-boom/": 5,
    "/html/careless-boom/": 5,
    "/api/boom/1/": 5,
    "/html/boom/": 5,
}
QUERY_NAMES = (
    "apikey", "api_key", "auth_token", "jwt", "X-Amz-Signature", "access_token", "password", "secret",
    "sessionid", "credential", "token", "client_secret", "refresh_token", "X-Amz-Security-Token", "authToken",
)  # fmt: skip
BODY_KEYS = ("password", "token", "apiKey", "secret", "accessToken", "refresh_token", "client_secret", "sessionId")


def _text(rng: random.Random, length: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(rng: random.Random) -> str:
    claims = {"sub": _text(rng, 12), "iat": rng.randrange(1_700_000_000, 1_800_000_000)}
    header, payload = _b64(b'{"alg":"HS256","typ":"JWT"}'), _b64(json.dumps(claims).encode())
    return f"{header}.{payload}.{_b64(rng.randbytes(32))}"


KINDS: dict[str, Callable[[random.Random], str]] = {
    "jwt": _jwt,
    "openai": lambda rng: "sk-proj-" + _text(rng, 48),
    "anthropic": lambda rng: "sk-ant-api03-" + _text(rng, 80, ALNUM + "_-"),
    "aws_key": lambda rng: "AKIA" + _text(rng, 16, string.ascii_uppercase + string.digits),
    "github": lambda rng: "ghp_" + _text(rng, 36),
    "slack": lambda rng: f"xoxb-{_text(rng, 12, string.digits)}-{_text(rng, 13, string.digits)}-{_text(rng, 24)}",
    "bearer": lambda rng: _text(rng, 40, ALNUM + "-_."),
    "password": lambda rng: "Pw" + _text(rng, 14, ALNUM + "!$*()"),
    "session": lambda rng: _text(rng, 32, string.ascii_lowercase + string.digits),
    "aws_signature": lambda rng: _text(rng, 64, "0123456789abcdef"),
    "google": lambda rng: "AIza" + _text(rng, 35, ALNUM + "_-"),
    "stripe": lambda rng: "sk_live_" + _text(rng, 24),
}


def corpus(per_kind: int = 14) -> list[tuple[str, str]]:
    rng = random.Random(20260131)
    return [(kind, make(rng)) for kind in KINDS for _ in range(per_kind) for make in (KINDS[kind],)]


def send_all(client: Client, secrets: list[tuple[str, str]]) -> Iterator[int]:
    """Sends every secret once through a header, cookie, query or body channel, the long ones also in a path."""
    routes, channels = itertools.cycle(ROUTES), itertools.cycle(("header", "cookie", "query", "body"))
    names, keys = itertools.cycle(QUERY_NAMES), itertools.cycle(BODY_KEYS)
    for index, (kind, secret) in enumerate(secrets):
        route, channel = next(routes), next(channels)
        if kind == "bearer":
            channel = "header"
        if channel == "header":
            headers = {"Authorization": f"Bearer {secret}"} if index % 2 else {"X-Api-Key": secret}
            yield client.get(route, headers=headers).status_code
        elif channel == "cookie":
            client.cookies["sessionid" if index % 2 else "auth_token"] = secret
            yield client.get(route).status_code
            client.cookies.clear()
        elif channel == "query":
            yield client.get(f"{route}?q=1&{next(names)}={secret}&page=2").status_code
        else:
            body = json.dumps({"user": "bob", next(keys): secret, "model": "gpt-4o"})
            yield client.post(route, body, content_type="application/json").status_code
        if len(secret) >= 20 and "!" not in secret:
            yield client.get(f"/no/such/{secret}/").status_code


@pytest.mark.parametrize("console", ["plain", "json", "debug"])
def test_it_logs_none_of_150_secrets_sent_in_headers_cookies_queries_bodies_and_paths(configure_logging, console):
    # Long limits: a secret must be redacted, not merely cut off by the console's truncation.
    logs = configure_logging(
        debug_logging=True,
        console_level="silly",
        console_json=console == "json",
        json_string_length=100_000,
        debug_console=console == "debug",
        debug_message_length=100_000,
    )
    secrets = corpus()
    statuses = list(send_all(Client(raise_request_exception=False), secrets))
    logging.getLogger("tests.logs").info("done")

    output = logs.everything()
    found = [secret for _, secret in secrets if secret in output or secret[-12:] in output]
    print(f"{console}: {len(secrets)} secrets sent in {len(statuses)} requests, {len(found)} found in logs")
    assert len({secret for _, secret in secrets}) >= 150
    assert {status // 100 for status in statuses} == {2, 4, 5}
    assert {path.name.split("-")[0] for path in logs.files("*.log")} >= {"debug", "error"}
    assert "[REDACTED]" in output
    assert found == []
