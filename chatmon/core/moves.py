"""Migration helpers for models that moved between apps (chatmon 0.1's single app and its `api` app).

A model that moves keeps its rows. Its permissions move with it to the new app's content type, so groups
keep what they were granted; the old content type stays, because audit events recorded before the move
point at it and the audit chain hashes its app label.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import migrations


def move_content_types(old_label: str, new_label: str, models: Iterable[str]) -> migrations.RunPython:
    """For models whose tables stayed where they were (the old app label was chatmon's own)."""
    models = tuple(models)

    def forwards(apps, schema_editor) -> None:
        _move_permissions(apps, schema_editor, old_label, new_label, models)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)


def _move_permissions(apps, schema_editor, old_label: str, new_label: str, models: Iterable[str]) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    permissions = apps.get_model("auth", "Permission").objects.using(schema_editor.connection.alias)
    for model in models:
        old = content_types.filter(app_label=old_label, model=model).first()
        if old is None:
            continue  # a new database: content types are created after migrating
        new, _ = content_types.get_or_create(app_label=new_label, model=model)
        permissions.filter(content_type=old).update(content_type=new)


def create_or_adopt_tables(app_label: str, old_label: str, renames: dict[str, str]) -> migrations.RunPython:
    """Create each model's table, or rename the table it had under its old app label `old_label`.

    `renames` maps model name -> old table, in creation order (a model after those its foreign keys name).
    An old table is adopted only when its columns are exactly the model's, so a chat app's own table that
    happens to have that name is never touched; only an adopted model's permissions move to the new content
    type (a chat app may well have an app labelled "api" with models of the same names).
    """

    def forwards(apps, schema_editor) -> None:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            tables = set(connection.introspection.table_names(cursor))
        adopted = []
        for name, old_table in renames.items():
            model = apps.get_model(app_label, name)
            new_table = model._meta.db_table
            if new_table in tables:
                continue
            if old_table in tables and _columns(connection, old_table) == {f.column for f in model._meta.local_fields}:
                schema_editor.alter_db_table(model, old_table, new_table)
                adopted.append(name)
            else:
                schema_editor.create_model(model)
        _move_permissions(apps, schema_editor, old_label, app_label, adopted)

    def backwards(apps, schema_editor) -> None:
        for name in reversed(renames):
            schema_editor.delete_model(apps.get_model(app_label, name))

    return migrations.RunPython(forwards, backwards, elidable=False)


def _columns(connection, table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


def state_only(operations: list) -> list:
    """Operations that change Django's idea of the models but not the database (the tables exist already)."""
    return [migrations.SeparateDatabaseAndState(state_operations=operations)]
