"""WSGI entry point (gunicorn chatmon.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmon.settings")
# The project's Celery app, so that tasks enqueued while serving requests go to its broker.
import chatmon.celery  # noqa: F401
from chatmon.logging import tracing

# Django's setup starts tracing when configured; then a streamed reply's request span ends with its last byte.
application = tracing.wrap_wsgi(get_wsgi_application())
