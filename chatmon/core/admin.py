"""Admin for job run history: read-only, newest first."""

from __future__ import annotations

from django.contrib import admin

from chatmon.core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("task", "started_at", "status", "duration_ms", "finished_at")
    list_filter = ("status", "task")
    search_fields = ("task", "task_id", "request_id", "error")
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
