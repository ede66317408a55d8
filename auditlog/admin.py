"""Read-only admin for audit events: nobody adds, changes or deletes them here, superusers included.

Filters by action, domain, outcome and date; search by actor email, IP and request id; CSV export of the
filtered list; a per-user timeline (events where the user acted or was the subject), linked from the user
admin's change page (templates/admin/auth/user/change_form.html).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.text import Truncator

from auditlog import actions, exports
from auditlog.models import AuditEvent
from auditlog.selectors import timeline_of

TIMELINE_LIMIT = 500


class ActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return actions.choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class DomainFilter(admin.SimpleListFilter):
    title = "domain"
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        return actions.Domain.choices

    def queryset(self, request, queryset):
        return queryset.filter(domain=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "time", "action", "outcome", "actor", "subject", "target", "ip"]
    list_filter = [DomainFilter, ActionFilter, "outcome", "created_at"]
    list_select_related = ["subject"]
    search_fields = ["actor_label", "=ip", "=request_id"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]
    show_full_result_count = False  # a count over millions of rows on every page view is not worth it

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    @admin.display(description="time", ordering="created_at")
    def time(self, event: AuditEvent) -> str:
        # Second precision: events of one request, or of a burst, must not all read the same minute. Date and
        # time on two lines keep the column narrow, so the list fits 1440 px beside the admin's sidebars.
        moment = timezone.localtime(event.created_at)
        return format_html("{}<br>{}", date_format(moment, "Y-m-d"), date_format(moment, "H:i:s"))

    @admin.display(description="actor", ordering="actor_label")
    def actor(self, event: AuditEvent) -> str:
        return event.actor_label or "-"

    @admin.display(description="target")
    def target(self, event: AuditEvent) -> str:
        # Long ids ("message 84aa1782-b65d-...") are cut in the list; the whole text is the tooltip and on
        # the event's page.
        return format_html('<span title="{}">{}</span>', event.target_repr, Truncator(event.target_repr).chars(36))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Export selected events as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return exports.csv_response(queryset)

    def get_urls(self):
        timeline = self.admin_site.admin_view(self.timeline_view)
        return [path("user/<str:user_id>/", timeline, name="auditlog_auditevent_timeline"), *super().get_urls()]

    def timeline_view(self, request, user_id: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        user = _user_or_404(user_id)
        events = timeline_of(user)
        if request.GET.get("format") == "csv":
            return exports.csv_response(events, filename=f"audit-user-{user.pk}.csv")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Audit timeline of {user}",
            "timeline_user": user,
            "events": events.select_related("target_type")[:TIMELINE_LIMIT],
            "limit": TIMELINE_LIMIT,
        }
        return TemplateResponse(request, "auditlog/timeline.html", context)


def _user_or_404(user_id: str):
    try:
        return get_user_model()._default_manager.get(pk=user_id)
    except (get_user_model().DoesNotExist, ValueError, ValidationError):
        raise Http404("no such user") from None
