"""Conversation CRUD: create, list (newest first, paged), read, rename, delete."""

from __future__ import annotations

from examples.chatapp.models import Conversation


def test_it_creates_and_lists_conversations_newest_first(member_api, member):
    first = member_api.post("conversations", {"title": "First", "model": "gpt-4o"})
    second = member_api.post("conversations", {"title": "Second", "model": "claude-sonnet-4"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["model"] == "claude-sonnet-4"
    listing = member_api.get("conversations").json()
    assert [c["title"] for c in listing["conversations"]] == ["Second", "First"]
    assert (listing["count"], listing["page"], listing["pages"]) == (2, 1, 1)
    assert Conversation.objects.filter(user=member).count() == 2


def test_it_pages_the_list(member_api, settings):
    settings.CHATAPP_PAGE_SIZE = 2
    for n in range(3):
        member_api.post("conversations", {"title": f"c{n}", "model": "gpt-4o"})
    page_two = member_api.client.get(member_api.url("conversations"), {"page": 2}).json()
    assert [c["title"] for c in page_two["conversations"]] == ["c0"]
    assert page_two["pages"] == 2


def test_it_reads_renames_and_deletes_a_conversation(member_api):
    pk = member_api.post("conversations", {"title": "Draft", "model": "gpt-4o"}).json()["id"]
    assert member_api.get("conversation", pk=pk).json()["title"] == "Draft"

    renamed = member_api.patch("conversation", {"title": "Final"}, pk=pk)
    assert renamed.status_code == 200
    assert (renamed.json()["title"], renamed.json()["model"]) == ("Final", "gpt-4o")

    assert member_api.delete("conversation", pk=pk).status_code == 204
    assert member_api.get("conversation", pk=pk).status_code == 404
    assert not Conversation.objects.filter(pk=pk).exists()


def test_it_lists_a_conversations_messages_in_order(member_api):
    events = member_api.chat(model="gpt-4o", text="first question")
    pk = events[-1].data["conversation"]["id"]
    member_api.chat(model="gpt-4o", text="second question", conversation_id=pk)
    messages = member_api.get("messages", pk=pk).json()["messages"]
    assert [(m["role"], m["text"][:15]) for m in messages[::2]] == [
        ("user", "first question"),
        ("user", "second question"),
    ]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
