"""Many new rows of one model in few INSERT statements, built without Django's insert compiler.

Used by the apps' batch writes (the refill job's ledger rows, auditlog.record_many's events), which must not
import each other: this package depends on Django alone. Under a profiler, bulk_create spent about 0.2 ms a row
building its statement (a placeholder and a value conversion per column and row, and on SQLite a statement per
~50 rows, Django's limit of 999 parameters), as much as the rest of a refill. Here a value goes through its
field's get_db_prep_save only when it is not a plain str, int or float (which that conversion returns unchanged),
and `RETURNING id` gives each row its key in the order of the rows, as bulk_create relies on for both databases.
Field hooks (pre_save, e.g. auto_now) are not run: callers set every value themselves.
"""

from __future__ import annotations

from django.db import connection, models

# A statement's parameters: SQLite's default limit since 3.32 is 32766, PostgreSQL's 65535.
MAX_PARAMETERS = 32_000
# Values of these exact types are what get_db_prep_save would return for them: they go to the driver as they are.
_PLAIN = (str, int, float)


def insert_many(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert `objects` (new instances of `model`) in order and set their keys; the caller owns the transaction."""
    if not connection.features.can_return_rows_from_bulk_insert:  # SQLite before 3.35: no RETURNING
        model.objects.bulk_create(objects)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {quote(model._meta.pk.column)}"
    per_statement = MAX_PARAMETERS // len(fields)
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            chunk = objects[start : start + per_statement]
            params = [
                value if value is None or type(value) in _PLAIN else field.get_db_prep_save(value, connection)
                for obj in chunk
                for field in fields
                for value in (getattr(obj, field.attname),)
            ]
            cursor.execute(f"{head}{', '.join([placeholders] * len(chunk))}{returning}", params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding, obj._state.db = False, connection.alias
