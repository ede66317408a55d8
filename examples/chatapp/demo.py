"""Demo data: a few users with published passwords, each with conversations the fake provider answered.

Safe to run on every start: rows have fixed keys (user names, UUIDv5 conversation ids), so a second run
finds them with two queries and writes nothing.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction

from examples.chatapp import conf, services
from examples.chatapp.models import Conversation, Message
from examples.chatapp.provider import FakeStream

# Published in docs/chatapp.md: these accounts exist only where CHATAPP_DEMO_DATA is on (never in production).
DEMO_USERS = {"alice": "alice-demo-pass", "bob": "bob-demo-pass", "carol": "carol-demo-pass"}
NAMESPACE = uuid.UUID("6f1d2c1e-6a39-4d2b-9a57-0c3f1d5f7a10")
CONVERSATIONS = (
    ("Trip to Lisbon", ["Plan three days in Lisbon on a budget.", "Which neighbourhood should we stay in?"]),
    ("Python help", ["How do I read a CSV file with the csv module?", "And write one back out?"]),
)


def ensure_demo_data() -> dict[str, str]:
    """Create whatever demo rows are missing; returns the user names and passwords created by this call."""
    created = _ensure_users()
    users = get_user_model().objects.filter(username__in=DEMO_USERS)
    wanted = {
        _conversation_id(user.username, title): (user, title, texts) for user in users for title, texts in CONVERSATIONS
    }
    existing = set(Conversation.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    models = conf.get("CHATAPP_MODELS")
    for n, (pk, (user, title, texts)) in enumerate(sorted(wanted.items())):
        if pk not in existing:
            _create_conversation(pk, user, title, texts, models[n % len(models)])
    return created


def _ensure_users() -> dict[str, str]:
    User = get_user_model()
    present = set(User.objects.filter(username__in=DEMO_USERS).values_list("username", flat=True))
    created = {}
    for username, password in DEMO_USERS.items():
        if username not in present:
            services.register_user(username=username, email=f"{username}@example.com", password=password)
            created[username] = password
    return created


def _conversation_id(username: str, title: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{username}/{title}")


@transaction.atomic  # all or nothing: a later run only checks that the conversation exists
def _create_conversation(pk: uuid.UUID, user, title: str, texts: list[str], model: str) -> None:
    conversation = Conversation.objects.create(id=pk, user=user, title=title, model=model)
    for text in texts:
        services.add_user_message(conversation=conversation, text=text, model=model)
        reply = FakeStream(
            model=model, text=text, max_tokens=conf.get("CHATAPP_DEFAULT_MAX_TOKENS"), delay_ms=0, failure_rate=0
        )
        services.save_reply(
            conversation=conversation,
            message_id=uuid.uuid4(),
            text="".join(reply),
            usage=reply.usage,
            status=Message.Status.COMPLETE,
        )
