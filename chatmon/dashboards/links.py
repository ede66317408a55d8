"""Where the operator acts on what a dashboard names: a user's User 360, and the admin's lists filtered to
one user, IP address or model. Each link is a plain URL with the admin's own filter parameters, so the page it
lands on is the list the operator would have filtered by hand."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.urls import reverse

from chatmon.dashboards.panels import Link
from chatmon.dashboards.ranges import Range


def admin_list(model_path: str, /, **filters) -> str:
    """The admin changelist of `model_path` ("app_label.model_name") filtered by `filters` (admin lookups)."""
    app_label, model_name = model_path.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def users(ids) -> dict:
    """User id -> Link to their User 360, named by username with the e-mail as detail (one query)."""
    User = get_user_model()
    ids = {pk for pk in ids if pk is not None}
    found = User.objects.filter(pk__in=ids).values_list("pk", User.USERNAME_FIELD, "email")
    return {pk: Link(str(name), reverse("dashboards:user", args=[pk]), email or "") for pk, name, email in found}


def user(pk, names: dict) -> Link | str:
    """The Link of user `pk` from `users()`, or "deleted user 7" for a user who no longer exists."""
    return names.get(pk) or f"deleted user {pk}"


def of_user(user) -> Link:
    return Link(str(user.get_username()), reverse("dashboards:user", args=[user.pk]), user.email or "")


def ip(address: str | None) -> Link | str:
    """An IP address -> the violations it committed (the list has its bans one filter away)."""
    if not address:
        return ""
    return Link(address, admin_list("violations.violation", ip=address))


def ip_bans(address: str) -> Link:
    return Link(f"IP {address}", admin_list("violations.ban", ip=address))


def model(name: str | None) -> Link | str:
    """A model -> its transactions ("(none)" for spends without one stays text)."""
    if not name or name == "(none)":
        return name or "(none)"
    return Link(name, admin_list("ledger.transaction", model=name))


def api_source(source: str) -> Link | str:
    """An API-key source -> the API keys of that source in the admin ("(local)", users without an external id,
    has no keys and stays text)."""
    if not source or source.startswith("("):
        return source
    return Link(source, admin_list("chatmon_api.apikey", source=source))


def route(name: str, method: str, r: Range) -> Link:
    """A route -> the Performance page narrowed to it (its traffic and latency over the same range or zoomed
    window)."""
    query = urlencode({**r.params, "route": name, "method": method}, safe=":")
    return Link(name, f"{reverse('dashboards:performance')}?{query}")


def user_lists(pk, viewer) -> list[tuple[str, str]]:
    """User 360's links to the user's rows in the admin that `viewer` may open: (label, URL)."""
    from chatmon.dashboards import access

    lists = [
        (access.TRANSACTIONS, "Transactions", admin_list("ledger.transaction", user__id__exact=pk)),
        (access.VIOLATIONS, "Violations", admin_list("violations.violation", user__id__exact=pk)),
        (access.BANS, "Bans", admin_list("violations.ban", user__id__exact=pk)),
        (access.AUDIT, "Audit timeline", reverse("admin:auditlog_auditevent_timeline", args=[pk])),
        (access.AUDIT, "Audit events about the user", admin_list("auditlog.auditevent", subject__id__exact=pk)),
        (access.AUDIT, "Audit events by the user", admin_list("auditlog.auditevent", actor__id__exact=pk)),
    ]
    return [(label, url) for permission, label, url in lists if access.may_view(viewer, permission)]
