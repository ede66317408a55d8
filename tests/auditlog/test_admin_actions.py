"""Every add, change and delete in the admin is recorded with its actor and the changed fields."""

from __future__ import annotations

from django.contrib.auth.models import Group

from auditlog.models import AuditEvent
from tests.auditlog.conftest import events, last_id


def test_it_records_admin_add_change_and_delete(client, operator):
    client.force_login(operator)
    start = last_id()
    assert client.post("/admin/auth/group/add/", {"name": "moderators"}).status_code == 302
    group = Group.objects.get(name="moderators")
    assert client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "mods"}).status_code == 302
    assert client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 302
    who = ("success", "operator@example.com", operator.pk)
    assert events(after=start) == [("admin.added", *who), ("admin.changed", *who), ("admin.deleted", *who)]
    added, changed, deleted = AuditEvent.objects.filter(id__gt=start).order_by("id")
    assert (added.target_type.model, added.target_id, added.target_repr) == ("group", str(group.pk), "moderators")
    assert changed.metadata == {"changes": [{"changed": {"fields": ["Name"]}}]}
    assert deleted.target_repr == "mods"
