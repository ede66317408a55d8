"""Request monitoring: route template, method, status class and duration of every request.

Each request adds to this process's batched Prometheus metrics (chatmon.monitoring.batched) and rollup buffer;
nothing crosses the network or touches a metrics file per request (the flusher thread writes the metrics about
once a second and sends the rollups to Redis every few seconds). It sits right after
chatmon.core.middleware.RequestContextMiddleware and reads the route and user that it resolved from
chatmon.core.context. Streaming responses are recorded when the server closes them (time to last byte).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from chatmon.core import context
from chatmon.monitoring import collectors, conf
from chatmon.monitoring.aggregator import StreamStats
from chatmon.monitoring.batched import request_metrics
from chatmon.monitoring.requests import record_request
from chatmon.monitoring.streaming import AsyncTimedStream, TimedStream

UNMATCHED = "<unmatched>"  # no URL pattern matched (404s): one label, never the raw path


class MonitoringMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not conf.enabled():
            raise MiddlewareNotUsed("MONITORING_ENABLED is off")
        self.get_response = get_response
        collectors.register()  # web processes only: the scrape-time values belong to the /metrics they serve

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_metrics.started()
        try:
            response = self.get_response(request)
        except BaseException:
            request_metrics.finished()
            raise
        ctx = context.current.get()
        route = (ctx.route if ctx else "") or UNMATCHED
        user_id = ctx.user_id if ctx else ""
        agent = request.META.get("HTTP_USER_AGENT", "")[:512]  # not request.headers: it builds a dict of all
        if not response.streaming:  # recorded now, without building the closure a stream needs
            _record(request, response, route, user_id, agent, started, None)
            return response

        def finish(stream: StreamStats) -> None:
            request.chatmon_bytes_sent = stream.bytes_sent  # for the access line, logged after this
            _record(request, response, route, user_id, agent, started, stream)

        wrapper = AsyncTimedStream if response.is_async else TimedStream
        response.streaming_content = wrapper(response.streaming_content, started, finish)
        return response


def _record(
    request: HttpRequest,
    response: HttpResponse,
    route: str,
    user_id: str,
    agent: str,
    started: float,
    stream: StreamStats | None,
) -> None:
    record_request(
        route=route,
        method=request.method,
        status=response.status_code,
        duration_s=time.perf_counter() - started,
        stream=stream,
        user_id=user_id,
        agent=agent,
        in_flight=True,
    )
