"""User 360: one user's balance, transactions, holds, violations, bans, audit trail and sessions (read through
the ledger, violations and auditlog selectors), with the operator actions grant credits, ban and lift ban
(which call the ledger and violations services)."""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from auditlog import selectors as audit_selectors
from chatmon.dashboards import access
from chatmon.dashboards.access import Section
from chatmon.dashboards.panels import Panel, csv_response
from chatmon.dashboards.views import bad_request, visible_pages
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from violations import selectors as violation_selectors
from violations import services as violation_services

ROWS = 50  # rows of each history table on the page; the CSV has the same rows
SEARCH_LIMIT = 50


class GrantForm(forms.Form):
    amount = forms.FloatField(help_text="Credits to add (negative to remove).")
    reason = forms.CharField(max_length=500)


class BanForm(forms.Form):
    hours = forms.FloatField(min_value=0.01, max_value=24 * 365, initial=2)
    reason = forms.CharField(max_length=200)


@staff_member_required
def search(request: HttpRequest) -> HttpResponse:
    access.require(request.user.has_perm(access.users_permission()))
    User = get_user_model()
    query = request.GET.get("q", "").strip()
    users = User.objects.order_by("-last_login", "pk")
    if query:
        users = users.filter(Q(**{f"{User.USERNAME_FIELD}__icontains": query}) | Q(email__icontains=query))
    context = {"title": "User 360", "query": query, "users": users[:SEARCH_LIMIT], "site_header": "chatmon",
               "has_permission": True, "pages": visible_pages(request.user), "may_search_users": True}  # fmt: skip
    return render(request, "chatmon/dashboards/users.html", context)


def ledger_panels(user) -> list[Panel]:
    transactions = list(ledger_selectors.transactions_of(user)[:ROWS])
    history = [[t.created_at.strftime("%Y-%m-%d %H:%M:%S"), t.balance_after] for t in reversed(transactions)
               if t.balance_after is not None]  # fmt: skip
    return [
        Panel("balance", "Balance history", ["time", "credits"], history, "line",
              note=f"Balance after each of the latest {ROWS} transactions."),
        Panel("transactions", "Transactions", ["time", "type", "model", "tokens", "credits", "balance after", "reason"],
              [[t.created_at.strftime("%Y-%m-%d %H:%M:%S"), t.token_type, t.model, t.raw_amount, t.token_value,
                t.balance_after, t.reason] for t in transactions]),
    ]  # fmt: skip


def holds_panel(user) -> list[Panel]:
    return [Panel("holds", "Active holds", ["created", "model", "credits", "expires"],
                  [[h.created_at.strftime("%Y-%m-%d %H:%M"), h.model, h.amount, h.expires_at.strftime("%Y-%m-%d %H:%M")]
                   for h in ledger_selectors.active_holds_of(user)[:ROWS]])]  # fmt: skip


def violations_panel(user) -> list[Panel]:
    return [Panel("violations", "Violations", ["time", "type", "score", "count", "ip", "banned"],
                  [[v.created_at.strftime("%Y-%m-%d %H:%M:%S"), v.type, v.score, v.count, v.ip, v.banned]
                   for v in violation_selectors.violations_of(user)[:ROWS]])]  # fmt: skip


def bans_panel(user) -> list[Panel]:
    minute = "%Y-%m-%d %H:%M"
    rows = [[b.created_at.strftime(minute), b.source, b.reason, b.expires_at.strftime(minute),
             b.lifted_at.strftime(minute) if b.lifted_at else ""]
            for b in violation_selectors.bans_of(user)[:ROWS]]  # fmt: skip
    return [Panel("bans", "Bans", ["created", "source", "reason", "expires", "lifted"], rows)]


def audit_panels(user) -> list[Panel]:
    return [
        Panel("audit", "Audit timeline", ["time", "action", "outcome", "by", "ip"], _audit_rows(user)),
        Panel("sessions", "Sessions (sign-ins and sign-outs)", ["time", "event", "ip", "client"],
              _audit_rows(user, sessions=True)),
    ]  # fmt: skip


# The panels of User 360, each opened by the permission of the rows it shows.
SECTIONS = [
    Section(access.TRANSACTIONS, ledger_panels),
    Section(access.HOLDS, holds_panel),
    Section(access.VIOLATIONS, violations_panel),
    Section(access.BANS, bans_panel),
    Section(access.AUDIT, audit_panels),
]


def panels(user, viewer) -> list[Panel]:
    """The panels of `user` that `viewer` may see."""
    return [panel for section in access.allowed(viewer, SECTIONS) for panel in section.build(user)]


def permissions(viewer, subject) -> dict[str, bool]:
    """What `viewer` may see and do on `subject`'s page (the template shows only those figures and forms)."""
    may_act = access.may_act_on(viewer, subject)
    return {
        "balance": access.may_view(viewer, access.BALANCE),
        "bans": access.may_view(viewer, access.BANS),
        "scores": access.may_view(viewer, access.VIOLATIONS),
        "grant": may_act and viewer.has_perm(access.GRANT),
        "ban": may_act and viewer.has_perm(access.BAN),
        "lift_ban": may_act and viewer.has_perm(access.LIFT_BAN),
    }


def _audit_rows(user, *, sessions: bool = False) -> list[list]:
    if sessions:
        events = audit_selectors.sessions_of(user)[:ROWS]
        return [[e.created_at.strftime("%Y-%m-%d %H:%M:%S"), e.action, e.ip, e.user_agent[:80]] for e in events]
    events = audit_selectors.timeline_of(user)[:ROWS]
    return [[e.created_at.strftime("%Y-%m-%d %H:%M:%S"), e.action, e.outcome, e.actor_label, e.ip] for e in events]


def live_scores(user) -> dict | str:
    scores = violation_selectors.live_scores_of(user)
    return "Redis unavailable" if scores is None else scores


@staff_member_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Opens for a viewer who may see at least one panel or figure of it, or do one of its actions."""
    from chatmon.dashboards import charts

    user = get_object_or_404(get_user_model(), pk=pk)
    can = permissions(request.user, user)
    shown = panels(user, request.user)
    access.require(bool(shown) or any(can.values()))
    context = {
        "title": f"User 360: {user}",
        "subject": user,
        "can": can,
        "balance": ledger_selectors.balance_of(user) if can["balance"] else None,
        "active_ban": violation_services.active_ban(user=user) if can["bans"] else None,
        "scores": live_scores(user) if can["scores"] else None,
        "panels": [(p, charts.render(p) if p.chart and p.has_data else None) for p in shown],
        "grant_form": GrantForm(),
        "ban_form": BanForm(),
        "site_header": "chatmon",
        "has_permission": True,
        "pages": visible_pages(request.user),
        "may_search_users": request.user.has_perm(access.users_permission()),
    }
    return render(request, "chatmon/dashboards/user.html", context)


@staff_member_required
def panel_csv(request: HttpRequest, pk: int, panel: str) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    shown = panels(user, request.user)
    access.require(bool(shown))
    found = next((p for p in shown if p.slug == panel), None)
    if found is None:
        hidden = [s for s in SECTIONS if s not in access.allowed(request.user, SECTIONS)]
        access.require(not any(p.slug == panel for section in hidden for p in section.build(user)))
        return bad_request(f"User 360 has no panel {panel!r}", status=404)
    return csv_response(found, f"chatmon-user-{user.pk}-{panel}.csv")


def action(permission: str):
    """An operator action on the user `pk`: staff only, then the permission (and a superuser only on a
    superuser) before the method, so a denied caller gets 403 whatever it sends; the view gets the user."""

    def decorate(view):
        @staff_member_required
        @functools.wraps(view)
        def checked(request: HttpRequest, pk: int) -> HttpResponse:
            user = get_object_or_404(get_user_model(), pk=pk)
            access.require(request.user.has_perm(permission) and access.may_act_on(request.user, user))
            return require_POST(view)(request, user)

        return checked

    return decorate


def _form_error(form: forms.Form) -> HttpResponse:
    return bad_request("; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()))


@action(access.GRANT)
def grant(request: HttpRequest, user) -> HttpResponse:
    form = GrantForm(request.POST)
    if not form.is_valid():
        return _form_error(form)
    try:
        ledger_services.grant_credits(user=user, amount=form.cleaned_data["amount"], actor=request.user,
                                      reason=form.cleaned_data["reason"])  # fmt: skip
    except ledger_services.LedgerInputError as exc:
        return bad_request(str(exc))
    messages.success(request, f"Granted {form.cleaned_data['amount']:g} credits to {user}.")
    return redirect("dashboards:user", pk=user.pk)


@action(access.BAN)
def ban(request: HttpRequest, user) -> HttpResponse:
    form = BanForm(request.POST)
    if not form.is_valid():
        return _form_error(form)
    duration_ms = int(form.cleaned_data["hours"] * 3_600_000)
    violation_services.ban(user=user, duration_ms=duration_ms, reason=form.cleaned_data["reason"], actor=request.user)
    messages.success(request, f"Banned {user} for {form.cleaned_data['hours']:g} hours.")
    return redirect("dashboards:user", pk=user.pk)


@action(access.LIFT_BAN)
def lift_ban(request: HttpRequest, user) -> HttpResponse:
    lifted = violation_services.lift_ban(user=user, actor=request.user)
    messages.success(request, f"Lifted {lifted} ban(s) of {user}.")
    return redirect("dashboards:user", pk=user.pk)
