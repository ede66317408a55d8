"""When the provider fails part way, the stream ends with LibreChat's SSE error event and the reply is kept."""

from __future__ import annotations

from examples.chatapp.models import Message
from tests.chatapp.support import events_of


def test_it_ends_the_stream_with_librechats_error_event(member_api, settings):
    settings.CHATAPP_FAKE_FAILURE_RATE = 1.0
    response = member_api.post("chat", {"model": "gpt-4o", "text": "this one fails"})
    assert response.status_code == 200  # LibreChat sets no status: the error travels in the stream
    events = events_of(response)
    error = events[-1]
    assert error.event == "error"
    assert [e.event for e in events[:-1]] == ["message"] * (len(events) - 1)
    question = Message.objects.get(role="user")
    answer = Message.objects.get(role="assistant")
    assert error.data == {
        "sender": "gpt-4o",
        "messageId": str(answer.id),
        "parentMessageId": str(question.id),
        "conversationId": str(answer.conversation_id),
        "unfinished": False,
        "error": True,
        "final": True,
        "text": error.data["text"],
        "isCreatedByUser": False,
    }
    assert "fake provider failure" in error.data["text"]
    assert answer.status == "error"
    assert answer.text == "".join(e.data["text"] for e in events[1:-1])
