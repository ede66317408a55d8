"""manage.py import_librechat: mongoexport files in both forms, Extended JSON, re-runs, malformed lines,
and balances that disagree with their history reported and reconciled so that ledger_verify passes.
Corrected and later exports: tests/api/test_import_librechat_reruns.py."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from chatmon.api.librechat.reader import read
from chatmon.api.models import ExternalUser
from ledger.models import Balance, Transaction

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).with_name("fixtures")
ANN, BOB, CY = "65a000000000000000000001", "65a000000000000000000002", "65a000000000000000000003"


def run_import(*flags: str, **files) -> tuple[str, str]:
    """The fixtures hold malformed documents on purpose: the run accepts skipping them unless told otherwise."""
    out, err = StringIO(), StringIO()
    args = [f"--{name}={FIXTURES / file}" for name, file in files.items()]
    call_command(
        "import_librechat", *args, "--start-balance=20000", *(flags or ["--accept-skipped"]), stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def user(librechat_id: str):
    return ExternalUser.objects.get(source="librechat", external_id=librechat_id).user


def full_import() -> tuple[str, str]:
    return run_import(users="users.jsonl", transactions="transactions.jsonl", balances="balances.json")


def test_it_imports_users_transactions_and_balances():
    out, _ = full_import()
    ann, bob, cy = user(ANN), user(BOB), user(CY)
    assert (ann.email, ann.first_name, ann.is_active, ann.has_usable_password()) == (
        "ann@example.com", "Ann Example", False, False,
    )  # fmt: skip
    assert ann.date_joined.isoformat() == "2024-01-02T03:04:05.123000+00:00"
    assert bob.date_joined.isoformat() == "2024-01-02T03:04:05.123000+00:00"  # $date as $numberLong
    assert cy.email == ""
    assert ExternalUser.objects.get(external_id=BOB).tenant_id == "tenant-blue"
    prompt = Transaction.objects.get(user=bob, token_type="prompt")
    assert (prompt.input_tokens, prompt.write_tokens, prompt.read_tokens) == (-2000, -1000, -7000)
    assert (prompt.rate, prompt.endpoint, prompt.balance_before, prompt.balance_after, prompt.written_off) == (
        3.0, "anthropic", 20000, 0, 10000,
    )  # fmt: skip
    assert Transaction.objects.get(user=ann, token_type="completion").token_value == -500  # $numberDecimal
    assert "users: 3 created" in out
    assert "transactions: 4 imported" in out
    assert "ledger_verify: ok" in out


def test_it_reconciles_a_balance_that_disagrees_with_its_history():
    out, _ = full_import()
    bob = Balance.objects.get(user=user(BOB))
    assert bob.token_credits == 4000
    assert (bob.auto_refill_enabled, bob.refill_amount, bob.refill_interval_unit) == (True, 5000, "days")
    grant = Transaction.objects.filter(user=bob.user, context="grant").get()
    assert grant.token_value == -1000 and "replays to 5000.0" in grant.reason
    assert f"reconciled user {BOB}: LibreChat balance 4000.0, history replays to 5000.0, granted -1000.0" in out
    assert "balances: 1 matched their history, 1 reconciled, 1 opened, 0 unchanged" in out
    assert Balance.objects.get(user=user(ANN)).token_credits == 19250
    assert Balance.objects.get(user=user(CY)).token_credits == 123456
    verify = StringIO()
    call_command("ledger_verify", stdout=verify)


def test_it_reports_malformed_documents_by_line_and_imports_the_rest():
    _, err = full_import()
    assert "users.jsonl:4: malformed JSON" in err
    assert "transactions.jsonl:5: tokenType 'bananas'" in err
    assert "transactions.jsonl:6: malformed JSON" in err
    assert "transactions.jsonl:7: tokenValue is NaN" in err
    assert "balances.json:4: refillIntervalUnit 'fortnights'" in err
    assert Transaction.objects.filter(context="autoRefill").count() == 1  # the line after the bad ones


def test_it_counts_what_it_skipped_and_fails_unless_told_to_accept_it():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"5 document\(s\) skipped .* or pass --accept-skipped"):
        run_import("--start-balance=20000", users="users.jsonl", transactions="transactions.jsonl",
                   balances="balances.json")  # fmt: skip
    assert Transaction.objects.filter(context="autoRefill").count() == 1  # what was read is kept
    out, _ = full_import()
    assert "transactions: 0 imported, 4 already imported, 3 malformed and 0 of unknown users skipped" in out
    assert "1 malformed and 0 of unknown users skipped" in out and "skipped 5 document(s)" in out


def test_it_imports_nothing_twice():
    full_import()
    rows, credits = Transaction.objects.count(), list(Balance.objects.values_list("token_credits", flat=True))
    out, _ = full_import()
    assert Transaction.objects.count() == rows
    assert list(Balance.objects.values_list("token_credits", flat=True)) == credits
    assert "users: 0 created, 3 already known" in out
    assert "transactions: 0 imported, 4 already imported" in out
    assert "3 unchanged since the last import" in out and "ledger_verify: ok" in out


def test_it_reads_a_json_array_export():
    out, err = run_import("--create-missing-users", "--accept-skipped", transactions="transactions_array.json")
    assert "transactions: 2 imported" in out
    assert "1 invented for documents naming a user not in users.json" in out
    assert "transactions_array.json:3: expected a JSON object, got str" in err
    rows = Transaction.objects.order_by("pk")
    assert [row.balance_after for row in rows] == [19990, 19980]
    assert rows[1].created_at.isoformat() == "2024-02-01T10:00:01.500000+00:00"


def test_it_reads_both_date_forms_and_the_number_types():
    documents = [document.data for document in read(FIXTURES / "transactions.jsonl") if document.data]
    assert documents[0]["_id"] == "65b000000000000000000001"
    assert documents[0]["rawAmount"] == -100 and documents[0]["rate"] == 2.5
    assert documents[1]["createdAt"].isoformat() == "2024-02-01T10:00:01+00:00"
    assert documents[1]["tokenValue"] == -500.0 and isinstance(documents[1]["tokenValue"], float)


def test_it_refuses_to_run_without_files(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Name at least one file"):
        call_command("import_librechat", stdout=StringIO())
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_librechat", f"--users={tmp_path / 'missing.json'}", stdout=StringIO())
