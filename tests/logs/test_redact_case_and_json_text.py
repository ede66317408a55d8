"""Header names, schemes and JSON keys are matched whatever their case, and inside serialized JSON text."""

from __future__ import annotations

import json
import logging

import pytest

from chatmon.logging import redact

SECRET = "hunter2-secret-value"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"authorization: bearer {SECRET}", "authorization: bearer [REDACTED]"),
        (f"AUTHORIZATION: BEARER {SECRET}", "AUTHORIZATION: BEARER [REDACTED]"),
        (f"authorization: basic {SECRET}", "authorization: basic [REDACTED]"),
        (f"proxy-authorization: {SECRET}", "proxy-authorization: [REDACTED]"),
        (f'{{"PassWord": "{SECRET}"}}', '{"PassWord": "[REDACTED]"}'),
        (f"{{'AUTHORIZATION': 'token {SECRET}'}}", "{'AUTHORIZATION': '[REDACTED]'}"),
    ],
)
def test_it_matches_header_names_schemes_and_keys_in_any_case(text, expected):
    assert redact(text) == expected


def test_it_redacts_a_json_string_inside_a_message():
    message = json.dumps({"password": SECRET, "user": "bob"})  # a chat message whose text is JSON
    body = json.dumps({"conversationId": "c-1", "text": message})
    redacted = redact(body)
    assert SECRET not in redacted
    assert json.loads(json.loads(redacted)["text"]) == {"password": "[REDACTED]", "user": "bob"}


def test_it_redacts_json_text_nested_twice_and_bare():
    twice = json.dumps({"request": json.dumps({"text": json.dumps({"Password": SECRET, "n": 1})})})
    assert SECRET not in redact(twice)
    assert json.loads(json.loads(json.loads(redact(twice))["request"])["text"])["Password"] == "[REDACTED]"
    bare = f'payload {{\\"apiKey\\": \\"{SECRET}\\", \\"model\\": \\"gpt\\"}}'
    assert redact(bare) == 'payload {\\"apiKey\\": \\"[REDACTED]\\", \\"model\\": \\"gpt\\"}'


def test_it_leaves_plain_json_text_readable():
    body = json.dumps({"text": json.dumps({"tokens": 12, "model": "gpt-4o"}), "note": 'say \\"hi\\"'})
    assert redact(body) == body


def test_no_such_secret_reaches_a_log_file(configure_logging):
    logs = configure_logging(debug_logging=True, console_level="silly")
    body = json.dumps({"text": json.dumps({"password": SECRET})})
    logging.getLogger("tests.logs").warning("request body %s", body)
    logging.getLogger("tests.logs").warning("headers: authorization: bearer %s", SECRET)
    assert SECRET not in logs.everything()
