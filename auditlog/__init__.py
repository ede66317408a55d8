"""The audit log: `auditlog.services.record(...)`, `auditlog.track(Model, ...)`, `auditlog.register_action(...)`.

The names below are imported lazily, so `import auditlog` works before Django's app registry is ready.
"""

from __future__ import annotations

from typing import Any

__all__ = ["register_action", "track"]


def __getattr__(name: str) -> Any:
    if name == "track":
        from auditlog.tracking import track

        return track
    if name == "register_action":
        from auditlog.actions import register_action

        return register_action
    raise AttributeError(f"module 'auditlog' has no attribute {name!r}")
