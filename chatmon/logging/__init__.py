"""chatmon's logging: LibreChat's levels, redaction, formatters, rotating files and request/task context.

Public names (DESIGN.md): `redact`, `redact_value`, and the levels `HTTP`, `VERBOSE`, `ACTIVITY`, `SILLY`.
Importing this package registers the level names, so `logger.log(ACTIVITY, ...)` prints "ACTIVITY".
"""

from __future__ import annotations

from chatmon.logging.levels import ACTIVITY, HTTP, SILLY, VERBOSE, register
from chatmon.logging.redaction import redact, redact_value

register()

__all__ = ["ACTIVITY", "HTTP", "SILLY", "VERBOSE", "redact", "redact_value"]
