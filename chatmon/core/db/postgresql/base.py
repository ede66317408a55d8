"""PostgreSQL as django-prometheus instruments it, with a health check that skips a connection in steady use.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request on a reused connection:
a round trip, and work for both the worker and the server, on every request that touches the database. A
connection that served a request without a database error less than CONN_HEALTH_CHECK_GRACE seconds ago is
taken as alive, as HikariCP's aliveBypassWindowMs (500 ms) and PgBouncer's server_check_delay (30 s) do; an
idle one is still checked. What the grace costs: a server that
restarts within that time after a connection's last request fails that connection's next request (as a
restart fails the requests in flight), and Django drops the connection when that request ends.
"""

from __future__ import annotations

import time

from django_prometheus.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._answered_at = float("-inf")  # when a request last used this connection without a database error

    def close_if_health_check_failed(self) -> None:
        grace = self.settings_dict.get("CONN_HEALTH_CHECK_GRACE", 0)
        if not self.health_check_done and time.monotonic() - self._answered_at < grace:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self) -> None:
        # Called when a request starts and when it ends: `health_check_done` is set only once a request asks
        # for a cursor, so here it says that the request that is ending used the connection.
        used_cleanly = self.connection is not None and self.health_check_done and not self.errors_occurred
        super().close_if_unusable_or_obsolete()
        if used_cleanly and self.connection is not None:
            self._answered_at = time.monotonic()
