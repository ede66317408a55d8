"""Operators create keys in the admin (the key is shown once, only its hash stored) and revoke them."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from auditlog.models import AuditEvent
from chatmon.api.models import ApiKey

pytestmark = pytest.mark.django_db


def test_it_creates_a_key_shown_once_and_audited(client, operator):
    client.force_login(operator)
    response = client.post(
        "/admin/chatmon_api/apikey/add/",
        {"name": "librechat-prod", "scopes": ["ledger:write", "ledger:read"], "source": "librechat"},
    )
    assert response.status_code == 302
    message = next(str(m) for m in get_messages(response.wsgi_request) if "copy it now" in str(m))
    secret = re.search(r": (\S+) - copy it now", message).group(1)
    key = ApiKey.objects.get(name="librechat-prod")
    assert key.scopes == ["ledger:read", "ledger:write"] and key.created_by == operator
    assert secret.startswith(key.prefix + ".") and secret not in key.hashed_key
    assert (
        client.get("/api/v1/balance", {"user": "u"}, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    assert AuditEvent.objects.filter(action="api.key_created", actor_id=operator.pk).exists()
    change_page = f"/admin/chatmon_api/apikey/{key.pk}/change/"
    assert secret in client.get(change_page).content.decode()  # the page after saving shows it, once
    assert secret not in client.get(change_page).content.decode()


def test_it_revokes_keys_with_an_action(client, operator, make_api):
    api = make_api("ledger:read")
    client.force_login(operator)
    key = ApiKey.objects.get()
    client.post("/admin/chatmon_api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api.get("balance", {"user": "u"}).status_code == 401
    assert AuditEvent.objects.filter(action="api.key_revoked").count() == 1
