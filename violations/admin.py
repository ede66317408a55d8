"""Operator admin: bans (active filter, lift/extend actions, a manual ban form) and read-only violations."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.dateformat import format as date_format

from violations import services, store
from violations.models import Ban, Violation, ViolationTrend


def seconds(moment) -> str:
    # Second precision: a burst of violations within one minute must not read as one moment.
    return date_format(timezone.localtime(moment), "Y-m-d H:i:s") if moment else "-"


class ActiveFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Currently banned"), ("ended", "Expired or lifted")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "ended":
            return queryset.exclude(pk__in=queryset.active().values("pk"))
        return queryset


class ManualBanForm(forms.ModelForm):
    duration_minutes = forms.IntegerField(min_value=1, initial=120, help_text="How long the ban lasts.")

    class Meta:
        model = Ban
        fields = ["user", "ip", "reason"]

    def clean(self):
        data = super().clean()
        if not data.get("user") and not data.get("ip"):
            raise forms.ValidationError("Choose a user, an IP address, or both.")
        return data


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = [
        "banned",
        "kind",
        "source",
        "reason",
        "created",
        "expires",
        "created_by",
        "lifted",
        "scores",
    ]
    list_filter = [ActiveFilter, "kind", "source", "violation_type"]
    list_select_related = ["user", "created_by"]
    search_fields = ["ip", "user__username", "user__email", "reason"]
    date_hierarchy = "created_at"
    actions = ["lift", "extend_one_day"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ManualBanForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ban._meta.fields] if obj else []

    def has_delete_permission(self, request, obj=None) -> bool:
        # A ban is lifted (an audited action above), never deleted: its row is the record of what was done.
        return False

    @admin.display(description="banned", ordering="user__username")
    def banned(self, obj: Ban) -> str:
        """The user by name (not "user 3"), or the IP address."""
        return obj.user.get_username() if obj.kind == Ban.Kind.USER and obj.user else f"IP {obj.ip}"

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: Ban) -> str:
        return seconds(obj.created_at)

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, obj: Ban) -> str:
        return seconds(obj.expires_at)

    @admin.display(description="lifted", ordering="lifted_at")
    def lifted(self, obj: Ban) -> str:
        return seconds(obj.lifted_at)

    def save_model(self, request, obj, form, change):
        # A manual ban goes through the service: records for user and IP, cache, sessions, signal.
        data = form.cleaned_data
        ban = services.ban(user=data.get("user"), ip=data.get("ip"), duration_ms=data["duration_minutes"] * 60_000,
                           reason=data.get("reason") or "manual", actor=request.user)  # fmt: skip
        for field in Ban._meta.concrete_fields:  # the admin logs and redirects with `obj`: make it the saved ban
            setattr(obj, field.attname, getattr(ban, field.attname))

    @admin.display(description="live scores")
    def scores(self, obj: Ban) -> str:
        try:
            return ", ".join(f"{k}={v}" for k, v in store.scores_of(obj.cache_key).items()) or "-"
        except store.Error:
            return "(Redis unavailable)"

    @admin.action(description="Lift the selected bans")
    def lift(self, request, queryset):
        lifted = services.lift_ban(bans=list(queryset), actor=request.user)
        self.message_user(request, f"Lifted {lifted} ban(s).", messages.SUCCESS)

    @admin.action(description="Extend the selected active bans by one day")
    def extend_one_day(self, request, queryset):
        bans = list(queryset.active(timezone.now()))
        for ban in bans:
            services.extend_ban(ban, duration_ms=86_400_000, actor=request.user)
        self.message_user(request, f"Extended {len(bans)} ban(s).", messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdmin):
    list_display = ["created", "type", "user", "ip", "score", "prev_count", "count", "banned"]
    list_filter = ["type", "banned"]
    list_select_related = ["user"]
    search_fields = ["ip", "user__username", "user__email", "request_id"]
    date_hierarchy = "created_at"

    @admin.display(description="time", ordering="created_at")
    def created(self, obj: Violation) -> str:
        return seconds(obj.created_at)


@admin.register(ViolationTrend)
class ViolationTrendAdmin(ReadOnlyAdmin):
    list_display = ["hour", "type", "count", "total_score", "unique_users", "unique_ips"]
    list_filter = ["type"]
    date_hierarchy = "hour"
