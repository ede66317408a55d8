"""The chat app's JSON API. Other apps refer to these routes by name (`chatapp:login`, `chatapp:chat`, ...)."""

from __future__ import annotations

from django.urls import path

from examples.chatapp.views import auth, chat, conversations, feedback, usage

app_name = "chatapp"

urlpatterns = [
    path("api/auth/register", auth.register, name="register"),
    path("api/auth/login", auth.login_view, name="login"),
    path("api/auth/logout", auth.logout_view, name="logout"),
    path("api/auth/password-reset", auth.password_reset, name="password_reset"),
    path("api/auth/password-reset/confirm", auth.password_reset_confirm, name="password_reset_confirm"),
    path("api/conversations", conversations.conversations, name="conversations"),
    path("api/conversations/<uuid:pk>", conversations.conversation, name="conversation"),
    path("api/conversations/<uuid:pk>/messages", conversations.messages, name="messages"),
    path("api/chat/", chat.chat, name="chat"),
    # The signed-in user's own pages (HTML): usage and cap, and a conversation with the cost under each reply.
    path("usage/", usage.usage_page, name="usage_page"),
    path("conversations/<uuid:pk>/", usage.conversation_page, name="conversation_page"),
    path("api/messages/<uuid:conversation_id>/<uuid:message_id>/feedback", feedback.feedback, name="feedback"),
]
