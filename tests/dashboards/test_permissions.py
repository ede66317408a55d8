"""Every dashboard read and action needs the Django permission of what it shows or changes: a staff user with
none gets 403 on every URL (found by walking the URLconf), each single permission opens exactly its panels,
pages and actions, and a superuser opens everything."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLResolver, get_resolver

from auditlog.models import AuditEvent
from ledger.models import Transaction
from tests.factories import OperatorFactory, UserFactory
from violations import services as violations
from violations.models import Ban

pytestmark = pytest.mark.django_db

# What opens each page's panels, written out here rather than read from the code under test. A model's view
# permission or its change permission opens it (as in the admin).
PAGE_PANELS = {
    "overview": {"chatmon_alerting.incident": ["alerts"],
                 "chatmon_dashboards.requesthour": ["traffic", "latency"],
                 "chatmon_monitoring.activeusers": ["active-users"],
                 "chatmon_dashboards.modelusagehour": ["tokens", "credits"],
                 "chatmon_dashboards.violationhour": ["violations"],
                 "chatmon.jobrun": ["jobs", "health"],
                 "chatmon_monitoring.generationrollup": ["models-overview"]},
    "models": {"chatmon_monitoring.generationrollup": ["models", "model-speed", "model-errors", "providers"]},
    "performance": {"chatmon_dashboards.requesthour": ["traffic", "latency", "routes", "slowest", "slow-queries",
                                                       "cache", "queues"]},
    "usage": {"chatmon_dashboards.modelusagehour": ["tokens", "credits", "tokens-by-model", "models", "forecast"],
              "chatmon_dashboards.userusageday": ["top-spenders"], "chatmon_policies.budget": ["budgets"],
              "ledger.transaction": ["spend-by-model", "spend-by-endpoint", "spend-by-source", "unpriced-models"],
              "chatmon_dashboards.violationhour": ["denials"]},
    "abuse": {"chatmon_dashboards.violationhour": ["violations"], "chatmon_dashboards.banhour": ["bans"],
              "chatmon_dashboards.offenderday": ["offending-users", "offending-ips"],
              "chatmon_dashboards.userusageday": ["spend-anomalies"],
              "violations.ban": ["active-bans", "bans-by-country"],
              "violations.violation": ["violations-by-country"]},
    "engagement": {"chatmon_monitoring.activeusers": ["active-users"],
                   "chatmon_dashboards.userusageday": ["requests-per-user", "session-length"],
                   "chatmon_monitoring.dailycount": ["features", "browsers", "os"],
                   "chatmon_analytics.signinplace": ["countries"], "chatmon_analytics.cohortcell": ["cohorts"],
                   "chatmon_analytics.funnel": ["funnels"], "chatmon_analytics.experiment": ["experiments"],
                   "chatmon_analytics.kpi": ["kpis"]},
}  # fmt: skip
USER_PANELS = {"ledger.transaction": ["balance", "transactions"], "ledger.hold": ["holds"],
               "violations.violation": ["violations"], "violations.ban": ["bans"],
               "auditlog.auditevent": ["audit", "sessions"], "chatmon_policies.budget": ["policy"]}  # fmt: skip
ACTIONS = {"grant": "ledger.change_balance", "ban": "violations.add_ban", "lift-ban": "violations.change_ban"}
# Besides its panels, User 360 opens for the balance figure and for anyone who may take one of its actions.
USER_PAGE_EXTRA = {"ledger.view_balance", *ACTIONS.values()}
APPS = [
    "auth",
    "ledger",
    "violations",
    "auditlog",
    "chatmon",
    "chatmon_monitoring",
    "chatmon_dashboards",
    "chatmon_analytics",
    "chatmon_alerting",
    "chatmon_policies",
]


def openers(model: str) -> set[str]:
    app, name = model.split(".")
    return {f"{app}.view_{name}", f"{app}.change_{name}"}


def dashboard_patterns() -> list[tuple[str, str]]:
    resolver = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "dashboards"
    )
    return [(pattern.name, str(pattern.pattern)) for pattern in resolver.url_patterns]


def fill(route: str, **samples) -> str:
    return "/dashboard/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(samples[match.group(1)]), route)


def read_urls(subject) -> dict[str, set[str]]:
    """Every GET URL under /dashboard/ (each CSV once per panel) and the permissions any of which opens it."""
    urls: dict[str, set[str]] = {}
    for name, route in dashboard_patterns():
        if name in ("user_grant", "user_ban", "user_lift_ban"):
            continue
        if name in PAGE_PANELS:
            urls[fill(route)] = set().union(*map(openers, PAGE_PANELS[name]))
        elif name.endswith("_csv") and name[:-4] in PAGE_PANELS:
            for model, panels in PAGE_PANELS[name[:-4]].items():
                for panel in panels:
                    urls[fill(route, panel=panel)] = openers(model)
        elif name == "user_csv":
            for model, panels in USER_PANELS.items():
                for panel in panels:
                    urls[fill(route, pk=subject.pk, panel=panel)] = openers(model)
        elif name == "user":
            urls[fill(route, pk=subject.pk)] = set().union(*map(openers, USER_PANELS), USER_PAGE_EXTRA)
        elif name == "users":
            urls[fill(route)] = {"auth.view_user"}
        elif name == "index":
            pages = set().union(*(openers(m) for panels in PAGE_PANELS.values() for m in panels))
            urls[fill(route)] = pages | {"auth.view_user"}
        else:
            raise AssertionError(f"no expectation for dashboard URL {name!r}: add it to this test")
    return urls


def staff_with(*permissions: str):
    user = UserFactory(username=f"staff-{'-'.join(permissions) or 'none'}"[:150], is_staff=True)
    for permission in permissions:
        app, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get_status(client: Client, url: str) -> int:
    return client.get(url, follow=url == "/dashboard/").status_code


def state() -> tuple:
    return Transaction.objects.count(), Ban.objects.count(), Ban.objects.active().count(), AuditEvent.objects.count()


def post_action(client: Client, action: str, subject) -> int:
    data = {"grant": {"amount": 5, "reason": "test"}, "ban": {"hours": 1, "reason": "test"}, "lift-ban": {}}[action]
    return client.post(f"/dashboard/users/{subject.pk}/{action}", data).status_code


def test_it_walks_every_dashboard_url(member):
    names = {name for name, _ in dashboard_patterns()}
    assert {"index", "users", "user", "user_csv", "user_grant", "user_ban", "user_lift_ban"} <= names
    assert len(read_urls(member)) > 40


def test_a_staff_user_without_permissions_gets_403_everywhere_and_changes_nothing(member):
    violations.ban(user=member, duration_ms=3_600_000, reason="to lift")
    client = signed_in(staff_with())
    before = state()
    urls = [fill(route, pk=member.pk, panel="transactions") for _, route in dashboard_patterns()]
    for url in [*urls, *read_urls(member)]:
        for method in ("get", "post"):
            response = getattr(client, method)(
                url, {"amount": 5, "reason": "x", "hours": 1} if method == "post" else {}
            )
            assert response.status_code == 403, (method, url, response.status_code)
            assert "text/html" in response["Content-Type"], url
    assert state() == before


def test_each_single_permission_opens_exactly_its_pages(member):
    urls = read_urls(member)
    permissions = Permission.objects.filter(content_type__app_label__in=APPS).select_related("content_type")
    assert permissions.count() > 50
    for permission in permissions:
        name = f"{permission.content_type.app_label}.{permission.codename}"
        client = signed_in(staff_with(name))
        opened = {url for url in urls if get_status(client, url) == 200}
        assert opened == {url for url, needs in urls.items() if name in needs}, name


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_needs_its_permission_and_a_denied_one_changes_nothing(member, action):
    violations.ban(user=member, duration_ms=3_600_000, reason="to lift")
    for permission in [*ACTIONS.values(), "ledger.view_balance", "violations.view_ban", "auth.change_user"]:
        client = signed_in(staff_with(permission))
        if action == "lift-ban" and not Ban.objects.active().filter(user=member).exists():
            violations.ban(user=member, duration_ms=3_600_000, reason="to lift")
        before = state()
        status = post_action(client, action, member)
        if permission == ACTIONS[action]:
            assert status == 302, permission
            assert state() != before, permission
        else:
            assert status == 403, permission
            assert state() == before, permission


@pytest.mark.parametrize("action", ACTIONS)
def test_only_a_superuser_acts_on_a_superuser(action):
    root = OperatorFactory(username="root")
    violations.ban(user=root, duration_ms=3_600_000, reason="to lift")
    client = signed_in(staff_with(*ACTIONS.values()))
    before = state()
    assert post_action(client, action, root) == 403
    assert state() == before
    assert post_action(signed_in(OperatorFactory(username="other-root")), action, root) == 302
    assert state() != before


def test_a_superuser_opens_every_url(operator, member):
    client = signed_in(operator)
    for url in read_urls(member):
        assert get_status(client, url) == 200, url


def test_the_user_page_shows_only_what_the_permission_opens(member):
    page = signed_in(staff_with("auditlog.view_auditevent")).get(f"/dashboard/users/{member.pk}/").content.decode()
    assert "Audit timeline" in page
    assert "Transactions" not in page and 'id="balance"' not in page
    assert "grant-form" not in page and "ban-form" not in page and "lift-form" not in page
    page = signed_in(staff_with("violations.add_ban")).get(f"/dashboard/users/{member.pk}/").content.decode()
    assert "ban-form" in page and "grant-form" not in page and "Audit timeline" not in page
