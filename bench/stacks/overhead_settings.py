"""Settings for bench/middleware_overhead.py: chatmon's settings with the middleware stack chosen by BENCH_STACK.

bare: Django's own middleware only; prometheus: plus django-prometheus' middleware pair; monitoring: plus
chatmon's own request pipeline (request context, request monitoring, API errors, anonymous callers); full:
chatmon's whole stack, as shipped.
"""

import os

from examples.demo.settings import *  # noqa: F403
from examples.demo.settings import MIDDLEWARE as FULL

_DJANGO = [name for name in FULL if name.startswith("django.")]
_PROMETHEUS = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *_DJANGO,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
# chatmon's own pipeline in its shipped places (request context, request monitoring, API errors, anonymous
# callers), without the ban check, route guards and the rest.
_MONITORING = [name for name in FULL if name.startswith(("django.", "chatmon."))]

MIDDLEWARE = {"bare": _DJANGO, "prometheus": _PROMETHEUS, "monitoring": _MONITORING, "full": FULL}[
    os.environ.get("BENCH_STACK", "full")
]
