"""WSGI entry point (gunicorn chatmon.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmon.settings")
# The project's Celery app, so that tasks enqueued while serving requests go to its broker.
import chatmon.celery  # noqa: F401

application = get_wsgi_application()
