"""API fixtures: keys with chosen scopes, a JSON client that sends them, balances and bans switched on."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from chatmon.api import keys
from chatmon.api.models import Scope
from violations import store
from violations.banview import view

ALL_SCOPES = list(Scope.values)


@dataclass
class Api:
    """A test client speaking JSON to /api/v1/ with one key (or none)."""

    secret: str | None
    client: Client

    def headers(self, extra: dict) -> dict:
        auth = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**auth, **extra}

    def post(self, path: str, body=None, **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return self.client.post(
            f"/api/v1/{path}", data=data, content_type="application/json", headers=self.headers(headers)
        )

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(f"/api/v1/{path}", params or {}, headers=self.headers(headers))


@pytest.fixture
def make_api(db):
    """make_api(*scopes, **key_fields) -> Api using a new key with those scopes; make_api(None) sends no key."""
    counter = iter(range(1000))

    def make(*scopes, **fields) -> Api:
        if scopes == (None,):
            return Api(None, Client())
        _, secret = keys.create_key(name=f"test-key-{next(counter)}", scopes=list(scopes), **fields)
        return Api(secret, Client())

    return make


@pytest.fixture
def api(make_api) -> Api:
    """A key with every scope."""
    return make_api(*ALL_SCOPES)


@pytest.fixture(autouse=True)
def clean_violations():
    """Violation counters and the ban view start empty in every test."""
    connection = store.client()
    stale = list(connection.scan_iter(match=store.key("*"), count=1000))
    if stale:
        connection.delete(*stale)
    view.reset()
    yield
    view.reset()
