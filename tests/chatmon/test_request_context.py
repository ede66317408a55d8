"""The request context: request ids, and the user it names without a session lookup for cookie-less callers
(AnonymousCallerMiddleware)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = [pytest.mark.urls("tests.monitoring.urls"), pytest.mark.django_db]


def test_it_echoes_a_plain_request_id_and_makes_one_otherwise():
    client = Client()
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"})["X-Request-ID"] == "abc-123"
    made = {client.get("/healthz", headers={"X-Request-ID": "bad id\n"})["X-Request-ID"] for _ in range(50)}
    assert len(made) == 50 and all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in made)


def test_a_caller_without_a_session_is_anonymous_without_touching_the_session():
    response = Client().get("/t/items/1")
    assert response.status_code == 200
    # The session was never read, so the response does not vary on the cookie it did not have.
    assert "Cookie" not in response.get("Vary", "")


def test_a_caller_with_a_session_is_looked_up_as_before(member):
    client = Client()
    client.force_login(member)
    response = client.get("/t/items/1")
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]


def test_it_leaves_a_user_that_another_middleware_set_alone(rf, member):
    from django.contrib.sessions.backends.db import SessionStore

    from chatmon.core.middleware import AnonymousCallerMiddleware

    request = rf.get("/t/items/1")
    request.session = SessionStore()  # no session key: a caller without a cookie
    request.user = member  # a token or remote-user middleware's user, not Django's lazy one
    AnonymousCallerMiddleware(lambda request: None)(request)
    assert request.user is member
