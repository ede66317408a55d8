"""Admin: rules and channels are editable; incidents are history (read-only) with a test-notice action."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from chatmon.alerting import notify, services
from chatmon.alerting.models import AlertedSubject, AlertRule, BudgetDelivery, Delivery, Incident, NotificationChannel


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
    list_display = ("name", "kind", "threshold", "window_minutes", "for_minutes", "severity", "enabled", "state")
    list_filter = ("kind", "severity", "enabled")
    filter_horizontal = ("channels", "escalation_channels")
    search_fields = ("name",)
    readonly_fields = ("state",)
    actions = ["silence_1h", "silence_1d", "unsilence"]

    @admin.display(description="state")
    def state(self, rule: AlertRule) -> str:
        if rule.is_silenced():
            return f"silenced until {timezone.localtime(rule.silenced_until):%Y-%m-%d %H:%M} (no notices)"
        if rule.pending_since:
            return f"breaching since {timezone.localtime(rule.pending_since):%H:%M}"
        return "-"

    @admin.action(description="Silence for 1 hour (incidents recorded, no notices)")
    def silence_1h(self, request, queryset):
        self._silence(request, queryset, timezone.now() + timedelta(hours=1))

    @admin.action(description="Silence for 24 hours (incidents recorded, no notices)")
    def silence_1d(self, request, queryset):
        self._silence(request, queryset, timezone.now() + timedelta(days=1))

    @admin.action(description="End the silence")
    def unsilence(self, request, queryset):
        count = services.unsilence(rules=queryset, actor=request.user)
        messages.info(request, f"{count} rule(s) silenced no longer.")

    def _silence(self, request, queryset, until) -> None:
        count = services.silence(rules=queryset, until=until, actor=request.user)
        messages.info(request, f"{count} rule(s) silenced until {timezone.localtime(until):%Y-%m-%d %H:%M}.")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("event", "channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("rule", "opened_at", "resolved_at", "value", "peak_value", "summary", "silenced_at")
    list_filter = (OpenFilter, "rule__kind", "rule")
    list_select_related = ("rule",)
    date_hierarchy = "opened_at"
    readonly_fields = [field.name for field in Incident._meta.fields]
    actions = ["resend_notice"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Send the notice again (opened, or resolved when resolved)")
    def resend_notice(self, request, queryset):
        incidents = list(queryset.select_related("rule"))
        reached = services.resend_notice(incidents=incidents, actor=request.user)
        for incident in incidents:
            event = notify.RESOLVED if incident.resolved_at else notify.OPENED
            messages.info(request, f"{incident}: {event} notice sent to {reached.get(incident.pk, 0)} channel(s).")


@admin.register(AlertedSubject)
class AlertedSubjectAdmin(admin.ModelAdmin):
    """The models an unpriced-model rule has announced: read-only; deleting one announces it again."""

    list_display = ("subject", "rule", "first_alerted_at", "incident")
    list_filter = ("rule",)
    list_select_related = ("rule", "incident")
    search_fields = ("subject",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BudgetDelivery)
class BudgetDeliveryAdmin(admin.ModelAdmin):
    """Each budget notice per channel: sent, pending a retry, or given up (read-only history)."""

    list_display = ("notice", "channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    list_filter = ("status", "channel")
    list_select_related = ("notice__budget", "channel")
    readonly_fields = ("notice", "channel", "text", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    exclude = ("body",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
