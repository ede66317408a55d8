"""`manage.py load_demo`: idempotent demo users and conversations (`make run` calls it on every start)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from examples.chatapp import conf
from examples.chatapp.demo import ensure_demo_data


class Command(BaseCommand):
    help = "Create the demo users (alice, bob, carol) and their conversations when missing."

    def handle(self, *args, **options) -> None:
        if not conf.get("CHATAPP_DEMO_DATA"):
            self.stdout.write("load_demo: skipped, CHATAPP_DEMO_DATA is off (demo passwords are public)")
            return
        created = ensure_demo_data()
        if not created:
            self.stdout.write("load_demo: demo data already present")
            return
        self.stdout.write("load_demo: created demo users (log in at POST /api/auth/login):")
        for username, password in created.items():
            self.stdout.write(f"  {username} / {password}")
