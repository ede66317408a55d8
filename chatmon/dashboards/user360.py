"""User 360: one user's balance, transactions, holds, violations, bans, audit trail and sessions (read through
the ledger, violations and auditlog selectors), with the operator actions grant credits, ban and lift ban
(which call the ledger and violations services)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from auditlog import selectors as audit_selectors
from chatmon.dashboards import access, links
from chatmon.dashboards.access import Section
from chatmon.dashboards.forms import BanForm, GrantForm
from chatmon.dashboards.panels import Panel, csv_response, money_columns
from chatmon.dashboards.selectors import budgets
from chatmon.dashboards.selectors.usage import user_spend
from chatmon.dashboards.views import bad_request, visible_pages, wants_html
from ledger import conf as ledger_conf
from ledger import money
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Transaction
from violations import selectors as violation_selectors
from violations import services as violation_services

ROWS = 50  # rows of each history table on the page; the CSV has the same rows
GRANTS_KEPT = 10  # the latest grants and refills stay in the balance history however many spends came after
SEARCH_LIMIT = 50
SECONDS = "%Y-%m-%d %H:%M:%S"


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
    # The newest grants and refills (credits rows) join the history even when 50 spends came after them: the
    # operator who just granted credits sees the step in the chart.
    credited = ledger_selectors.transactions_of(user).filter(token_type=Transaction.TokenType.CREDITS)
    shown = {t.pk for t in transactions}
    older = [t for t in credited[:GRANTS_KEPT] if t.pk not in shown]
    history = [
        [t.created_at.strftime(SECONDS), money.round_credits(t.balance_after), money.round_money(t.balance_after)]
        for t in sorted([*transactions, *older], key=lambda t: (t.created_at, t.pk))
        if t.balance_after is not None
    ]
    note = f"Balance after each of the latest {ROWS} transactions and the latest {GRANTS_KEPT} grants or refills."
    return [
        Panel("balance", "Balance history", ["time", *money_columns("balance")], history, "line", series=[1],
              formats={1: "credits", 2: "money"}, timeline=True, note=note),
        Panel("transactions", "Transactions",
              ["time", "type", "model", "tokens", "rate", *money_columns(), "balance after", "reason"],
              [[t.created_at.strftime(SECONDS), t.token_type, links.model(t.model), t.raw_amount, t.rate,
                money.round_credits(t.token_value), money.round_money(t.token_value),
                None if t.balance_after is None else money.round_credits(t.balance_after), t.reason]
               for t in transactions],
              formats={3: "int", 4: "rate", 5: "credits", 6: "money", 7: "credits"}, wide=True),
    ]  # fmt: skip


def holds_panel(user) -> list[Panel]:
    rows = [[h.created_at.strftime(SECONDS), links.model(h.model), money.round_credits(h.amount),
             money.round_money(h.amount), h.expires_at.strftime(SECONDS)]
            for h in ledger_selectors.active_holds_of(user)[:ROWS]]  # fmt: skip
    return [Panel("holds", "Active holds", ["created", "model", *money_columns(), "expires"], rows,
                  formats={2: "credits", 3: "money"})]  # fmt: skip


def violations_panel(user) -> list[Panel]:
    return [Panel("violations", "Violations", ["time", "type", "score", "count", "ip", "banned"],
                  [[v.created_at.strftime(SECONDS), v.type, v.score, v.count, links.ip(v.ip), v.banned]
                   for v in violation_selectors.violations_of(user)[:ROWS]])]  # fmt: skip


def bans_panel(user) -> list[Panel]:
    rows = [[b.created_at.strftime(SECONDS), b.source, b.reason, b.expires_at.strftime(SECONDS),
             b.lifted_at.strftime(SECONDS) if b.lifted_at else ""]
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
    Section(access.BUDGETS, budgets.user_panel),
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
        return [[e.created_at.strftime(SECONDS), e.action, links.ip(e.ip), e.user_agent[:80]] for e in events]
    events = audit_selectors.timeline_of(user)[:ROWS]
    return [[e.created_at.strftime(SECONDS), e.action, e.outcome, e.actor_label, links.ip(e.ip)] for e in events]


def live_scores(user) -> dict | str:
    scores = violation_selectors.live_scores_of(user)
    return "Redis unavailable" if scores is None else scores


@staff_member_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Opens for a viewer who may see at least one panel or figure of it, or do one of its actions."""
    user = get_object_or_404(get_user_model(), pk=pk)
    return render(request, "chatmon/dashboards/user.html", _context(request, user))


def _context(request: HttpRequest, user, *, grant_form: GrantForm | None = None) -> dict:
    from chatmon.dashboards import charts

    can = permissions(request.user, user)
    shown = panels(user, request.user)
    access.require(bool(shown) or any(can.values()))
    balances_on = ledger_conf.balance_enabled()
    return {
        "title": f"User 360: {user.get_username()}",
        "subject": user,
        "can": can,
        "balances_on": balances_on,
        # With balances off nobody is debited: the stored balance says nothing, what the user spent does.
        "balance": ledger_selectors.balance_of(user) if can["balance"] and balances_on else None,
        "spend": user_spend(user.pk) if access.may_view(request.user, access.USER_USAGE) else None,
        "active_ban": violation_services.active_ban(user=user) if can["bans"] else None,
        "scores": live_scores(user) if can["scores"] else None,
        "panels": [(p, charts.spec(p)) for p in shown],
        "admin_links": links.user_lists(user.pk, request.user),
        "may_open_account": access.may_view(request.user, access.users_permission()),
        "grant_form": grant_form or GrantForm(),
        "ban_form": BanForm(),
        "exchange_note": money.exchange_note(),
        "site_header": "chatmon",
        "has_permission": True,
        "pages": visible_pages(request.user),
        "may_search_users": request.user.has_perm(access.users_permission()),
    }


@staff_member_required
def panel_csv(request: HttpRequest, pk: int, panel: str) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    shown = panels(user, request.user)
    access.require(bool(shown))
    found = next((p for p in shown if p.slug == panel), None)
    if found is None:
        hidden = [s for s in SECTIONS if s not in access.allowed(request.user, SECTIONS)]
        access.require(not any(p.slug == panel for section in hidden for p in section.build(user)))
        return bad_request(request, f"User 360 has no panel {panel!r}", status=404)
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


def _form_error(request: HttpRequest, form) -> HttpResponse:
    return bad_request(request, "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()))


@action(access.GRANT)
def grant(request: HttpRequest, user) -> HttpResponse:
    form = GrantForm(request.POST)
    if not form.is_valid():
        if wants_html(request):
            # The page again with the form's errors (and the confirmation box when the amount is large).
            return render(request, "chatmon/dashboards/user.html", _context(request, user, grant_form=form), status=400)
        return _form_error(request, form)
    amount = form.cleaned_data["amount"]
    try:
        ledger_services.grant_credits(user=user, amount=amount, actor=request.user, reason=form.cleaned_data["reason"])
    except ledger_services.LedgerInputError as exc:
        return bad_request(request, str(exc))
    messages.success(request, f"Granted {money.format_amount(amount)} to {user.get_username()}.")
    return redirect("dashboards:user", pk=user.pk)


@action(access.BAN)
def ban(request: HttpRequest, user) -> HttpResponse:
    form = BanForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    duration_ms = int(form.cleaned_data["hours"] * 3_600_000)
    violation_services.ban(user=user, duration_ms=duration_ms, reason=form.cleaned_data["reason"], actor=request.user)
    messages.success(request, f"Banned {user.get_username()} for {form.cleaned_data['hours']:g} hours.")
    return redirect("dashboards:user", pk=user.pk)


@action(access.LIFT_BAN)
def lift_ban(request: HttpRequest, user) -> HttpResponse:
    lifted = violation_services.lift_ban(user=user, actor=request.user)
    messages.success(request, f"Lifted {lifted} ban(s) of {user.get_username()}.")
    return redirect("dashboards:user", pk=user.pk)
