"""Settings for bench/middleware_overhead.py: chatmon's settings with the middleware stack chosen by BENCH_STACK.

bare: Django's own middleware only; prometheus: plus django-prometheus' pair; monitoring: plus chatmon's request
context and request monitoring; full: chatmon's whole stack.
"""

import os

from chatmon.settings import *  # noqa: F403
from chatmon.settings import MIDDLEWARE as FULL

_DJANGO = [name for name in FULL if name.startswith("django.")]
_PROMETHEUS = [FULL[0], *_DJANGO, FULL[-1]]
# django-prometheus plus request context (logging) and request monitoring, without the ban check and guards.
_MONITORING = [FULL[0], FULL[1], "chatmon.monitoring.middleware.MonitoringMiddleware", *_DJANGO, FULL[-1]]

MIDDLEWARE = {"bare": _DJANGO, "prometheus": _PROMETHEUS, "monitoring": _MONITORING, "full": FULL}[
    os.environ.get("BENCH_STACK", "full")
]
