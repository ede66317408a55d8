"""Admin views for prices: import a LiteLLM price file (preview, then apply) and reprice a past period.

Both are two steps. The import's preview parks the file's usable entries in the shared cache under a random
token for PREVIEW_SECONDS, so applying needs neither the upload nor the proxy again, and is re-planned against
the prices in force at that moment (a price added meanwhile is not overwritten blindly). A repricing's preview
posts its form again with `apply`; applying recomputes it, and its key makes a double submit harmless.
"""

from __future__ import annotations

import secrets

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ledger import conf, money, pricefile, repricing, services
from ledger.models import Repricing
from ledger.priceforms import PriceImportForm, RepricingForm
from ledger.validation import LedgerInputError

PREVIEW_SECONDS = 3600
PREVIEW_KEY = "ledger:price-import:{}"


def per_million(rate: float | None) -> str:
    """A rate (credits per token) as the money 1M tokens cost: `$2.50`."""
    return "-" if rate is None else money.format_money(rate * 1_000_000)


class PriceImportViews:
    """Mixed into PriceOverrideAdmin: /admin/ledger/priceoverride/import/."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="ledger_priceoverride_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "apply" in request.POST:
            return self._apply(request)
        form = PriceImportForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": "Import prices from a LiteLLM price file"}  # fmt: skip
        if request.method == "POST" and form.is_valid():
            try:
                specs, source = self._read(form)
                plan = pricefile.plan(specs, effective_from=form.cleaned_data["effective_from"], source=source,
                                      only=form.needles)  # fmt: skip
            except LedgerInputError as exc:
                form.add_error(None, str(exc))
            else:
                token = secrets.token_urlsafe(16)
                usable = {change.model: specs[change.model] for change in plan.changes}
                caches[conf.price_cache_alias()].set(
                    PREVIEW_KEY.format(token),
                    {"specs": usable, "source": source, "effective_from": plan.effective_from},
                    PREVIEW_SECONDS,
                )
                context.update(plan=plan, token=token, rows=_preview_rows(plan))
        return TemplateResponse(request, "admin/ledger/priceoverride/import.html", context)

    @staticmethod
    def _read(form: PriceImportForm) -> tuple[dict, str]:
        upload = form.cleaned_data.get("price_file")
        if upload is not None:
            return pricefile.load(upload.read(conf.price_file_max_bytes() + 1)), upload.name[:100]
        url = form.cleaned_data["url"]
        return pricefile.load(pricefile.fetch_url(url, api_key=form.cleaned_data.get("api_key") or "")), url[:200]

    def _apply(self, request: HttpRequest) -> HttpResponse:
        parked = caches[conf.price_cache_alias()].get(PREVIEW_KEY.format(request.POST.get("token", "")[:64]))
        back = reverse("admin:ledger_priceoverride_import")
        if parked is None:
            self.message_user(request, "That preview has expired; read the file again.", messages.ERROR)
            return HttpResponseRedirect(back)
        plan = pricefile.plan(parked["specs"], effective_from=parked["effective_from"], source=parked["source"])
        try:
            created = services.import_price_plan(plan=plan, actor=request.user)
        except LedgerInputError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(back)
        caches[conf.price_cache_alias()].delete(PREVIEW_KEY.format(request.POST["token"]))
        self.message_user(request, f"Added {len(created)} prices from {plan.source}, effective "
                                   f"{plan.effective_from:%Y-%m-%d %H:%M %Z}.", messages.SUCCESS)  # fmt: skip
        return HttpResponseRedirect(reverse("admin:ledger_priceoverride_changelist"))


def _preview_rows(plan: pricefile.Plan) -> list[dict]:
    return [
        {"model": change.model, "old_key": change.old_key or "no price: the default rate",
         "old_prompt": per_million(change.old_rates(plan.default_rate)[0]),
         "old_completion": per_million(change.old_rates(plan.default_rate)[1]),
         "new_prompt": per_million(change.new.prompt), "new_completion": per_million(change.new.completion),
         "new_cache": " / ".join("as prompt" if rate is None else per_million(rate)
                                 for rate in (change.new.cache_read, change.new.cache_write))}
        for change in plan.changes
    ]  # fmt: skip


@admin.register(Repricing)
class RepricingAdmin(admin.ModelAdmin):
    """Applied repricings (read-only history); "Reprice a period" on the list makes a new one."""

    list_display = ["created_at", "model", "period_start", "period_end", "user", "users", "rows", "credits_shown",
                    "actor", "reason"]  # fmt: skip
    list_select_related = ["user", "actor"]
    search_fields = ["model", "reason"]
    date_hierarchy = "created_at"

    @admin.display(description="credits given back", ordering="credits")
    def credits_shown(self, row: Repricing) -> str:
        return money.format_amount(row.credits)

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # only through the reprice view, which posts the corrections with the row

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def may_reprice(self, request: HttpRequest) -> bool:
        return request.user.has_perm("ledger.add_repricing") and request.user.has_perm("ledger.change_balance")

    def get_urls(self):
        view = self.admin_site.admin_view(self.reprice_view)
        return [path("reprice/", view, name="ledger_repricing_reprice"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"may_reprice": self.may_reprice(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def reprice_view(self, request: HttpRequest) -> HttpResponse:
        if not self.may_reprice(request):
            raise PermissionDenied
        form = RepricingForm(request.POST or request.GET or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": "Reprice a period"}  # fmt: skip
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            prices = form.prices(repricing.prices_now(data["model"]))
            arguments = {"model": data["model"], "start": data["start"], "end": data["end"], "prices": prices,
                         "reason": data["reason"], "user": data["user"]}  # fmt: skip
            try:
                if prices is None:
                    raise LedgerInputError(f"{data['model']} has no price now: give the rates, or add its price first")
                if "apply" in request.POST:
                    return self._apply(request, arguments)
                preview = services.preview_repricing(**arguments)
            except LedgerInputError as exc:
                form.add_error(None, str(exc))
            else:
                context.update(preview=preview, prices=prices, rows=_difference_rows(preview))
        return TemplateResponse(request, "admin/ledger/repricing/reprice.html", context)

    def _apply(self, request: HttpRequest, arguments: dict) -> HttpResponse:
        applied, _ = services.reprice(**arguments, actor=request.user)
        if applied is None:
            self.message_user(request, "Nothing to post: these charges already stand at these prices.",
                              messages.WARNING)  # fmt: skip
        else:
            # A positive correction gives credits back; a negative one (a price corrected upwards) charges more.
            moved = f"{money.format_amount(abs(applied.credits))} {'given back' if applied.credits >= 0 else 'charged'}"
            corrections = f"{applied.users} correction{'' if applied.users == 1 else 's'}"
            self.message_user(request, f"Repricing {applied.pk} posted {corrections}, {moved}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:ledger_repricing_changelist"))


def _difference_rows(preview: repricing.Preview) -> list[dict]:
    User = get_user_model()
    users = User.objects.filter(pk__in=[diff.user_id for diff in preview.differences])
    names = dict(users.values_list("pk", User.USERNAME_FIELD))
    return [
        {"user": names.get(diff.user_id, f"user {diff.user_id}"), "rows": diff.rows,
         "old": money.format_amount(diff.old), "new": money.format_amount(diff.new),
         "correction": money.format_amount(diff.correction), "posts": abs(diff.correction) > repricing.NOISE}
        for diff in sorted(preview.differences, key=lambda diff: -abs(diff.correction))
    ]  # fmt: skip
