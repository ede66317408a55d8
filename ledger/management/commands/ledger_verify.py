"""manage.py ledger_verify: exit 1 and name the users whose balance does not match its rows."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ledger.verify import verify_ledger


class Command(BaseCommand):
    help = "Check every balance against its transaction rows and every row's before/after chain."

    def handle(self, *args, **options) -> None:
        checked, problems = verify_ledger()
        if not problems:
            self.stdout.write(self.style.SUCCESS(f"ledger ok: {checked} balances match their transactions"))
            return
        names = dict(
            get_user_model().objects.filter(pk__in={p.user_id for p in problems}).values_list("pk", "username")
        )
        for problem in problems:
            where = f" (transaction {problem.transaction_id})" if problem.transaction_id else ""
            self.stderr.write(
                f"user {names.get(problem.user_id, '?')} (id {problem.user_id}){where}: {problem.problem}"
            )
        users = sorted({str(names.get(p.user_id, p.user_id)) for p in problems})
        raise CommandError(f"ledger mismatch for {len(users)} of {checked} users: {', '.join(users)}")
