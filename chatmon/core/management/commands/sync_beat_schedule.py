"""Write the code-declared beat schedule into django-celery-beat's tables."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from chatmon.core.beat import sync_beat_schedule


class Command(BaseCommand):
    help = "Create missing periodic tasks from the code's schedule; --reset restores the code's values."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="Overwrite operators' edits with the defaults.")

    def handle(self, *args, reset: bool, **options) -> None:
        report = sync_beat_schedule(reset=reset)
        self.stdout.write(
            f"beat schedule: {len(report.created)} created, {len(report.reset)} reset, "
            f"{len(report.unchanged)} unchanged"
        )
