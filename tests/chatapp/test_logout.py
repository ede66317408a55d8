"""POST /api/auth/logout ends the session."""

from __future__ import annotations


def test_it_ends_the_session(member_api):
    assert member_api.get("conversations").status_code == 200
    response = member_api.post("logout")
    assert response.status_code == 200
    assert member_api.get("conversations").status_code == 401


def test_it_answers_401_when_nobody_is_logged_in(api):
    assert api.post("logout").status_code == 401
