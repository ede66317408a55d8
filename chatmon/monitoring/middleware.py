"""Request monitoring: route template, method, status class and duration of every request.

Each request updates Prometheus' in-memory metrics and this process's rollup buffer; nothing crosses the
network per request (the flusher thread sends the buffer to Redis every few seconds). It sits right after
chatmon.middleware.RequestContextMiddleware and reads the route and user that it resolved from
chatmon.context. Streaming responses are recorded when the server closes them (time to last byte).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from chatmon import context
from chatmon.monitoring import collectors, conf, flusher, metrics
from chatmon.monitoring.aggregator import StreamStats, buffer
from chatmon.monitoring.streaming import AsyncTimedStream, TimedStream

UNMATCHED = "<unmatched>"  # no URL pattern matched (404s): one label, never the raw path
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MonitoringMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not conf.enabled():
            raise MiddlewareNotUsed("MONITORING_ENABLED is off")
        self.get_response = get_response
        collectors.register()  # web processes only: the scrape-time values belong to the /metrics they serve

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        metrics.IN_FLIGHT.inc()
        try:
            response = self.get_response(request)
        except BaseException:
            metrics.IN_FLIGHT.dec()
            raise
        ctx = context.current.get()
        route = (ctx.route if ctx else "") or UNMATCHED
        method = request.method if request.method in METHODS else "OTHER"
        user_id = ctx.user_id if ctx else ""
        agent = request.headers.get("User-Agent", "")[:512]

        def finish(stream: StreamStats | None) -> None:
            _record(route, method, response.status_code, time.perf_counter() - started, stream, user_id, agent)

        if response.streaming:
            wrapper = AsyncTimedStream if response.is_async else TimedStream
            response.streaming_content = wrapper(response.streaming_content, started, finish)
        else:
            finish(None)
        return response


def _record(
    route: str, method: str, status: int, duration: float, stream: StreamStats | None, user_id: str, agent: str
) -> None:
    metrics.IN_FLIGHT.dec()
    metrics.REQUESTS.labels(route=route, method=method, status_class=f"{status // 100}xx").inc()
    metrics.REQUEST_DURATION.labels(route=route, method=method).observe(duration)
    if stream is not None:
        if stream.ttfb_s is not None:
            metrics.STREAM_TTFB.labels(route=route).observe(stream.ttfb_s)
        metrics.STREAM_BYTES.labels(route=route).observe(stream.bytes_sent)
        if stream.disconnected:
            metrics.STREAM_DISCONNECTS.labels(route=route).inc()
    now = time.time()
    buffer.record_request(now=now, route=route, method=method, status=status, duration_s=duration, stream=stream)
    if user_id:
        buffer.record_user(now=now, user_id=user_id)
    buffer.record_agent(now=now, agent=agent)
    flusher.ensure_started()
