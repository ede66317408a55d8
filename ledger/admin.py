"""Operator admin: balances (grant credits), read-only transactions with CSV export, holds, price overrides."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string

from ledger import conf, services
from ledger.forms import GrantCreditsForm, PriceOverrideForm
from ledger.models import Balance, Hold, PriceOverride, Transaction
from ledger.selectors import transactions_of

HISTORY_COLUMNS = ["time", "type", "model", "context", "credits", "balance after"]
CSV_FIELDS = [field.name for field in Transaction._meta.fields if field.name not in ("user", "actor")]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows change only through services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AtZeroFilter(admin.SimpleListFilter):
    title = "credits"
    parameter_name = "credits"

    def lookups(self, request, model_admin):
        return [("zero", "No credits left"), ("positive", "Has credits")]

    def queryset(self, request, queryset):
        if self.value() == "zero":
            return queryset.filter(token_credits__lte=0)
        if self.value() == "positive":
            return queryset.filter(token_credits__gt=0)
        return queryset


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "token_credits",
        "usd",
        "held_credits",
        "auto_refill_enabled",
        "last_refill",
        "next_refill_at",
    ]
    list_filter = [AtZeroFilter, "auto_refill_enabled", "refill_interval_unit"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["recent_transactions"]
    actions = ["grant_credits"]

    @admin.display(description="USD")
    def usd(self, balance: Balance) -> str:
        return f"${balance.usd:,.6f}"

    @admin.display(description="Recent transactions")
    def recent_transactions(self, balance: Balance) -> str:
        rows = transactions_of(balance.user_id)[:20]
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (r.created_at, r.token_type, r.model or "", r.context or "", r.token_value, r.balance_after)
                for r in rows
            ),
        )
        head = format_html_join("", "<th>{}</th>", ((h,) for h in HISTORY_COLUMNS))
        return format_html("<table><tr>{}</tr>{}</table>", head, body)

    def has_grant_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("ledger.change_balance")

    @admin.action(description="Grant credits to the selected users", permissions=["grant"])
    def grant_credits(self, request: HttpRequest, queryset):
        form = GrantCreditsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            amount, reason = form.cleaned_data["amount"], form.cleaned_data["reason"]
            for balance in queryset:
                services.grant_credits(user=balance.user_id, amount=amount, actor=request.user, reason=reason)
            self.message_user(request, f"Granted {amount:g} credits to {queryset.count()} users.", messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "form": form, "balances": queryset, "opts": self.opts}
        return TemplateResponse(request, "admin/ledger/balance/grant_credits.html", context)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "token_type", "model", "value_key", "context", "raw_amount", "rate",
                    "token_value", "balance_after", "written_off"]  # fmt: skip
    list_filter = ["token_type", "context", "value_key"]
    list_select_related = ["user"]
    search_fields = ["user__username", "conversation_id", "message_id", "model"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # COUNT(*) over millions of rows on every page view is too slow

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export_csv), name="ledger_transaction_export")
        return [export, *super().get_urls()]

    def export_csv(self, request: HttpRequest) -> HttpResponse:
        """The changelist's filtered rows as CSV, streamed in chunks so a million rows never sit in memory."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # The changelist redirects to "?e=1" on a parameter it does not know (`?format=csv`); a download
            # has no page to show that on, so it says what is wrong instead.
            return HttpResponseBadRequest("Unknown or invalid filter parameter.\n", content_type="text/plain")
        rows = changelist.get_queryset(request).order_by("pk")
        values = rows.values_list("user__username", *CSV_FIELDS).iterator(chunk_size=2000)
        write = import_string(conf.csv_writer())
        return write(("user", *CSV_FIELDS), values, "ledger-transactions.csv")


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "amount", "model", "status", "expires_at", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "created_at"


@admin.register(PriceOverride)
class PriceOverrideAdmin(admin.ModelAdmin):
    form = PriceOverrideForm
    list_display = ["pattern", "prompt", "completion", "cache_write", "cache_read", "premium_threshold",
                    "effective_from", "note"]  # fmt: skip
    search_fields = ["pattern", "note"]
    date_hierarchy = "effective_from"
