"""Admin: rules and channels are editable; incidents are history (read-only) with a test-notice action."""

from __future__ import annotations

from django.contrib import admin, messages

from chatmon.alerting import notify
from chatmon.alerting.models import AlertRule, Incident, NotificationChannel


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "target", "enabled")
    list_filter = ("kind", "enabled")


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "open"), ("resolved", "resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "threshold", "window_minutes", "severity", "enabled")
    list_filter = ("kind", "severity", "enabled")
    filter_horizontal = ("channels",)
    search_fields = ("name",)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("rule", "opened_at", "resolved_at", "value", "peak_value", "summary")
    list_filter = (OpenFilter, "rule__kind", "rule")
    list_select_related = ("rule",)
    date_hierarchy = "opened_at"
    readonly_fields = [field.name for field in Incident._meta.fields]
    actions = ["resend_notice"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Send the notice again (opened, or resolved when resolved)")
    def resend_notice(self, request, queryset):
        for incident in queryset.select_related("rule"):
            event = notify.RESOLVED if incident.resolved_at else notify.OPENED
            field = "resolved_notified_at" if incident.resolved_at else "opened_notified_at"
            Incident.objects.filter(pk=incident.pk).update(**{field: None})
            reached = notify.notify(incident, event)
            messages.info(request, f"{incident}: {event} notice sent to {reached} channel(s).")
