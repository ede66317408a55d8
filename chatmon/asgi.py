"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmon.settings")
# The project's Celery app, so that tasks enqueued while serving requests go to its broker.
import chatmon.celery  # noqa: F401

application = get_asgi_application()
