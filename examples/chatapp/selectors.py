"""Every read of the chat app. A conversation is only ever found through its owner."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from examples.chatapp.models import Conversation, Message


def conversations_of(user: AbstractBaseUser) -> QuerySet[Conversation]:
    return Conversation.objects.filter(user=user).order_by("-updated_at")


def conversation_of(*, user: AbstractBaseUser, pk: uuid.UUID) -> Conversation:
    """The user's conversation, or Http404: another user's conversation does not exist for this one."""
    return get_object_or_404(Conversation, pk=pk, user=user)


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.order_by("created_at")


def login_name(identifier: str) -> str:
    """The user name to authenticate: the one registered with `identifier` when it is an email address.

    An unknown address is returned unchanged, so authentication still fails (and signals it) as usual.
    """
    if "@" not in identifier:
        return identifier
    User = get_user_model()
    found = User.objects.filter(email__iexact=identifier).values_list(User.USERNAME_FIELD, flat=True).first()
    return found or identifier
