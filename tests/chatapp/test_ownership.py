"""A conversation exists only for its owner: everyone else gets 404 on every route that names it."""

from __future__ import annotations

import pytest

from examples.chatapp.models import Conversation, Message


@pytest.fixture
def others_conversation(other_api):
    return other_api.post("conversations", {"title": "Private", "model": "gpt-4o"}).json()["id"]


def test_it_hides_another_users_conversation_from_read_list_and_messages(member_api, others_conversation):
    assert member_api.get("conversation", pk=others_conversation).status_code == 404
    assert member_api.get("messages", pk=others_conversation).status_code == 404
    assert member_api.get("conversations").json()["conversations"] == []


def test_it_refuses_to_change_or_delete_another_users_conversation(member_api, others_conversation):
    response = member_api.patch("conversation", {"title": "Mine now"}, pk=others_conversation)
    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    assert member_api.delete("conversation", pk=others_conversation).status_code == 404
    assert Conversation.objects.get(pk=others_conversation).title == "Private"


def test_it_refuses_to_chat_into_another_users_conversation(member_api, others_conversation):
    response = member_api.post("chat", {"conversation_id": others_conversation, "model": "gpt-4o", "text": "hi"})
    assert response.status_code == 404
    assert not Message.objects.filter(conversation_id=others_conversation).exists()
