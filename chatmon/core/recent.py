"""A small per-process memory of recent answers (an API key by its secret, a caller's user by their id), so a
hot path need not ask the database on every request. Entries expire after a time read at call time (a
setting), and the memory is bounded: when it is full it is emptied, which costs one lookup per entry again.

What a process remembers, others do not see: a change (a revoked key) reaches another process when its
entry expires, so the time is the staleness an operator accepts, stated where each memory is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()


class RecentAnswers:
    def __init__(self, seconds: Callable[[], float], max_entries: int = 10_000) -> None:
        self._seconds = seconds
        self._max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable, default=None):
        entry = self._entries.get(key, _MISSING)
        if entry is _MISSING or entry[0] <= time.monotonic():
            return default
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        seconds = self._seconds()
        if seconds <= 0:
            return
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + seconds, value)

    def forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
