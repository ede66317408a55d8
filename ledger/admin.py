"""Operator admin: balances (grant credits), read-only transactions with CSV export, holds, price overrides."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string

from ledger import conf, money, refills, schedules, services
from ledger.forms import CallPriceOverrideForm, GrantCreditsForm, PriceOverrideForm, RefillScheduleForm
from ledger.models import Balance, CallPriceOverride, Hold, PriceOverride, Transaction
from ledger.priceadmin import PriceImportViews  # also registers RepricingAdmin
from ledger.refills import SCHEDULE_FIELDS
from ledger.selectors import transactions_of

HISTORY_COLUMNS = ["time", "type", "model", "context", "credits", "balance after"]
SECONDS = "Y-m-d H:i:s"  # hundreds of rows a minute would all read "5:50" at the admin's minute precision


def seconds(moment) -> str:
    return date_format(timezone.localtime(moment), SECONDS) if moment else "-"


def in_refill_zone(moment) -> str:
    """A refill's moment in the time zone its schedule is written in (LEDGER_REFILL_TIME_ZONE), named, so "next
    refill" reads beside "every day at 06:00" without converting from the server's zone."""
    if not moment:
        return "-"
    zone = conf.refill_time_zone()
    return f"{date_format(timezone.localtime(moment, zone), SECONDS)} {zone.key}"


def amount_html(credits) -> str:
    """Credits over their price (two short lines), through ledger/money.py like every amount."""
    if credits is None:
        return "-"
    return format_html(
        '<span class="ledger-amount" title="{}">{}<br><small>{}</small></span>',
        money.format_amount(credits),
        money.format_credits(credits),
        money.format_money(credits),
    )


CSV_FIELDS = [field.name for field in Transaction._meta.fields if field.name not in ("user", "actor")]
_VALUE, _BALANCE = 1 + CSV_FIELDS.index("token_value"), 1 + CSV_FIELDS.index("balance_after")


def with_money(row: tuple) -> tuple:
    balance = row[_BALANCE]
    return (*row, money.round_money(row[_VALUE]), None if balance is None else money.round_money(balance))


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
        "credits",
        "value",
        "held",
        "auto_refill_enabled",
        "last_refill_at",
        "next_refill",
    ]
    list_filter = [AtZeroFilter, "auto_refill_enabled", "refill_interval_unit"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    # The change page edits only the refill rule (RefillScheduleForm); credits change through grants.
    form = RefillScheduleForm
    fieldsets = [
        (None, {"fields": ["user", "credits", "value", "held", "last_refill_at", "next_refill", "schedule"]}),
        ("Refill rule", {"fields": SCHEDULE_FIELDS}),
        (None, {"fields": ["recent_transactions"]}),
    ]
    readonly_fields = ["user", "credits", "value", "held", "last_refill_at", "next_refill", "schedule",
                       "recent_transactions"]  # fmt: skip
    actions = ["grant_credits"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("ledger.change_balance")

    def save_model(self, request, obj: Balance, form, change: bool) -> None:
        # Through the service, under the balance's lock; the admin's change log entry is the audit event.
        refills.change_refill_settings(balance=obj, changes={name: form.cleaned_data[name] for name in SCHEDULE_FIELDS})

    @admin.display(description="refill schedule")
    def schedule(self, balance: Balance) -> str:
        return schedules.describe(balance) if balance.auto_refill_enabled else "no auto-refill"

    @admin.display(description="credits", ordering="token_credits")
    def credits(self, balance: Balance) -> str:
        return money.format_credits(balance.token_credits)

    @admin.display(description="value", ordering="token_credits")
    def value(self, balance: Balance) -> str:
        return money.format_money(balance.token_credits)

    @admin.display(description="held credits", ordering="held_credits")
    def held(self, balance: Balance) -> str:
        return money.format_credits(balance.held_credits)

    @admin.display(description="last refill", ordering="last_refill")
    def last_refill_at(self, balance: Balance) -> str:
        return in_refill_zone(balance.last_refill)

    @admin.display(description="next refill", ordering="next_refill_at")
    def next_refill(self, balance: Balance) -> str:
        return in_refill_zone(balance.next_refill_at)

    @admin.display(description="Recent transactions")
    def recent_transactions(self, balance: Balance) -> str:
        rows = transactions_of(balance.user_id)[:20]
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    seconds(r.created_at),
                    r.token_type,
                    r.model or "",
                    r.context or "",
                    money.format_amount(r.token_value),
                    money.format_amount(r.balance_after),
                )
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
            self.message_user(request, f"Granted {money.format_amount(amount)} to {queryset.count()} users.",
                              messages.SUCCESS)  # fmt: skip
            return None
        context = {**self.admin_site.each_context(request), "form": form, "balances": queryset, "opts": self.opts}
        return TemplateResponse(request, "admin/ledger/balance/grant_credits.html", context)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    # Every column fits 1440 px: the value key is a filter (and on the row's page), amounts are two short lines.
    # Every column fits 1440 px beside the admin's sidebars: the value key is a filter (and on the row's page),
    # a call's item sits under its model and the context under the type, times and amounts take two short lines
    # (ledger/static/ledger/admin.css).
    list_display = ["time", "user", "type_context", "model_item", "tokens", "rate_shown", "value", "balance",
                    "written_off_shown"]  # fmt: skip
    list_filter = ["token_type", "context", "value_key"]
    list_select_related = ["user"]
    search_fields = ["user__username", "conversation_id", "message_id", "model"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # COUNT(*) over millions of rows on every page view is too slow

    class Media:
        css = {"all": ["ledger/admin.css"]}

    @admin.display(description="time", ordering="created_at")
    def time(self, row: Transaction) -> str:
        moment = timezone.localtime(row.created_at)
        return format_html("{}<br>{}", date_format(moment, "Y-m-d"), date_format(moment, "H:i:s"))

    @admin.display(description="type / context", ordering="token_type")
    def type_context(self, row: Transaction) -> str:
        return format_html("{}<br><small>{}</small>", row.get_token_type_display(), row.context or "-")

    @admin.display(description="model / item", ordering="model")
    def model_item(self, row: Transaction) -> str:
        if not row.item:
            return row.model or "-"
        return format_html("{}<br><small>{}</small>", row.model or "-", row.item)

    @admin.display(description="quantity", ordering="raw_amount")
    def tokens(self, row: Transaction) -> str:
        return "-" if row.raw_amount is None else f"{row.raw_amount:,.0f}"

    @admin.display(description="rate", ordering="rate")
    def rate_shown(self, row: Transaction) -> str:
        return "-" if row.rate is None else money.format_rate(row.rate)

    @admin.display(description="value", ordering="token_value")
    def value(self, row: Transaction) -> str:
        return amount_html(row.token_value)

    @admin.display(description="balance after", ordering="balance_after")
    def balance(self, row: Transaction) -> str:
        return amount_html(row.balance_after)

    @admin.display(description="written off", ordering="written_off")
    def written_off_shown(self, row: Transaction) -> str:
        return amount_html(row.written_off) if row.written_off else "-"

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
        # The amounts again in the display currency, rounded as every page shows them (ledger/money.py).
        currency = money.currency_label()
        header = ("user", *CSV_FIELDS, f"token_value_{currency}", f"balance_after_{currency}")
        return write(header, (with_money(row) for row in values), "ledger-transactions.csv")


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["created", "user", "credits", "model", "status", "expires", "closed"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "created_at"

    @admin.display(description="created", ordering="created_at")
    def created(self, hold: Hold) -> str:
        return seconds(hold.created_at)

    @admin.display(description="credits", ordering="amount")
    def credits(self, hold: Hold) -> str:
        return amount_html(hold.amount)

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, hold: Hold) -> str:
        return seconds(hold.expires_at)

    @admin.display(description="closed", ordering="closed_at")
    def closed(self, hold: Hold) -> str:
        return seconds(hold.closed_at)


@admin.register(PriceOverride)
class PriceOverrideAdmin(PriceImportViews, admin.ModelAdmin):
    form = PriceOverrideForm
    list_display = ["pattern", "prompt", "completion", "cache_write", "cache_read", "premium_threshold",
                    "effective_from", "note"]  # fmt: skip
    search_fields = ["pattern", "note"]
    date_hierarchy = "effective_from"


@admin.register(CallPriceOverride)
class CallPriceOverrideAdmin(admin.ModelAdmin):
    """Operators' per-call prices (ledger/calls.py); shipped prices with their sources: ledger/data/call_prices.json."""

    form = CallPriceOverrideForm
    list_display = ["kind", "name", "size", "quality", "price", "effective_from", "note"]
    list_filter = ["kind"]
    search_fields = ["name", "note"]
    date_hierarchy = "effective_from"
