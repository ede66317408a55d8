"""manage.py import_librechat run again: a corrected export and a later, larger one converge to LibreChat's
balances and settings, chatmon's own changes in between are kept, and documents naming a user users.json does
not hold are skipped and counted (or invented on request), never charged silently."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chatmon.api.models import ExternalUser
from ledger import selectors, services
from ledger.models import Balance, Transaction

pytestmark = pytest.mark.django_db

ANN, BOB = "65a0000000000000000000a1", "65a0000000000000000000b2"


def user_doc(librechat_id: str) -> dict:
    return {"_id": {"$oid": librechat_id}, "name": librechat_id[-2:], "email": f"{librechat_id}@example.com"}


def spend(number: int, librechat_id: str, value: float) -> dict:
    return {
        "_id": {"$oid": f"65b{number:021d}"}, "user": {"$oid": librechat_id}, "tokenType": "prompt",
        "model": "gpt-4o", "context": "message", "rate": 2.5, "rawAmount": value / 2.5, "tokenValue": value,
        "createdAt": {"$date": f"2024-03-01T10:{number // 60:02d}:{number % 60:02d}Z"},
    }  # fmt: skip


def balance_doc(librechat_id: str, credits: float, **settings) -> dict:
    return {"_id": {"$oid": "65c" + librechat_id[3:]}, "user": {"$oid": librechat_id}, "tokenCredits": credits,
            **settings}  # fmt: skip


class Export:
    """A LibreChat export written as mongoexport JSON lines; `truncate` cuts one transaction line short."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir()

    def write(self, *, users: list[dict], transactions: list[dict], balances: list[dict], truncate: int = -1):
        lines = [json.dumps(doc) for doc in transactions]
        if truncate >= 0:
            lines[truncate] = lines[truncate][:40]
        (self.directory / "transactions.json").write_text("\n".join(lines) + "\n")
        (self.directory / "users.json").write_text("\n".join(json.dumps(doc) for doc in users) + "\n")
        (self.directory / "balances.json").write_text("\n".join(json.dumps(doc) for doc in balances) + "\n")
        return self

    def run(self, *flags: str, files: tuple[str, ...] = ("users", "transactions", "balances")) -> str:
        out, err = StringIO(), StringIO()
        paths = [f"--{name}={self.directory / f'{name}.json'}" for name in files]
        call_command("import_librechat", *paths, "--start-balance=20000", *flags, stdout=out, stderr=err)
        return out.getvalue() + err.getvalue()


def balance(librechat_id: str) -> float:
    return selectors.balance_of(ExternalUser.objects.get(source="librechat", external_id=librechat_id).user)


def verified() -> bool:
    return selectors.verify_balances(users=Balance.objects.values_list("user_id", flat=True)) == []


# LibreChat's truth: Ann spent 100 + 200 + 300 from 20,000 but LibreChat lost an update (its balance says 19,500);
# Bob spent 1,000 and 760.
ANN_ROWS = [spend(1, ANN, -100), spend(2, ANN, -200), spend(3, ANN, -300)]
BOB_ROWS = [spend(4, BOB, -1000), spend(5, BOB, -760)]
BALANCES = [balance_doc(ANN, 19500), balance_doc(BOB, 18240)]


def test_a_corrected_export_converges_to_librechats_balances(tmp_path):
    # The first export cut Ann's second row short and left Bob out of users.json.
    first = Export(tmp_path / "first").write(
        users=[user_doc(ANN)], transactions=ANN_ROWS + BOB_ROWS, balances=BALANCES, truncate=1
    )
    with pytest.raises(CommandError, match=r"4 document\(s\) skipped"):  # a line, Bob's 2 rows and balance
        first.run()
    assert balance(ANN) == 19500  # reconciled against the history it had
    assert not ExternalUser.objects.filter(external_id=BOB).exists()  # not invented, not charged from 20,000

    fixed = Export(tmp_path / "fixed").write(users=[user_doc(ANN), user_doc(BOB)], transactions=ANN_ROWS + BOB_ROWS,
                                             balances=BALANCES)  # fmt: skip
    out = fixed.run()  # exits 0: nothing skipped
    assert (balance(ANN), balance(BOB)) == (19500, 18240)
    assert "reconciled user 65a0000000000000000000a1: LibreChat balance 19500.0, history replays to 19300.0" in out
    assert verified()
    rows = Transaction.objects.count()
    again = fixed.run()
    assert (balance(ANN), balance(BOB), Transaction.objects.count()) == (19500, 18240, rows)
    assert "2 unchanged since the last import" in again and "0 reconciled" in again


def test_new_rows_without_a_balances_file_reconcile_to_the_last_balance_librechat_reported(tmp_path):
    first = Export(tmp_path / "first").write(users=[user_doc(ANN)], transactions=ANN_ROWS[:2], balances=BALANCES[:1])
    first.run()
    later = Export(tmp_path / "later").write(users=[user_doc(ANN)], transactions=ANN_ROWS, balances=[])
    out = later.run(files=("transactions",))
    assert balance(ANN) == 19500 and verified()
    assert "granted 300.0" in out


def test_a_later_export_applies_changed_balances_and_settings_and_keeps_chatmons_own_changes(tmp_path):
    Export(tmp_path / "first").write(users=[user_doc(ANN)], transactions=ANN_ROWS, balances=BALANCES[:1]).run()
    ann = ExternalUser.objects.get(external_id=ANN).user
    services.grant_credits(user=ann, amount=1000, reason="support gesture made in chatmon")
    own = selectors.balance_of(ann) - 19500

    # LibreChat went on: Ann spent 500 more (and LibreChat lost another 100), got a refill plan.
    refill = {"autoRefillEnabled": True, "refillIntervalValue": 7, "refillIntervalUnit": "days", "refillAmount": 5000}
    later = Export(tmp_path / "later").write(
        users=[user_doc(ANN)],
        transactions=[*ANN_ROWS, spend(6, ANN, -500)],
        balances=[balance_doc(ANN, 18900, **refill)],
    )
    out = later.run()
    assert balance(ANN) == 18900 + own
    settings = Balance.objects.get(user=ann)
    assert (settings.auto_refill_enabled, settings.refill_interval_value, settings.refill_amount) == (True, 7, 5000)
    assert "1 with new settings" in out and f"granted -100.0, chatmon's own changes {own!r} kept" in out
    assert verified()

    # An operator then turns the refill off here; the same export again leaves that alone.
    Balance.objects.filter(user=ann).update(auto_refill_enabled=False)
    assert "1 unchanged since the last import" in later.run()
    assert Balance.objects.get(user=ann).auto_refill_enabled is False


def test_documents_of_a_user_missing_from_users_json_are_skipped_and_counted_or_invented_on_request(tmp_path):
    export = Export(tmp_path / "export").write(users=[user_doc(ANN)], transactions=ANN_ROWS + BOB_ROWS,
                                               balances=BALANCES)  # fmt: skip
    with pytest.raises(CommandError, match=r"3 document\(s\) skipped"):
        export.run()
    assert not ExternalUser.objects.filter(external_id=BOB).exists()
    out = export.run("--accept-skipped")  # the operator accepts the loss: exit 0, still counted
    assert "transactions: 0 imported, 3 already imported, 0 malformed and 2 of unknown users skipped" in out
    assert f"transactions: 2 document(s) of user {BOB}, who is not in users.json" in out

    out = export.run("--create-missing-users")
    assert f"invented user {BOB}: named by a transaction or balance, not in users.json" in out
    assert "1 invented" in out and "skipped 0 document(s)" in out
    assert balance(BOB) == 18240 and verified()


def test_a_balance_an_earlier_version_imported_is_taken_as_the_starting_point(tmp_path):
    """chatmon before checkpoints remembered balance documents by _id only; re-importing one must not
    reconcile away what happened here since."""
    from chatmon.api.models import ImportedBalance, ImportedRow

    export = Export(tmp_path / "export").write(users=[user_doc(ANN)], transactions=ANN_ROWS, balances=BALANCES[:1])
    export.run()
    ImportedBalance.objects.all().delete()
    ImportedRow.objects.create(collection="balances", external_id="65c" + ANN[3:])
    services.grant_credits(user=ExternalUser.objects.get(external_id=ANN).user, amount=700, reason="here")
    assert "1 unchanged since the last import" in export.run()
    assert balance(ANN) == 20200 and ImportedBalance.objects.get().credits_after == 20200
