"""JSON shapes of the chat app's rows, as the API and the event stream send them."""

from __future__ import annotations

from examples.chatapp.models import Conversation, Message


def conversation(c: Conversation) -> dict:
    return {
        "id": c.id,
        "title": c.title,
        "model": c.model,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def message(m: Message) -> dict:
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "role": m.role,
        "text": m.text,
        "model": m.model,
        "status": m.status,
        "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens,
        "created_at": m.created_at,
    }
