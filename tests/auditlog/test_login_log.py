"""Auth and account events also write a line to the login log file, through the login logger."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings as django_settings


def _login_lines() -> list[dict]:
    lines = []
    for path in Path(django_settings.LOG_DIR).glob("login*.log"):
        lines += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return lines


def test_it_writes_a_failed_login_to_the_login_file(api, member):
    before = len(_login_lines())
    assert api.post("login", {"username": "member", "password": "wrong"}).status_code == 401
    mine = [line for line in _login_lines()[before:] if line.get("event") == "auth.login_failed"]
    assert len(mine) == 1
    assert mine[0]["outcome"] == "failure" and mine[0]["audit_event_id"]
    assert "203.0.113.7" in json.dumps(mine[0])
