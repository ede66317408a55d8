from __future__ import annotations

from django.contrib import admin

from examples.chatapp.models import Conversation, Message


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("created_at", "role", "status", "model", "prompt_tokens", "completion_tokens", "text")
    readonly_fields = fields
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "model", "updated_at")
    list_filter = ("model",)
    list_select_related = ("user",)
    search_fields = ("title", "user__username")
    date_hierarchy = "updated_at"
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "conversation", "role", "status", "model", "prompt_tokens", "completion_tokens")
    list_filter = ("role", "status", "model")
    list_select_related = ("conversation",)
    date_hierarchy = "created_at"
