"""redact_value(value): deep, non-mutating redaction with LibreChat's key rules and limits."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.test import override_settings

from chatmon.logging import redact_value
from chatmon.logging.redaction import MAX_DEPTH, MAX_ENTRIES, TRUNCATED_KEY


def test_it_replaces_sensitive_keys_wholesale_case_insensitively():
    value = {
        "Authorization": "Basic abc",
        "X-API-Key": "k",
        "apiKey": "k",
        "access_token": "t",
        "refreshToken": "t",
        "id-token": "t",
        "TOKEN": "t",
        "secret": {"nested": "whole value goes"},
        "password": "p",
        "token_type": "prompt",
        "tokens": 12,
    }
    redacted = redact_value(value)
    assert all(redacted[key] == "[REDACTED]" for key in list(value)[:9])
    assert redacted["token_type"] == "prompt"
    assert redacted["tokens"] == 12


def test_it_redacts_strings_in_nested_metadata_without_mutating_it():
    value = {"request": {"headers": [{"name": "x", "value": "Bearer abc"}], "url": "/v1?key=abc"}, "n": 3}
    original = copy.deepcopy(value)
    redacted = redact_value(value)
    assert redacted == {
        "request": {"headers": [{"name": "x", "value": "Bearer [REDACTED]"}], "url": "/v1?key=[REDACTED]"},
        "n": 3,
    }
    assert value == original


def test_it_cuts_containers_at_fifty_entries_with_a_marker():
    redacted = redact_value({f"k{i}": i for i in range(MAX_ENTRIES + 5)})
    assert len(redacted) == MAX_ENTRIES + 1
    assert redacted[TRUNCATED_KEY] == "Additional object properties omitted"
    items = redact_value(list(range(MAX_ENTRIES + 5)))
    assert items[-1] == "Additional array values omitted" and len(items) == MAX_ENTRIES + 1
    values = redact_value(set(range(MAX_ENTRIES + 5)))
    assert "Additional set values omitted" in values


def test_it_stops_at_the_depth_limit_and_on_cycles():
    deep: dict = {}
    node = deep
    for _ in range(MAX_DEPTH + 2):
        node["child"] = {}
        node = node["child"]
    redacted = redact_value(deep)
    for _ in range(MAX_DEPTH - 1):
        redacted = redacted["child"]
    assert redacted["child"] == "[REDACTED]"
    loop: list = ["Bearer abc"]
    loop.append(loop)
    assert redact_value(loop) == ["Bearer [REDACTED]", "[Circular]"]


def test_it_cuts_long_strings_and_large_buffers():
    with override_settings(CONSOLE_JSON_STRING_LENGTH=10):
        long = "Bearer abc " + "x" * 9000
        assert redact_value(long) == f"Bearer [REDACTED] {'x' * (8192 - 11)}... [truncated {len(long) - 8192} chars]"
        assert redact_value(b"y" * 9000) == "[REDACTED Buffer 9000 bytes]"
        assert redact_value(b"key=abc") == "key=[REDACTED]"


def test_it_clones_errors_and_redacts_their_causes():
    try:
        try:
            raise KeyError("sk-inner")
        except KeyError as inner:
            error = ValueError("bad Bearer abc")
            error.password = "p"
            error.detail = "url?key=abc"
            raise error from inner
    except ValueError as error:
        caught = error
    redacted = redact_value(caught)
    assert redacted is not caught
    assert str(redacted) == "bad Bearer [REDACTED]"
    assert redacted.password == "[REDACTED]" and redacted.detail == "url?key=[REDACTED]"
    assert redacted.__cause__.args == ("sk-[REDACTED]",)
    assert str(caught) == "bad Bearer abc" and caught.password == "p"
    assert redacted.__traceback__ is caught.__traceback__


def test_it_stringifies_urls_and_dataclasses_and_keeps_plain_values():
    @dataclass
    class Call:
        url: str
        api_key: str

    assert redact_value(urlsplit("https://x.test/?key=abc")) == "https://x.test/?key=[REDACTED]"
    assert redact_value(Call(url="/?key=abc", api_key="k")) == {"url": "/?key=[REDACTED]", "api_key": "[REDACTED]"}
    assert redact_value((1, 2.5, None, True)) == (1, 2.5, None, True)
