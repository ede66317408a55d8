"""The migration helpers that moved 0.1's models never touch what belongs to a chat app's own apps."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from chatmon.core.moves import create_or_adopt_tables

# Schema changes: SQLite's schema editor cannot run inside the test's wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)

RENAMES = {"apikey": "api_apikey", "importedrow": "api_importedrow"}


def run(operation) -> None:
    with connection.schema_editor() as schema_editor:
        operation.code(apps, schema_editor)


def test_a_chat_apps_own_api_app_keeps_its_permissions():
    # A chat app with an app labelled "api" and a model ApiKey of its own: its permission must stay on it.
    theirs = ContentType.objects.create(app_label="api", model="apikey")
    permission = Permission.objects.create(content_type=theirs, codename="use_apikey", name="Can use")

    run(create_or_adopt_tables("chatmon_api", "api", RENAMES))

    permission.refresh_from_db()
    assert (permission.content_type.app_label, permission.content_type.model) == ("api", "apikey")


def test_a_table_of_the_same_name_with_other_columns_is_not_adopted():
    with connection.schema_editor() as schema_editor:
        schema_editor.execute("CREATE TABLE api_importedrow (id integer PRIMARY KEY, note varchar(10))")
        schema_editor.execute("DROP TABLE chatmon_api_importedrow")

    try:
        run(create_or_adopt_tables("chatmon_api", "api", RENAMES))  # creates chatmon_api_importedrow anew

        with connection.cursor() as cursor:
            tables = set(connection.introspection.table_names(cursor))
            columns = {c.name for c in connection.introspection.get_table_description(cursor, "api_importedrow")}
        assert {"api_importedrow", "chatmon_api_importedrow"} <= tables
        assert columns == {"id", "note"}
    finally:
        with connection.schema_editor() as schema_editor:
            schema_editor.execute("DROP TABLE api_importedrow")
