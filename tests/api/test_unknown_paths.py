"""Every unknown path under /api/v1/ answers the documented JSON 404, whatever the method, even with Django's
CSRF check enforced as it is for real clients (the test client skips it unless told)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["/api/v1/nowhere", "/api/v1/spends/nowhere/", "/api/v1/holds/x/release"])
def test_it_answers_json_404_to_every_method(method, path):
    response = Client(enforce_csrf_checks=True).generic(method, path, data="{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["message"] == f"No API endpoint at {path}." and body["request_id"] == response["X-Request-ID"]


def test_it_answers_json_404_with_a_key_and_a_session_cookie(api):
    api.client = Client(enforce_csrf_checks=True)
    api.client.cookies["sessionid"] = "whatever"
    assert api.post("nowhere", {"user": "u"}).status_code == 404
