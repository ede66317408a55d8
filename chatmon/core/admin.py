"""Admin for job run history (read-only, newest first), and the periodic tasks' "Last run" read from it."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.dateformat import format as date_format

from chatmon.core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("task", "started", "status", "duration_ms", "finished")
    list_filter = ("status", "task")
    search_fields = ("task", "task_id", "request_id", "error")
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="started", ordering="started_at")
    def started(self, run: JobRun) -> str:
        return seconds(run.started_at)

    @admin.display(description="finished", ordering="finished_at")
    def finished(self, run: JobRun) -> str:
        return seconds(run.finished_at)


def seconds(moment) -> str:
    # Jobs run every minute: the admin's minute precision would show each run twice as "5:50".
    return date_format(timezone.localtime(moment), "Y-m-d H:i:s") if moment else "-"


if apps.is_installed("django_celery_beat"):
    from django_celery_beat.admin import PeriodicTaskAdmin
    from django_celery_beat.models import PeriodicTask

    class JobPeriodicTaskAdmin(PeriodicTaskAdmin):
        """django-celery-beat's list with "Last run" filled from chatmon's JobRun rows: the DatabaseScheduler
        writes last_run_at only on its periodic sync and loses it when the schedule reloads, while every run
        of a chatmon job leaves a JobRun row (started_at) the moment it starts."""

        list_display = [name if name != "last_run_at" else "last_run" for name in PeriodicTaskAdmin.list_display]

        def get_queryset(self, request):
            latest = JobRun.objects.filter(task=OuterRef("task")).order_by("-started_at").values("started_at")[:1]
            return super().get_queryset(request).annotate(job_last_run=Subquery(latest))

        @admin.display(description="last run", ordering="job_last_run")
        def last_run(self, task: PeriodicTask) -> str:
            moments = [moment for moment in (task.last_run_at, task.job_last_run) if moment]
            return seconds(max(moments)) if moments else "-"

    admin.site.unregister(PeriodicTask)
    admin.site.register(PeriodicTask, JobPeriodicTaskAdmin)
