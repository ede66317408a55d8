"""chatmon's widened rules: parameter names, value shapes, whole names (`auth_token=`) and URL paths."""

from __future__ import annotations

import pytest

from chatmon.logging import redact, redact_value
from chatmon.logging.redaction import is_sensitive_name, redact_path


@pytest.mark.parametrize(
    "name",
    ["apikey", "api_key", "auth_token", "jwt", "X-Amz-Signature", "X-Amz-Credential", "access_token", "password",
     "secret", "sessionid", "session_id", "credential", "authToken", "client_secret", "passwd", "Cookie",
     "HTTP_AUTHORIZATION", "csrftoken", "private_key", "sig", "X-Amz-Security-Token", "oauth_verifier"],
)  # fmt: skip
def test_it_knows_a_secret_by_its_parameter_name(name):
    assert is_sensitive_name(name)
    assert redact(f"/v1?q=1&{name}=s3cr3t&page=2") == f"/v1?q=1&{name}=[REDACTED]&page=2"


@pytest.mark.parametrize("name", ["monkey", "tokens", "max_tokens", "token_type", "author", "page", "model", "q"])
def test_it_leaves_names_that_only_look_like_secrets(name):
    assert not is_sensitive_name(name)
    assert redact(f"{name}=5") == f"{name}=5"


def test_it_judges_the_whole_name_so_auth_token_is_caught_without_a_word_boundary():
    assert redact("GET /x?auth_token=abc123") == "GET /x?auth_token=[REDACTED]"
    assert redact("<WSGIRequest: GET '/x?jwt=abc'>") == "<WSGIRequest: GET '/x?jwt=[REDACTED]'>"


def test_it_redacts_quoted_keys_in_json_and_reprs():
    assert redact('{"password": "hu\\"nter2", "user": "bob"}') == '{"password": "[REDACTED]", "user": "bob"}'
    assert redact("{'apiKey': 'k-1', 'model': 'gpt'}") == "{'apiKey': '[REDACTED]', 'model': 'gpt'}"


@pytest.mark.parametrize(
    "secret",
    ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
     "AKIAIOSFODNN7EXAMPLE", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "xoxb-123456789012-abcdefghijklmnop",
     "sk_live_abcdefghijklmnop1234", "AIzaSyA1234567890abcdefghijklmnopqrstu", "Basic dXNlcjpwYXNzd29yZA=="],
)  # fmt: skip
def test_it_knows_a_secret_by_its_shape(secret):
    assert secret not in redact(f"unnamed {secret} here")
    assert redact(f"unnamed {secret} here").startswith("unnamed ")


def test_it_replaces_values_under_any_secret_name_in_metadata():
    value = {"auth_token": "t", "sessionId": "s", "X-Amz-Signature": "x", "jwt": "j", "token_type": "prompt"}
    assert redact_value(value) == {
        "auth_token": "[REDACTED]", "sessionId": "[REDACTED]", "X-Amz-Signature": "[REDACTED]",
        "jwt": "[REDACTED]", "token_type": "prompt",
    }  # fmt: skip


def test_it_redacts_opaque_and_secret_shaped_path_segments():
    path = "/reset/c1w6ye-2f1e9c0e5d8a3b4c5d6e7f8a/AKIAIOSFODNN7EXAMPLE/how-to-configure/?token=abc"
    assert redact_path(path) == "/reset/[REDACTED]/[REDACTED]/how-to-configure/?token=[REDACTED]"
    assert redact_path("/api/items/12/") == "/api/items/12/"


def test_stored_details_keep_their_figures_and_lose_their_secrets():
    # redact_value also cleans what is stored (violation details, audit metadata): a key is a secret only when
    # its last word names one.
    details = {"token_cost": 5, "tokenCost": 3, "session_seconds": 10, "prompt_tokens": 7, "token_value": -1.5,
               "apiKey": "k-1", "new_password": "p-1", "auth_token": "t-1", "session_id": "s-1"}  # fmt: skip
    cleaned = redact_value(details)
    assert {k: cleaned[k] for k in ("token_cost", "tokenCost", "session_seconds", "prompt_tokens", "token_value")} == {
        "token_cost": 5, "tokenCost": 3, "session_seconds": 10, "prompt_tokens": 7, "token_value": -1.5,
    }  # fmt: skip
    assert {cleaned[k] for k in ("apiKey", "new_password", "auth_token", "session_id")} == {"[REDACTED]"}
