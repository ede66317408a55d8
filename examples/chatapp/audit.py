"""The chat app's data in chatmon's audit log: conversation and message creates, updates and deletes.

Message text is never stored in the audit log: only its length and SHA-256 (`digest`).
"""

from __future__ import annotations

import auditlog
from examples.chatapp.models import Conversation, Message


def track_chat_data() -> None:
    auditlog.track_model_changes(Conversation, exclude=["created_at", "updated_at"], subject="user_id")
    auditlog.track_model_changes(Message, exclude=["created_at"], digest=["text"], subject="conversation.user_id")
