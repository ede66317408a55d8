"""What an operator reads on the dashboards: amounts in credits and money through the one formatting helper,
people by name (e-mail for who may see it), and every user, IP address and model a link to where the operator
acts on it (User 360, the admin's list filtered to it), each link landing on a page that shows that row."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from ledger import money
from ledger import services as ledger
from tests.dashboards.conftest import run_rollup_jobs
from tests.factories import UserFactory
from violations import services as violations
from violations.types import ViolationType

pytestmark = pytest.mark.django_db
LINK = re.compile(r'<a href="(?P<href>[^"]+)"[^>]*>(?P<text>[^<]+)</a>')


@pytest.fixture
def big_spender(db):
    """A user charged 12.5M credits ($12.50) for gpt-4o, an offender banned by name and one by IP."""
    user = UserFactory(username="bigspender", email="big@example.com")
    ledger.spend_tokens(user=user, model="gpt-4o", prompt_tokens=5_000_000, completion_tokens=0)
    offender = UserFactory(username="offender", email="off@example.com")
    violations.log_violation(type=ViolationType.MESSAGE_LIMIT, user=offender, score=2)
    violations.log_violation(type=ViolationType.LOGINS, ip="203.0.113.77", score=3)
    violations.ban(user=offender, duration_ms=3_600_000, reason="test")
    violations.ban(ip="203.0.113.77", duration_ms=3_600_000, reason="test")
    run_rollup_jobs()
    return user


def panel_html(body: str, slug: str) -> str:
    start = body.index(f'id="panel-{slug}"')
    return body[start : body.index("</section>", start)]


def test_it_shows_spend_in_credits_and_money_with_separators(staff_client, big_spender):
    body = staff_client.get("/dashboard/usage/?range=24h").content.decode()

    spenders = panel_html(body, "top-spenders")
    charged = 5_000_000 * 2.5
    assert '<th scope="col">USD</th>' in spenders
    assert money.format_credits(charged) == "12,500,000.00" and "12,500,000.00" in spenders
    assert "$12.50" in spenders
    # The chart's data (a JSON script) carries plain numbers; what a reader sees does not.
    shown = re.sub(r"<[^>]+>", " ", re.sub(r"<script[^>]*>.*?</script>", "", spenders, flags=re.S))
    assert "12500000" not in shown, "no raw number in the table"
    tooltip = json.loads(re.search(r'<script[^>]*type="application/json">(.*?)</script>', spenders, re.S)[1])["tips"]
    assert ["credits", "12,500,000.00"] in tooltip[0] and ["USD", "$12.50"] in tooltip[0], "hover reads as the table"
    assert "1,000,000 credits = 1 USD." in panel_html(body, "credits")


def test_its_csv_carries_credits_and_money_as_numbers(staff_client, big_spender):
    response = staff_client.get("/dashboard/usage/top-spenders.csv?range=24h")
    rows = list(csv.reader(io.StringIO(response.content.decode())))

    assert rows[0] == ["user", "credits", "USD", "tokens", "requests"]
    assert rows[1][:3] == ["bigspender", "12500000.0", "12.5"]


def test_it_follows_the_configured_currency(staff_client, big_spender, settings):
    settings.LEDGER_DISPLAY_CURRENCY = "EUR"
    settings.LEDGER_CREDITS_PER_UNIT = 1_250_000
    spenders = panel_html(staff_client.get("/dashboard/usage/?range=24h").content.decode(), "top-spenders")

    assert '<th scope="col">EUR</th>' in spenders and "€10.00" in spenders


def test_it_names_users_and_links_them_to_user_360(staff_client, big_spender):
    body = staff_client.get("/dashboard/usage/?range=24h").content.decode()
    links = {m["text"]: m["href"] for m in LINK.finditer(panel_html(body, "top-spenders"))}
    assert links["bigspender"] == f"/dashboard/users/{big_spender.pk}/"
    assert "big@example.com" in panel_html(body, "top-spenders"), "the operator may read users' e-mails"

    abuse = staff_client.get("/dashboard/abuse/?range=24h").content.decode()
    bans = panel_html(abuse, "active-bans")
    assert not re.search(r"user \d", re.sub(r"<[^>]+>", " ", bans)), "no 'user 3'"
    offender = {m["text"]: m["href"] for m in LINK.finditer(bans)}["offender"]
    page = staff_client.get(offender)
    assert page.status_code == 200 and 'id="username">offender<' in page.content.decode()


def test_it_hides_e_mails_from_staff_who_may_not_read_users(big_spender):
    viewer = UserFactory(username="analyst", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_userusageday"))
    client = Client()
    client.force_login(viewer)
    spenders = panel_html(client.get("/dashboard/usage/?range=24h").content.decode(), "top-spenders")

    assert ">bigspender</a>" in spenders
    assert "big@example.com" not in spenders


@pytest.mark.parametrize(
    ("page", "panel", "text", "shows"),
    [
        ("usage", "top-spenders", "bigspender", "bigspender"),
        ("usage", "models", "gpt-4o", "bigspender"),  # the model's transactions list the spender
        ("abuse", "offending-users", "offender", "offender"),
        ("abuse", "offending-ips", "203.0.113.77", "203.0.113.77"),
        ("abuse", "active-bans", "IP 203.0.113.77", "203.0.113.77"),
        ("overview", "jobs", "chatmon.roll_up_usage", "chatmon.roll_up_usage"),  # its runs in the admin
    ],
)
def test_each_link_lands_where_the_operator_acts_on_it(staff_client, big_spender, page, panel, text, shows):
    body = staff_client.get(f"/dashboard/{page}/?range=24h").content.decode()
    href = unescape({m["text"]: m["href"] for m in LINK.finditer(panel_html(body, panel))}[text])

    response = staff_client.get(href)
    assert response.status_code == 200, href  # an admin list refusing a filter redirects to ?e=1 instead
    assert shows in response.content.decode()
    if href.startswith("/admin/"):
        assert "0 results" not in response.content.decode() and "?e=1" not in response.get("Location", "")


def test_user_360_links_to_the_users_rows_in_the_admin(staff_client, big_spender, settings):
    other = UserFactory(username="someoneelse")
    ledger.spend_tokens(user=other, model="claude-sonnet-4", prompt_tokens=10, completion_tokens=10)
    body = staff_client.get(f"/dashboard/users/{big_spender.pk}/").content.decode()
    nav = body[body.index('id="admin-links"') : body.index("</nav>", body.index('id="admin-links"'))]
    hrefs = {m["text"]: unescape(m["href"]) for m in LINK.finditer(nav)}

    assert set(hrefs) >= {"Account", "Transactions", "Violations", "Bans", "Audit timeline"}
    transactions = staff_client.get(hrefs["Transactions"]).content.decode()
    assert '<td class="field-model_item">gpt-4o</td>' in transactions, "the user's spend is listed"
    assert '<td class="field-model_item">claude-sonnet-4</td>' not in transactions, "filtered to this user"
    for label, href in hrefs.items():
        assert staff_client.get(href).status_code == 200, label
