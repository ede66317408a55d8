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
        parser.add_argument(
            "--create-missing-users",
            action="store_true",
            help="Create a user for a transaction or balance naming a user users.json does not hold (counted as "
            "invented) instead of skipping the document.",
        )
        parser.add_argument(
            "--accept-skipped",
            action="store_true",
            help="Exit 0 even when documents were skipped (malformed, or naming an unknown user).",
        )

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
            create_missing_users=options["create_missing_users"],
            progress=lambda iterable, **kw: tqdm(iterable, file=self.stderr, disable=None, **kw),
        )
        # Users before transactions (their rows need the user), balances last (they reconcile the history).
        with acting_as("import:librechat"):
            for name in ("users", "transactions", "balances"):
                if options[name]:
                    getattr(job, f"import_{name}")(options[name])
            job.finish()
        self._report(job.summary)
        if job.summary.mismatches:
            raise CommandError(f"ledger verification failed for {len(job.summary.mismatches)} row(s); see above.")
        if job.summary.skipped and not options["accept_skipped"]:
            raise CommandError(
                f"{job.summary.skipped} document(s) skipped (listed above); what was read is imported. Fix the "
                "export and run again (nothing is imported twice), or pass --accept-skipped."
            )

    def _report(self, s: Summary) -> None:
        out = self.stdout.write
        out(
            f"users: {s.users_created} created, {s.users_existing} already known, "
            f"{len(s.users_invented)} invented for documents naming a user not in users.json"
        )
        out(
            f"transactions: {s.transactions_imported} imported, {s.transactions_known} already imported, "
            + self._skipped(s, "transactions")
        )
        out(
            f"balances: {s.balances_matched} matched their history, {len(s.reconciled)} reconciled, "
            f"{s.balances_opened} opened, {s.balances_unchanged} unchanged since the last import, "
            f"{s.balances_settings_updated} with new settings, " + self._skipped(s, "balances")
        )
        for r in s.reconciled:
            own = f", chatmon's own changes {r.own_changes!r} kept" if r.own_changes else ""
            out(
                f"  reconciled user {r.user}: LibreChat balance {r.librechat!r}, history replays to {r.history!r}, "
                f"granted {r.adjustment!r}{own}"
            )
        for librechat_id in s.users_invented:
            out(f"  invented user {librechat_id}: named by a transaction or balance, not in users.json")
        out(f"skipped {s.skipped} document(s)")
        for error in s.errors:
            self.stderr.write(f"  {error}")
        for (collection, librechat_id), count in sorted(s.unknown_users.items()):
            self.stderr.write(f"  {collection}: {count} document(s) of user {librechat_id}, who is not in users.json")
        for mismatch in s.mismatches:
            self.stderr.write(f"  user {mismatch.user_id}, row {mismatch.transaction_id}: {mismatch.problem}")
        out("ledger_verify: " + ("FAILED" if s.mismatches else "ok"))

    @staticmethod
    def _skipped(s: Summary, collection: str) -> str:
        malformed, unknown = s.skipped_in(collection)
        return f"{malformed} malformed and {unknown} of unknown users skipped"
