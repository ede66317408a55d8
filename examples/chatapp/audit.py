"""The chat app's data in chatmon's audit log: conversation and message creates, updates and deletes.

Message text and conversation titles are never stored in the audit log: only their length and SHA-256
(`digest`); events name a conversation or a message by id, not by its str() (which shows the title or text).
"""

from __future__ import annotations

import auditlog
from examples.chatapp.models import Conversation, Message


def track_chat_data() -> None:
    # Titles are often the first user message: digested like message text.
    auditlog.track_model_changes(
        Conversation, exclude=["created_at", "updated_at"], digest=["title"], subject="user_id"
    )
    auditlog.track_model_changes(Message, exclude=["created_at"], digest=["text"], subject="conversation.user_id")
