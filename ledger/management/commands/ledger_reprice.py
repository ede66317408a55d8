"""manage.py ledger_reprice: recompute a past period's charges for one model; with --apply, post the corrections."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from ledger import money, repricing, services
from ledger.validation import LedgerInputError


def _moment(value: str, name: str):
    moment = parse_datetime(value)
    if moment is None or moment.tzinfo is None:
        raise CommandError(f"--{name} must be an ISO time with a time zone, e.g. 2026-11-01T00:00Z")
    return moment


class Command(BaseCommand):
    help = (
        "Recompute the charges of MODEL's rows in [--start, --end) at corrected prices (credits per token; by "
        "default the model's prices in force now) and show the difference per user; --apply posts one correcting "
        "transaction per user. Running the same repricing again posts nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("model")
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)
        parser.add_argument("--user", help="only this user's rows (id)")
        parser.add_argument("--prompt", type=float)
        parser.add_argument("--completion", type=float)
        parser.add_argument("--cache-write", type=float)
        parser.add_argument("--cache-read", type=float)
        parser.add_argument("--reason", required=True)
        parser.add_argument("--apply", action="store_true")

    def handle(self, *args, model, **options) -> None:
        prices = repricing.prices_now(model)
        if options["prompt"] is not None or options["completion"] is not None:
            prices = {name: options[name] for name in repricing.PRICE_NAMES}
        if prices is None:
            raise CommandError(f"{model} has no price now: give --prompt and --completion, or add its price first")
        arguments = {"model": model, "start": _moment(options["start"], "start"), "end": _moment(options["end"], "end"),
                     "prices": prices, "reason": options["reason"], "user": options["user"]}  # fmt: skip
        try:
            if options["apply"]:
                applied, preview = services.reprice(**arguments)
            else:
                applied, preview = None, services.preview_repricing(**arguments)
        except LedgerInputError as exc:
            raise CommandError(str(exc)) from exc
        for diff in preview.differences:
            self.stdout.write(
                f"user {diff.user_id}: {diff.rows} rows, charged {money.format_amount(diff.old)}, at the corrected "
                f"prices {money.format_amount(diff.new)}, correction {money.format_amount(diff.correction)}"
            )
        if options["apply"]:
            posted = f"repricing {applied.pk} posted {applied.users} corrections" if applied else "nothing to post"
            self.stdout.write(self.style.SUCCESS(posted))
        else:
            self.stdout.write(f"{len(preview.to_post)} corrections to post (preview only; --apply posts them)")
