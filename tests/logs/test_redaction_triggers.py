"""The redaction pre-check (chatmon.logging.redaction._may_match) never skips a string a pattern would change:
every match of every pattern contains one of the trigger literals."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chatmon.logging import redaction

# Fragments that make up secrets and near-misses, in both cases, with the characters patterns care about.
FRAGMENTS = [
    "sk-", "Bearer ", "bearer ", "Authorization: ", "proxy-authorization:", "api-key ", "API_KEY=", "key=", "Key=",
    "token=", "access_token=", "Secret=", "password=", "eyJ", "AKIA", "ASIA", "AROA", "ghp_", "github_pat_",
    "glpat-", "xoxb-", "hf_", "gsk_", "xai-", "r8_", "AIza", "sk_live_", "rk_test_", "Basic ", "abcdEFGH1234",
    "ABCDEFGHIJKLMNOP", "0123456789", ".", "-", "_", " ", "=", ":", '"', "'", "/", "+",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join))
def test_no_string_a_pattern_matches_is_skipped(text):
    if any(pattern.search(text) for pattern, _ in redaction._PATTERNS):
        assert redaction._may_match(text), text


def test_every_pattern_example_is_caught():
    for secret in (
        "Bearer abc.def",
        "authorization: basic Zm9vOmJhcg==",
        "AKIAABCDEFGHIJKLMNOP",
        "sk-abc",
        "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.sig",
        "AIzaSyA1234567890abcdefg",
        "sk_live_1234567890ab",
    ):
        assert redaction.redact(secret) != secret, secret  # fmt: skip
