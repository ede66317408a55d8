"""Every dashboard URL, found by walking the URLconf, is refused to anonymous and non-staff users."""

from __future__ import annotations

import re

import pytest
from django.urls import URLResolver, get_resolver

pytestmark = pytest.mark.django_db


def dashboard_urls(member) -> list[str]:
    """Every route under the `dashboards` namespace, with sample arguments filled in."""
    resolver = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "dashboards"
    )
    samples = {"pk": member.pk, "panel": "traffic"}
    return ["/dashboard/" + _fill(str(pattern.pattern), samples) for pattern in resolver.url_patterns]


def _fill(route: str, samples: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(samples[match.group(1)]), route)


def test_it_finds_every_page_in_the_urlconf(member):
    urls = dashboard_urls(member)
    assert {"/dashboard/overview/", "/dashboard/abuse/", f"/dashboard/users/{member.pk}/"} <= set(urls)
    assert len(urls) >= 15


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_anonymous_users_on_every_dashboard_url(client, member, method):
    for url in dashboard_urls(member):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_non_staff_users_on_every_dashboard_url(client, member, method):
    client.force_login(member)
    for url in dashboard_urls(member):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
