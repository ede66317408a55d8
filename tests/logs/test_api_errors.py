"""API error responses under /api/: LibreChat's shapes, the request id in body and header, no leak."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from prometheus_client import REGISTRY

pytestmark = [pytest.mark.urls("tests.logs.urls"), pytest.mark.django_db]


def _unhandled(exception: str, route: str) -> float:
    labels = {"exception": exception, "route": route}
    return REGISTRY.get_sample_value("chatmon_unhandled_exceptions_total", labels) or 0.0


def test_it_answers_500_without_leaking_and_logs_and_counts_once(configure_logging):
    logs = configure_logging()
    before = _unhandled("RuntimeError", "api/boom/<int:pk>/")
    response = Client().get("/api/boom/3/", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.json() == {"message": "An unknown error occurred.", "request_id": "req-500"}
    assert response["X-Request-ID"] == "req-500"
    assert _unhandled("RuntimeError", "api/boom/<int:pk>/") == before + 1
    errors = [json.loads(line) for path in logs.files("error-*.log") for line in path.read_text().splitlines()]
    assert len(errors) == 1
    assert errors[0]["message"] == "Unhandled exception on GET api/boom/<int:pk>/"
    assert errors[0]["request_id"] == "req-500"
    assert "RuntimeError: database said password=[REDACTED] for Bearer [REDACTED]" in errors[0]["stack"]


def test_it_answers_400_with_messages_and_fields():
    response = Client().get("/api/invalid/")
    assert response.status_code == 400
    body = response.json()
    assert json.loads(body["fields"]) == ["email", "name"]
    assert json.loads(body["messages"]) == "Enter a valid email address. This field is required."
    assert body["request_id"] == response["X-Request-ID"]
    single = Client().get("/api/invalid-one/").json()
    assert json.loads(single["messages"]) == ["Just one problem."] and json.loads(single["fields"]) == []


def test_it_answers_409_naming_the_unique_fields():
    response = Client().get("/api/duplicate/")
    assert response.status_code == 409
    body = response.json()
    assert json.loads(body["fields"]) == ["username"]
    assert body["messages"] == 'An document with that ["username"] already exists.'
    assert "dup" not in json.dumps(body)


def test_it_sends_a_custom_error_with_its_own_status_and_body():
    response = Client().get("/api/custom/")
    assert response.status_code == 402
    assert response.json() == {"message": "Insufficient funds", "balance": 0, "request_id": response["X-Request-ID"]}


def test_it_keeps_djangos_pages_for_html_routes_but_counts_the_exception(configure_logging):
    logs = configure_logging()
    before = _unhandled("RuntimeError", "html/boom/")
    response = Client(raise_request_exception=False).get("/html/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert _unhandled("RuntimeError", "html/boom/") == before + 1
    errors = [json.loads(line) for path in logs.files("error-*.log") for line in path.read_text().splitlines()]
    assert [error["message"] for error in errors] == ["Internal Server Error: /html/boom/"]
