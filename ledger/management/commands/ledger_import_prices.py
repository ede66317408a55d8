"""manage.py ledger_import_prices: preview (and with --apply, add) prices from a LiteLLM price file."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ledger import pricefile, services
from ledger.priceadmin import per_million
from ledger.validation import LedgerInputError


class Command(BaseCommand):
    help = (
        "Read LiteLLM's model_prices_and_context_window.json (a file) or a LiteLLM proxy's /model/info (a URL), "
        "show which models would get a new price, and with --apply add them as price overrides."
    )

    def add_arguments(self, parser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--file", help="path of the price file")
        source.add_argument("--url", help="a LiteLLM proxy's model-info URL, e.g. http://litellm:4000/model/info")
        parser.add_argument("--api-key", default="", help="the proxy's key (sent as a Bearer token)")
        parser.add_argument("--only", default="", help="comma-separated parts of model names to keep")
        parser.add_argument("--effective-from", help="ISO time the prices start (default: now)")
        parser.add_argument("--apply", action="store_true", help="add the new prices (default: preview only)")

    def handle(self, *args, **options) -> None:
        start = timezone.now()
        if options["effective_from"]:
            start = parse_datetime(options["effective_from"])
            if start is None or start.tzinfo is None:
                raise CommandError("--effective-from must be an ISO time with a time zone, e.g. 2026-12-01T00:00Z")
        only = tuple(part.strip() for part in options["only"].split(",") if part.strip())
        try:
            if options["file"]:
                data, source = pricefile.read_path(options["file"]), options["file"]
            else:
                data, source = pricefile.fetch_url(options["url"], api_key=options["api_key"]), options["url"]
            plan = pricefile.plan(pricefile.load(data), effective_from=start, source=source[:200], only=only)
            self._show(plan)
            if options["apply"]:
                created = services.import_price_plan(plan=plan)
                self.stdout.write(self.style.SUCCESS(f"added {len(created)} prices from {start.isoformat()}"))
        except LedgerInputError as exc:
            raise CommandError(str(exc)) from exc

    def _show(self, plan: pricefile.Plan) -> None:
        for change in plan.changes:
            prompt, completion = change.old_rates(plan.default_rate)
            self.stdout.write(
                f"new price  {change.model}: prompt {per_million(prompt)} -> "
                f"{per_million(change.new.prompt)}, completion {per_million(completion)} -> "
                f"{per_million(change.new.completion)} per 1M tokens (today: {change.old_key or 'the default rate'})"
            )
        for name, why in plan.skipped:
            self.stdout.write(f"skipped    {name}: {why}")
        self.stdout.write(
            f"{len(plan.changes)} new prices, {len(plan.unchanged)} unchanged, {len(plan.skipped)} skipped"
        )
