"""Create the operator's superuser once; print its password only when it was generated."""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin superuser if missing (password from CHATMON_ADMIN_PASSWORD or generated)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default=os.environ.get("CHATMON_ADMIN_USER", "admin"))

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        supplied = os.environ.get("CHATMON_ADMIN_PASSWORD", "")
        user = User.objects.filter(username=username).first()
        if user is None:
            password = supplied or secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=f"{username}@localhost", password=password)
            shown = "(from CHATMON_ADMIN_PASSWORD)" if supplied else password
            self.stdout.write(f"Admin login: user {username!r}, password {shown}")
        elif supplied:
            user.set_password(supplied)
            user.save(update_fields=["password"])
            self.stdout.write(f"Admin login: user {username!r}, password reset from CHATMON_ADMIN_PASSWORD")
        else:
            self.stdout.write(
                f"Admin login: user {username!r}, password as printed when it was created "
                f"(set CHATMON_ADMIN_PASSWORD to reset it)"
            )
