"""POST /api/chat/ streams the fake provider's reply as LibreChat-style SSE and saves both messages."""

from __future__ import annotations

from examples.chatapp.models import Conversation, Message
from examples.chatapp.provider import FakeStream


def test_it_streams_chunks_then_a_final_event_with_the_usage(member_api, member):
    events = member_api.chat(model="gpt-4o", text="tell me about token accounting", max_tokens=64)
    created, *chunks, final = events
    assert created.event == "message" and created.data["created"] is True
    assert created.data["message"]["role"] == "user"
    assert chunks and all(e.event == "message" and "text" in e.data for e in chunks)
    assert final.event == "message" and final.data["final"] is True

    expected = FakeStream(model="gpt-4o", text="tell me about token accounting", max_tokens=64, delay_ms=0)
    expected_text = "".join(expected)
    assert "".join(e.data["text"] for e in chunks) == expected_text
    assert final.data["usage"] == expected.usage.provider_usage()
    assert final.data["responseMessage"]["text"] == expected_text

    conversation = Conversation.objects.get(user=member)
    assert str(conversation.id) == final.data["conversation"]["id"]
    assert conversation.title == "tell me about token accounting"
    question, answer = Message.objects.filter(conversation=conversation).order_by("created_at")
    assert (question.role, question.text, question.prompt_tokens) == ("user", "tell me about token accounting", 6)
    assert (answer.role, answer.status, answer.text) == ("assistant", "complete", expected_text)
    assert (answer.prompt_tokens, answer.completion_tokens) == (6, expected.usage.completion_tokens)
    assert str(answer.id) == final.data["responseMessage"]["id"] == chunks[0].data["messageId"]


def test_it_continues_an_existing_conversation_and_follows_its_model(member_api, member):
    pk = member_api.post("conversations", {"title": "Ongoing", "model": "gpt-4o"}).json()["id"]
    final = member_api.chat(conversation_id=pk, model="claude-3-5-haiku", text="and now?")[-1]
    assert final.data["conversation"]["id"] == pk
    conversation = Conversation.objects.get(pk=pk)
    assert (conversation.title, conversation.model) == ("Ongoing", "claude-3-5-haiku")
    assert conversation.messages.count() == 2


def test_it_reports_prompt_cache_fields_for_claude_models(member_api):
    final = member_api.chat(model="claude-sonnet-4", text="a question for the anthropic-style model")[-1]
    usage = final.data["usage"]
    assert set(usage) == {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"}
    prompt = final.data["responseMessage"]["prompt_tokens"]
    assert usage["input_tokens"] + usage["cache_creation_input_tokens"] + usage["cache_read_input_tokens"] == prompt
    assert usage["output_tokens"] == final.data["responseMessage"]["completion_tokens"]


def test_it_sets_the_event_stream_headers(member_api):
    response = member_api.post("chat", {"model": "gpt-4o", "text": "headers?"})
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response.streaming
    b"".join(response.streaming_content)
