"""Errors raised outside views (middleware) and unmatched API paths still answer API clients in JSON."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings


class ExplodingMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path.endswith("/explode"):
            raise RuntimeError("middleware failure with password=hunter2")
        return self.get_response(request)


def with_exploding_middleware():
    from django.conf import settings

    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("chatmon.core.middleware.RequestContextMiddleware") + 1, f"{__name__}.ExplodingMiddleware"
    )
    return override_settings(MIDDLEWARE=middleware, DEBUG=False)


@pytest.mark.django_db
def test_it_answers_a_middleware_failure_on_an_api_path_with_the_json_500():
    with with_exploding_middleware():
        response = Client(raise_request_exception=False).get("/api/anything/explode")
    assert response.status_code == 500
    body = response.json()
    assert body["message"] == "An unknown error occurred."
    assert body["request_id"] == response["X-Request-ID"]
    assert "hunter2" not in response.content.decode()


@pytest.mark.django_db
def test_it_keeps_djangos_page_for_a_middleware_failure_on_an_html_path():
    with with_exploding_middleware():
        response = Client(raise_request_exception=False).get("/admin/explode")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_it_answers_an_unmatched_api_path_with_json_404(client):
    response = client.get("/api/no/such/route")
    assert response.status_code == 404
    assert response.json()["message"] == "Not found."
    assert client.get("/no/such/page")["Content-Type"].startswith("text/html")
