"""The admin refuses a key source that the API would refuse in a request: one validator for both."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from chatmon.api import keys
from chatmon.api.models import ApiKey

pytestmark = pytest.mark.django_db

ADD_PAGE = "/admin/chatmon_api/apikey/add/"


@pytest.mark.parametrize("source", ["Tenant-A", "tenant a", "-tenant", "tenant/a", "x" * 51, ""])
def test_it_refuses_a_source_the_api_refuses(client, operator, api, source):
    client.force_login(operator)
    response = client.post(ADD_PAGE, {"name": "bad-source", "scopes": ["ledger:read"], "source": source})
    assert response.status_code == 200  # the form again, with its errors
    assert "source" in response.context["adminform"].form.errors
    assert not ApiKey.objects.filter(name="bad-source").exists()
    if source:  # the same rule in a request (empty means "the key's source" there)
        assert api.get("balance", {"user": "u", "source": source}).status_code == 400


def test_it_accepts_a_source_the_api_accepts(client, operator):
    client.force_login(operator)
    response = client.post(ADD_PAGE, {"name": "tenant-a", "scopes": ["ledger:read"], "source": "tenant-a.prod_1"})
    assert response.status_code == 302
    assert ApiKey.objects.get(name="tenant-a").source == "tenant-a.prod_1"


def test_it_refuses_the_source_on_a_change_too(client, operator, make_api):
    make_api("ledger:read", source="tenant-a")
    key = ApiKey.objects.get()
    client.force_login(operator)
    response = client.post(
        f"/admin/chatmon_api/apikey/{key.pk}/change/", {"name": key.name, "scopes": key.scopes, "source": "Tenant-B"}
    )
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.source == "tenant-a"


def test_the_key_service_refuses_it_too():
    with pytest.raises(ValidationError):
        keys.create_key(name="scripted", scopes=[], source="Tenant-A")
    assert not ApiKey.objects.exists()
