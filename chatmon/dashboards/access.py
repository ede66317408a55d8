"""Who may read or do what on /dashboard/: each section of a page and each action names the Django permission
of the model it shows or changes (the map is in docs/dashboards.md). A denied read or action is a 403."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

# Read permissions, named after the table each section reads (for the 24 h range and beyond).
REQUESTS = "chatmon_dashboards.view_requesthour"  # traffic, latency, routes, slow queries, cache, queues
MODEL_USAGE = "chatmon_dashboards.view_modelusagehour"  # tokens, credits, models, forecast
USER_USAGE = "chatmon_dashboards.view_userusageday"  # top spenders, requests per user, session length
VIOLATION_HOURS = "chatmon_dashboards.view_violationhour"  # violations by type, balance denials
BAN_HOURS = "chatmon_dashboards.view_banhour"
OFFENDERS = "chatmon_dashboards.view_offenderday"
ACTIVE_USERS = "chatmon_monitoring.view_activeusers"
DAILY_COUNTS = "chatmon_monitoring.view_dailycount"  # features, browsers, operating systems
MODELS = "chatmon_monitoring.view_generationrollup"  # LLM models' speed, errors, cache use, cost, feedback
JOBS = "chatmon.view_jobrun"  # beat jobs and service health (the beat check reads job runs)
BALANCE = "ledger.view_balance"
TRANSACTIONS = "ledger.view_transaction"
HOLDS = "ledger.view_hold"
VIOLATIONS = "violations.view_violation"
BANS = "violations.view_ban"
AUDIT = "auditlog.view_auditevent"  # audit timeline and sessions
SIGN_IN_PLACES = "chatmon_analytics.view_signinplace"  # sign-ins by country
COHORTS = "chatmon_analytics.view_cohortcell"
FUNNELS = "chatmon_analytics.view_funnel"
EXPERIMENTS = "chatmon_analytics.view_experiment"
KPIS = "chatmon_analytics.view_kpi"
BUDGETS = "chatmon_policies.view_budget"  # budgets panel, a user's policy and budgets on User 360
# Actions: the same permissions the admin asks for the same change.
GRANT = "ledger.change_balance"  # BalanceAdmin.has_grant_permission
BAN = "violations.add_ban"
LIFT_BAN = "violations.change_ban"


def users_permission() -> str:
    """User 360's search lists every user's name and e-mail: the user model's view permission."""
    opts = get_user_model()._meta
    return f"{opts.app_label}.view_{opts.model_name}"


def may_view(user, permission: str) -> bool:
    # As the admin's has_view_permission: the change permission of a model also lets one see it.
    return user.has_perm(permission) or user.has_perm(permission.replace(".view_", ".change_", 1))


def may_act_on(user, subject) -> bool:
    """Only a superuser grants credits to, bans or lifts a ban of a superuser: otherwise a staff user with
    the ban permission could lock out the people who hold every other permission."""
    return user.is_superuser or not subject.is_superuser


@dataclass(frozen=True)
class Section:
    """Panels that one permission opens: `build` makes them (from a range on a page, a user on User 360)."""

    permission: str
    build: Callable[[Any], list]


def allowed(user, sections: Iterable[Section]) -> list[Section]:
    return [section for section in sections if may_view(user, section.permission)]


def require(allowed_: bool) -> None:
    if not allowed_:
        raise PermissionDenied
