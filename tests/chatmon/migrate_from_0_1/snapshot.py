"""Run by either version through `manage.py shell -c`: every row of the tables named in the spec, as JSON.

Works with both the old and the new code because it only names models by label. Foreign keys to content
types are written as their natural key ("app_label.model"), so a permission that moved shows where it went.
The spec comes from $CHATMON_SNAPSHOT_SPEC: {"out": path, "tables": {name: "app.Model" or "app.Model.m2m"},
"user": username, "perms": ["app.codename", ...], "apps": [app_label, ...]}; "models" lists the apps' models,
so the caller can see that it named them all.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from auditlog.services import verify_chain


def model_of(label: str):
    app_label, model_name, *m2m = label.split(".")
    model = apps.get_model(app_label, model_name)
    return model._meta.get_field(m2m[0]).remote_field.through if m2m else model


def plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()  # all of it: DjangoJSONEncoder would cut microseconds to milliseconds
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} in a snapshot")


def rows(model) -> list[dict]:
    content_type_columns = [
        field.attname
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is ContentType
    ]
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    found = list(model._default_manager.order_by("pk").values())
    for row in found:
        for column in content_type_columns:
            row[column] = labels.get(row[column], row[column])
    return found


spec = json.loads(os.environ["CHATMON_SNAPSHOT_SPEC"])
user = get_user_model()._default_manager.get(username=spec["user"])
report = verify_chain()
snapshot = {
    "tables": {name: rows(model_of(label)) for name, label in spec["tables"].items()},
    "has_perm": {perm: user.has_perm(perm) for perm in spec["perms"]},
    "models": sorted(model._meta.label for app in spec["apps"] for model in apps.get_app_config(app).get_models()),
    "audit_chain": {"ok": report.ok, "checked": report.checked, "problem": report.problem},
}
Path(spec["out"]).write_text(json.dumps(snapshot, indent=1, sort_keys=True, default=plain))
