"""`manage.py auditlog_verify`: check the audit chain; exit status 1 and the first bad event when it fails."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from auditlog.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (changed, deleted or inserted events)."

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"audit chain broken after {report.checked} good events: {report.problem}")
        self.stdout.write(f"audit chain ok: {report.checked} events checked")
