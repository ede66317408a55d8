"""WSGI entry point (gunicorn chatmon.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmon.settings")
application = get_wsgi_application()
