"""The database keeps call rows well-formed (ledger 0003): only `call` rows name an item, every call row does,
and the once-per-message key includes the item; upgrading keeps every existing row as it was."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from ledger.models import Transaction
from tests.factories import UserFactory


def _row(user, **fields) -> Transaction:
    return Transaction(user=user, rate=1.0, raw_amount=-1.0, token_value=-1.0, **fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"token_type": "call", "item": ""},
        {"token_type": "prompt", "item": "web_search"},
        {"token_type": "credits", "item": "x"},
    ],
)
def test_it_refuses_an_item_on_the_wrong_kind_of_row(member, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(member, **fields).save()


@pytest.mark.django_db
def test_a_message_has_one_row_per_item(member):
    _row(member, token_type="call", item="web_search", message_id="m").save()
    _row(member, token_type="call", item="code_session", message_id="m").save()
    _row(member, token_type="prompt", message_id="m").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(member, token_type="call", item="web_search", message_id="m").save()


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_upgrading_keeps_existing_rows_and_their_once_per_message_rule():
    user = UserFactory()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("ledger")
    _migrate(("ledger", "0002_stored_figures_finite"))
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_transaction (user_id, token_type, raw_amount, token_value, rate, message_id,"
                " written_off, reason, created_at) VALUES (%s, 'prompt', -10, -25, 2.5, 'old', 0, '',"
                " CURRENT_TIMESTAMP)",
                [user.pk],
            )
    finally:
        _migrate(latest[0])
    old = Transaction.objects.get(message_id="old")
    assert (old.token_type, old.item, old.token_value) == ("prompt", "", -25)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(user, token_type="prompt", message_id="old").save()
