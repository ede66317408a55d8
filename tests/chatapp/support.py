"""Helpers for the chat app's tests: a JSON API client and a server-sent events parser."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sseclient
from django.test import Client
from django.urls import reverse


@dataclass
class Event:
    event: str
    data: dict


def events_of(response) -> list[Event]:
    """Parse a streaming response's server-sent events (this closes the response, as a server would)."""
    assert response["Content-Type"].startswith("text/event-stream")
    return [Event(e.event, json.loads(e.data)) for e in sseclient.SSEClient(response.streaming_content).events()]


class Api:
    """The test client speaking the app's JSON, with routes named as the URLconf names them."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"chatapp:{name}", kwargs=kwargs or None)

    def post(self, name: str, data: dict | None = None, **kwargs):
        return self.client.post(self.url(name, **kwargs), json.dumps(data or {}), content_type="application/json")

    def patch(self, name: str, data: dict, **kwargs):
        return self.client.patch(self.url(name, **kwargs), json.dumps(data), content_type="application/json")

    def get(self, name: str, **kwargs):
        return self.client.get(self.url(name, **kwargs))

    def delete(self, name: str, **kwargs):
        return self.client.delete(self.url(name, **kwargs))

    def chat(self, **data) -> list[Event]:
        return events_of(self.post("chat", data))


@dataclass
class Outcome:
    """One request of an outage-under-load test: when it ended, what it was, its status, what it charged."""

    at: float
    kind: str
    status: int
    message_id: str | None = None
