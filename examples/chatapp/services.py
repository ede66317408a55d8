"""Every write of the chat app: keyword-only, atomic, the only place that changes its rows."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from examples.chatapp.models import Conversation, Message
from examples.chatapp.provider import TokenUsage, count_prompt_tokens

TITLE_LENGTH = 60


class Conflict(Exception):
    """The value of `field` belongs to another account already."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} already taken")
        self.field = field


def register_user(*, username: str, email: str, password: str) -> AbstractBaseUser:
    User = get_user_model()
    user = User(username=username, email=User.objects.normalize_email(email))
    # Hash before the transaction: hashing takes a good part of a second, and SQLite's write lock is held
    # from the start of an IMMEDIATE transaction.
    user.set_password(password)
    try:
        with transaction.atomic():
            # Both checks ignore case, so "Alice" cannot register beside "alice" and confuse logins.
            if User.objects.filter(username__iexact=username).exists():
                raise Conflict("username")
            if User.objects.filter(email__iexact=user.email).exists():
                raise Conflict("email")
            user.save()
    except IntegrityError as exc:  # a concurrent registration of the same name won the race
        raise Conflict("username") from exc
    return user


def set_password(*, user: AbstractBaseUser, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


def start_conversation(*, user: AbstractBaseUser, model: str, title: str = "") -> Conversation:
    return Conversation.objects.create(user=user, model=model, title=title[:TITLE_LENGTH])


def update_conversation(*, conversation: Conversation, changes: dict) -> Conversation:
    for name, value in changes.items():
        setattr(conversation, name, value)
    conversation.save(update_fields=[*changes, "updated_at"])
    return conversation


def delete_conversation(*, conversation: Conversation) -> None:
    conversation.delete()


@transaction.atomic
def add_user_message(*, conversation: Conversation, text: str, model: str) -> Message:
    """Save the user's turn; the conversation moves to the top of the list and follows the model used last."""
    message = Message.objects.create(
        conversation=conversation,
        role=Message.Role.USER,
        text=text,
        model=model,
        prompt_tokens=count_prompt_tokens(text),
    )
    conversation.model = model
    conversation.title = conversation.title or text[:TITLE_LENGTH]
    conversation.save(update_fields=["model", "title", "updated_at"])
    return message


def save_reply(
    *, conversation: Conversation, message_id: uuid.UUID, text: str, usage: TokenUsage, status: str
) -> Message:
    return Message.objects.create(
        id=message_id,
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text=text,
        model=usage.model,
        status=status,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
    )
