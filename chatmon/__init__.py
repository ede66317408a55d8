"""chatmon: the Django project and the core monitoring app."""

from typing import Any

# Load the Celery app with Django so that @shared_task binds to it and on_commit enqueues work.
from chatmon.celery import app as celery_app

__all__ = ["celery_app", "track"]


def __getattr__(name: str) -> Any:
    """`chatmon.track("conversation.shared")` records a feature event.

    Imported lazily: the monitoring module creates Prometheus metrics at import, and in multiprocess mode
    those need PROMETHEUS_MULTIPROC_DIR to exist, which `make run` creates only after `import chatmon`.
    """
    if name == "track":
        from chatmon.monitoring import track

        return track
    raise AttributeError(f"module 'chatmon' has no attribute {name!r}")
