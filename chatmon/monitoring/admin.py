"""Admin for message feedback: read-only, for reading what users said about a model's replies."""

from __future__ import annotations

from django.contrib import admin

from chatmon.monitoring.models import MessageFeedback


@admin.register(MessageFeedback)
class MessageFeedbackAdmin(admin.ModelAdmin):
    """Ratings are written by record_feedback (which keeps the rollups' thumbs columns in step), never here."""

    list_display = ("created_at", "model", "provider", "rating", "tag", "text_start", "source", "message_id")
    list_filter = ("rating", "model", "provider", "tag", "source")
    search_fields = ("message_id", "text", "user_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [field.name for field in MessageFeedback._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A deleted row would leave its rating counted in the rollups; withdraw it through record_feedback.
        return False

    @admin.display(description="text")
    def text_start(self, feedback: MessageFeedback) -> str:
        return feedback.text if len(feedback.text) <= 80 else feedback.text[:79] + "…"
