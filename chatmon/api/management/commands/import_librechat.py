"""manage.py import_librechat --users users.json --balances balances.json --transactions transactions.json"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from auditlog.context import acting_as
from chatmon.api.librechat.importer import LibreChatImport, Summary
from ledger import conf as ledger_conf


class Command(BaseCommand):
    help = "Import LibreChat's users, transactions and balances from mongoexport files (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=Path, help="mongoexport of the users collection")
        parser.add_argument("--transactions", type=Path, help="mongoexport of the transactions collection")
        parser.add_argument("--balances", type=Path, help="mongoexport of the balances collection")
        parser.add_argument(
            "--start-balance",
            type=float,
            default=None,
            help="Credits a balance had before its first imported transaction (default: LEDGER_START_BALANCE).",
        )
        parser.add_argument("--chunk-size", type=int, default=2000, help="Transactions written per DB transaction.")

    def handle(self, *args, **options) -> None:
        paths = [options[name] for name in ("users", "transactions", "balances") if options[name]]
        if not paths:
            raise CommandError("Name at least one file: --users, --transactions, --balances.")
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        start = options["start_balance"]
        job = LibreChatImport(
            start_balance=ledger_conf.start_balance() or 0.0 if start is None else start,
            chunk_size=options["chunk_size"],
            progress=lambda iterable, **kw: tqdm(iterable, file=self.stderr, disable=None, **kw),
        )
        # Users before transactions (their rows need the user), balances last (they reconcile the history).
        with acting_as("import:librechat"):
            for name in ("users", "transactions", "balances"):
                if options[name]:
                    getattr(job, f"import_{name}")(options[name])
        job.verify()
        self._report(job.summary)
        if job.summary.mismatches:
            raise CommandError(f"ledger verification failed for {len(job.summary.mismatches)} row(s); see above.")

    def _report(self, s: Summary) -> None:
        out = self.stdout.write
        out(f"users: {s.users_created} created, {s.users_existing} already known")
        out(f"transactions: {s.transactions_imported} imported, {s.transactions_skipped} already imported")
        out(
            f"balances: {s.balances_matched} matched their history, {len(s.reconciled)} reconciled, "
            f"{s.balances_opened} opened, {s.balances_skipped} already imported"
        )
        for r in s.reconciled:
            out(
                f"  reconciled user {r.user}: LibreChat balance {r.librechat!r}, history replays to {r.history!r}, "
                f"granted {r.adjustment!r}"
            )
        out(f"skipped {len(s.errors)} malformed document(s)")
        for error in s.errors:
            self.stderr.write(f"  {error}")
        for mismatch in s.mismatches:
            self.stderr.write(f"  user {mismatch.user_id}, row {mismatch.transaction_id}: {mismatch.problem}")
        out("ledger_verify: " + ("FAILED" if s.mismatches else "ok"))
