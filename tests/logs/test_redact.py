"""redact(text, trim_length): LibreChat's newest redactMessage patterns, word boundaries and trimming."""

from __future__ import annotations

import json

import pytest

from chatmon.logging import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key sk-abc123_DEF-x end", "key sk-[REDACTED] end"),
        ("Authorization: Bearer eyJhbGci.x.y", "Authorization: Bearer [REDACTED]"),
        ('{"header": "Bearer tok123"}', '{"header": "Bearer [REDACTED]"}'),
        ("api-key: abc123", "api-key: [REDACTED]"),
        ("API-KEY abc123", "api-key: [REDACTED]"),
        ("https://x.test/v1?api_key=abc&model=gpt", "https://x.test/v1?api_key=[REDACTED]&model=gpt"),
        ("https://x.test/v1?key=abc&key=def&q=1", "https://x.test/v1?key=[REDACTED]&key=[REDACTED]&q=1"),
        (
            "https://x.test/cb?code=1&access_token=abc&state=2",
            "https://x.test/cb?code=1&access_token=[REDACTED]&state=2",
        ),
        ("login?user=bob&password=hunter2", "login?user=bob&password=[REDACTED]"),
    ],
)
def test_it_redacts_every_pattern(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", ["monkey=banana", "task-abc123", "a donkey=1", "mask-value", "tokens=5"])
def test_it_leaves_words_that_only_contain_a_pattern(text):
    assert redact(text) == text


def test_it_redacts_inside_json_strings_and_keeps_them_valid_json():
    payload = json.dumps({"url": "https://x.test/?key=abc", "header": "Bearer xyz", "note": "sk-live-123"})
    assert json.loads(redact(payload)) == {
        "url": "https://x.test/?key=[REDACTED]",
        "header": "Bearer [REDACTED]",
        "note": "sk-[REDACTED]",
    }


def test_it_redacts_every_occurrence():
    assert redact("sk-one then sk-two") == "sk-[REDACTED] then sk-[REDACTED]"


@pytest.mark.parametrize("falsy", [None, "", 0])
def test_it_returns_an_empty_string_for_falsy_input(falsy):
    assert redact(falsy) == ""


def test_it_trims_after_redacting():
    assert redact("Bearer abcdefghijkl rest", trim_length=10) == "Bearer [RE..."
    assert redact("short", trim_length=10) == "short"
