"""A client that goes away part way still gets its reply saved, with the text and usage produced so far."""

from __future__ import annotations

import time

import pytest
import requests
from django.urls import reverse

from examples.chatapp.models import Message
from examples.chatapp.provider import FakeStream

# The server's close() ends the request, which closes database connections: that needs real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


def test_it_saves_the_partial_reply_when_the_stream_is_closed_part_way(member_api):
    response = member_api.post("chat", {"model": "gpt-4o", "text": "a long answer please", "max_tokens": 100})
    stream = iter(response.streaming_content)
    next(stream)  # the user's message
    first_chunk = next(stream)
    response.close()  # what the WSGI server does when the client disconnects

    answer = Message.objects.get(role="assistant")
    assert answer.status == "disconnected"
    assert answer.text and answer.text in first_chunk.decode()
    assert answer.completion_tokens == len(answer.text.split())
    assert answer.prompt_tokens == 5


def test_it_saves_an_empty_reply_when_the_client_left_before_the_first_chunk(member_api):
    response = member_api.post("chat", {"model": "gpt-4o", "text": "never mind"})
    response.close()
    answer = Message.objects.get(role="assistant")
    assert (answer.status, answer.text, answer.completion_tokens) == ("disconnected", "", 0)


def test_it_saves_a_completed_reply_once(member_api):
    response = member_api.post("chat", {"model": "gpt-4o", "text": "complete me"})
    b"".join(response.streaming_content)
    response.close()
    assert list(Message.objects.filter(role="assistant").values_list("status", flat=True)) == ["complete"]


def test_it_saves_the_partial_reply_when_a_real_http_client_hangs_up(live_server, member, settings):
    settings.CHATAPP_FAKE_DELAY_MS = 50
    session = requests.Session()
    login = {"username": "member", "password": "member-pass-1"}
    assert session.post(live_server.url + reverse("chatapp:login"), json=login).status_code == 200
    text, full_length = long_reply_prompt()
    with session.post(
        live_server.url + reverse("chatapp:chat"), json={"model": "gpt-4o", "text": text}, stream=True
    ) as response:
        lines = response.iter_lines()
        while b'"text"' not in next(lines):
            pass
    # The server notices on its next write; the reply is then saved with what had been produced.
    deadline = time.monotonic() + 10
    while not Message.objects.filter(role="assistant").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    answer = Message.objects.get(role="assistant")
    assert answer.status == "disconnected"
    assert 0 < answer.completion_tokens < full_length


def long_reply_prompt() -> tuple[str, int]:
    """An input the provider answers in at least 25 chunks (over a second at 50 ms a chunk), and its length."""
    for n in range(1000):
        stream = FakeStream(model="gpt-4o", text=f"tell me more {n}", max_tokens=512)
        if len(stream.chunks) >= 25:
            return f"tell me more {n}", len(" ".join(stream.chunks).split())
    raise AssertionError("no input gives a long reply")
