#!/usr/bin/env python
"""Django's command-line utility for chatmon."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmon.settings")
    from django.core.management import execute_from_command_line

    import chatmon.celery  # noqa: F401  (the project's Celery app: commands enqueue tasks through it)

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
