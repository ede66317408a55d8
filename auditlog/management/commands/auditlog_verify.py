"""`manage.py auditlog_verify`: seal, then check the audit chain; exit status 1 and the first bad event when it
fails (an event left unsealed past the window included)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from auditlog.services import verify_chain


class Command(BaseCommand):
    help = (
        "Seal the audit events written so far, then verify the audit log's hash chain (changed, deleted or "
        "inserted events, and events left unsealed past AUDITLOG_SEAL_WINDOW_SECONDS)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-seal", action="store_false", dest="seal",
            help="Only read (a replica): count unsealed events instead of sealing them first.",
        )  # fmt: skip

    def handle(self, *args, **options) -> None:
        report = verify_chain(seal=options["seal"])
        if not report.ok:
            raise CommandError(f"audit chain broken after {report.checked} good events: {report.problem}")
        unsealed = f"; {report.unsealed} written since, not sealed yet" if report.unsealed else ""
        self.stdout.write(f"audit chain ok: {report.checked} events checked{unsealed}")
