"""The audit log: `auditlog.services.record(...)`, `auditlog.track_model_changes(Model, ...)`,
`auditlog.register_action(...)`.

The names below are imported lazily, so `import auditlog` works before Django's app registry is ready.
"""

from __future__ import annotations

from typing import Any

__all__ = ["register_action", "track_model_changes"]


def __getattr__(name: str) -> Any:
    if name == "track_model_changes":
        from auditlog.tracking import track_model_changes

        return track_model_changes
    if name == "register_action":
        from auditlog.actions import register_action

        return register_action
    raise AttributeError(f"module 'auditlog' has no attribute {name!r}")
