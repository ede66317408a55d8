"""auditlog.track_model_changes() on the chat app's models, through its HTTP API: create, update (diff) and
delete events; message text is kept only as its length and hash; bulk changes go through record_bulk()."""

from __future__ import annotations

import hashlib

from auditlog.models import AuditEvent
from auditlog.services import verify_chain
from auditlog.tracking import record_bulk
from examples.chatapp.models import Conversation, Message
from tests.auditlog.conftest import events, last_id

TEXT = "tell me a secret about token accounting"


def test_it_records_a_conversation_created_updated_and_deleted(member_api, member):
    start = last_id()
    pk = member_api.post("conversations", {"title": "First", "model": "gpt-4o"}).json()["id"]
    assert member_api.patch("conversation", {"title": "Renamed"}, pk=pk).status_code == 200
    assert member_api.patch("conversation", {"title": "Renamed"}, pk=pk).status_code == 200  # no change: no event
    assert member_api.delete("conversation", pk=pk).status_code == 204
    who = ("success", "member@example.com", member.pk)
    assert events(after=start) == [("chat.created", *who), ("chat.updated", *who), ("chat.deleted", *who)]
    created, updated, deleted = AuditEvent.objects.filter(id__gt=start).order_by("id")
    assert created.metadata["fields"] == {"user_id": member.pk, "title": digest("First"), "model": "gpt-4o"}
    assert updated.metadata == {"changes": {"title": [digest("First"), digest("Renamed")]}}
    assert (deleted.target_id, deleted.target_repr, deleted.ip) == (pk, f"conversation {pk}", "203.0.113.8")
    assert verify_chain().ok


def test_it_never_keeps_a_conversation_title_in_clear(member_api, member):
    """Titles are often the user's first message: digested in metadata, and left out of the target's name."""
    title = "my landlord's phone number is 555-0100"
    start = last_id()
    pk = member_api.post("conversations", {"title": title, "model": "gpt-4o"}).json()["id"]
    member_api.chat(model="gpt-4o", text=TEXT, max_tokens=16, conversation_id=pk)
    assert member_api.patch("conversation", {"title": f"{title}!"}, pk=pk).status_code == 200
    assert member_api.delete("conversation", pk=pk).status_code == 204
    rows = AuditEvent.objects.filter(id__gt=start)
    assert rows.filter(target_type__model="conversation").count() == 3
    # Created and deleted with the conversation; a message's str() shows its text.
    assert rows.filter(target_type__model="message").count() == 4
    for text in ("landlord", "555-0100", "secret"):
        assert not rows.filter(metadata__icontains=text).exists()
        assert not rows.filter(target_repr__icontains=text).exists()


def digest(text: str) -> dict:
    return {"length": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def test_it_keeps_only_the_length_and_hash_of_message_text(member_api, member):
    start = last_id()
    member_api.chat(model="gpt-4o", text=TEXT, max_tokens=16)
    user_message = Message.objects.get(role="user")
    event = AuditEvent.objects.get(id__gt=start, action="chat.created", target_id=str(user_message.pk))
    assert event.metadata["fields"]["text"] == {
        "length": len(TEXT),
        "sha256": hashlib.sha256(TEXT.encode()).hexdigest(),
    }
    assert event.subject_id == member.pk
    message_events = AuditEvent.objects.filter(target_type__model="message")
    assert message_events.count() == 2 and not message_events.filter(metadata__icontains="secret").exists()
    # The user's message, the conversation it started, and the assistant's reply.
    assert AuditEvent.objects.filter(id__gt=start, action="chat.created").count() == 3


def test_it_records_one_event_for_a_bulk_update(member):
    for n in range(3):
        Conversation.objects.create(user=member, model="gpt-4o", title=f"c{n}")
    start = last_id()
    queryset = Conversation.objects.filter(user=member)
    event = record_bulk(queryset, operation="update", changes={"model": "gpt-4o-mini"}, actor="job:migrate-models")
    queryset.update(model="gpt-4o-mini")
    assert events(after=start) == [("chat.bulk_changed", "success", "job:migrate-models", None)]
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.metadata["count"] == 3 and len(stored.metadata["ids"]) == 3
    assert stored.metadata["changes"] == {"model": "gpt-4o-mini"}
