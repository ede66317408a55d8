"""Admin: policies and budgets are editable (every change audited, effective at once through cache.py); applying
a changed policy to existing members is an action with a preview; budgets list their use this period."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from chatmon.policies import forecast, services
from chatmon.policies.models import Budget, BudgetNotice, Policy
from ledger import money, schedules

# Applying grants credits, so it also takes the ledger's permission to change balances (as its grant action).
APPLY_PERMISSIONS = ("chatmon_policies.change_policy", "ledger.change_balance")


def refill_text(fields: dict) -> str:
    """An auto-refill rule as the operator reads it: "10,000.00 credits ($0.0100) every day", or "off"."""
    if not fields.get("auto_refill_enabled"):
        return "off"
    every = schedules.every(fields["refill_interval_value"], fields["refill_interval_unit"])
    return f"{money.format_amount(fields['refill_amount'])} {every}"


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "priority", "start", "refill", "cap", "models", "group_list")
    search_fields = ("name",)
    filter_horizontal = ("groups",)
    actions = ["apply_to_members"]
    fieldsets = [
        (None, {"fields": ("name", "groups", "priority")}),
        ("Balance", {"fields": ("start_balance", "auto_refill", "refill_amount", "refill_interval_value",
                                "refill_interval_unit", "budget_cap", "budget_cap_period")}),
        ("Limits", {"fields": ("rate_limits", "allowed_models")}),
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="start balance")
    def start(self, policy: Policy) -> str:
        return money.format_amount(policy.start_balance)

    @admin.display(description="auto-refill")
    def refill(self, policy: Policy) -> str:
        return refill_text(policy.auto_refill_fields or {})

    @admin.display(description="spend cap")
    def cap(self, policy: Policy) -> str:
        if policy.budget_cap is None:
            return "none"
        return f"{money.format_amount(policy.budget_cap)} per {policy.budget_cap_period}"

    @admin.display(description="models")
    def models(self, policy: Policy) -> str:
        return ", ".join(policy.allowed_models) or "all"

    @admin.display(description="groups")
    def group_list(self, policy: Policy) -> str:
        return ", ".join(sorted(group.name for group in policy.groups.all())) or "-"

    def has_apply_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perms(APPLY_PERMISSIONS)

    @admin.action(description="Apply to existing members' balances (preview first)", permissions=["apply"])
    def apply_to_members(self, request: HttpRequest, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Apply one policy at a time.", messages.ERROR)
            return None
        policy = queryset.get()
        if request.POST.get("apply"):
            try:
                done = services.apply_policy(policy=policy, fingerprint=request.POST.get("fingerprint", ""),
                                             actor=request.user, request=request)  # fmt: skip
            except services.StalePreview:
                self.message_user(request, "Balances changed since the preview: check the new one.", messages.WARNING)
            else:
                self.message_user(request, f"Applied {policy.name}: {len(done.changes)} balance(s) changed, "
                                  f"{money.format_amount(done.top_up_total)} granted.", messages.SUCCESS)  # fmt: skip
                return None
        preview = services.preview_policy(policy)
        rows = [(change, money.format_amount(change.credits), money.format_amount(change.top_up),
                 refill_text(change.refill_before), refill_text(change.refill_after))
                for change in preview.changes]  # fmt: skip
        context = {**self.admin_site.each_context(request), "title": f"Apply {policy.name} to its members",
                   "preview": preview, "opts": self.model._meta, "top_up": money.format_amount(preview.top_up_total),
                   "rows": rows}  # fmt: skip
        return TemplateResponse(request, "admin/chatmon_policies/policy/apply.html", context)


def _use(budget: Budget, now) -> forecast.Forecast:
    # Memoised on the row: the list's columns read one forecast per budget (one grouped query).
    if not hasattr(budget, "_forecast"):
        budget._forecast = forecast.of_budget(budget, now)
    return budget._forecast


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    # Use first: on a phone the list scrolls sideways inside its box, and use is what the operator came for.
    list_display = ("name", "use", "spent", "limit_shown", "status", "projected", "covers", "period", "hard_stop")
    list_filter = ("scope", "period", "hard_stop")
    search_fields = ("name", "source", "model")
    autocomplete_fields = ("user", "group")
    list_select_related = ("user", "group")

    @admin.display(description="covers")
    def covers(self, budget: Budget) -> str:
        return budget.subject

    @admin.display(description="limit")
    def limit_shown(self, budget: Budget) -> str:
        return money.format_amount(budget.limit)

    @admin.display(description="spent this period")
    def spent(self, budget: Budget) -> str:
        return money.format_amount(_use(budget, timezone.now()).spent)

    @admin.display(description="use")
    def use(self, budget: Budget) -> str:
        percent = _use(budget, timezone.now()).percent or 0.0
        colour = "#ba2121" if percent >= 100 else ("#c86400" if percent >= 80 else "inherit")
        return format_html('<strong style="color:{}">{}\u00a0%</strong>', colour, f"{percent:,.1f}")

    @admin.display(description="projected at period end")
    def projected(self, budget: Budget) -> str:
        figure = _use(budget, timezone.now())
        return "not enough data" if figure.projected is None else money.format_amount(figure.projected)

    @admin.display(description="status")
    def status(self, budget: Budget) -> str:
        figure = _use(budget, timezone.now())
        if figure.exceeds_on and figure.status == "at risk":
            return f"at risk: exceeds on {figure.exceeds_on:%Y-%m-%d}"
        return figure.status


@admin.register(BudgetNotice)
class BudgetNoticeAdmin(admin.ModelAdmin):
    list_display = ("budget", "level", "percent", "period_start", "created_at")
    list_filter = ("level",)
    date_hierarchy = "created_at"
    list_select_related = ("budget",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
