"""Event endpoints: audit events (auditlog.services.record), feature events
(chatmon.monitoring.events.record_feature_event) and request timings (chatmon's request rollups and metrics),
each a batch whose items succeed or fail on their own."""

from __future__ import annotations

import time

from django.apps import apps
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from auditlog import actions
from auditlog.services import record
from chatmon.api import conf, timings
from chatmon.api.errors import Unprocessable
from chatmon.api.models import Scope
from chatmon.api.serializers import events as s
from chatmon.api.serializers.common import resolve_user, source_of
from chatmon.api.serializers.ledger import BatchResultSerializer
from chatmon.api.views.base import IDEMPOTENCY_PARAMETER, WriteView, responses, run_batch, validated
from chatmon.monitoring.aggregator import StreamStats
from chatmon.monitoring.events import record_feature_event


def _documented(operation_id: str, request, summary: str):
    return extend_schema(
        operation_id=operation_id,
        request=request,
        responses=responses(BatchResultSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary=summary,
    )


def _audit(item: dict, request) -> dict:
    data = validated(s.AuditEventSerializer, item)
    action = data["action"]
    if not actions.is_registered(action):
        if action not in conf.audit_actions():
            raise Unprocessable(f"Unknown audit action {action!r}; add it to API_AUDIT_ACTIONS.", field="action")
        actions.register_action(action)
    user = resolve_user(data, request) if data.get("user") else None
    metadata = dict(data["metadata"])
    if data.get("occurred_at"):
        metadata["occurred_at"] = data["occurred_at"].isoformat()
    event = record(
        action=action,
        actor=user or request.auth.actor_label,
        subject=user,
        ip=data.get("ip"),
        metadata=metadata,
        outcome=data["outcome"],
    )
    return {"id": event.pk}


class AuditEventsView(WriteView):
    """Append audit events to chatmon's tamper-evident log."""

    required_scope = Scope.EVENTS_WRITE

    @_documented("audit_events", s.AuditBatchSerializer, "Record audit events (the user named acted).")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        events = validated(s.AuditBatchSerializer, request.data)["events"]
        return run_batch("audit_events", events, lambda item: _audit(item, request))


def _feature(item: dict, request) -> dict:
    data = validated(s.FeatureEventSerializer, item)
    if data.get("user") and apps.is_installed("chatmon.analytics"):
        from chatmon.analytics.events import record_user_event

        record_user_event(resolve_user(data, request), data["name"], data["count"])
    else:
        record_feature_event(data["name"], data["count"])
    return {"counted": data["count"]}


class FeatureEventsView(WriteView):
    """Count named feature events (the names in MONITORING_FEATURE_EVENTS)."""

    required_scope = Scope.EVENTS_WRITE

    @_documented("feature_events", s.FeatureBatchSerializer, "Count feature events (per day, by name).")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        events = validated(s.FeatureBatchSerializer, request.data)["events"]
        return run_batch("feature_events", events, lambda item: _feature(item, request))


def _timing(item: dict, request) -> dict:
    data = validated(s.TimingSerializer, item)
    streamed = data.get("ttfb_ms") is not None or data.get("bytes_sent") is not None
    stream = None
    if streamed:
        ttfb = data.get("ttfb_ms")
        stream = StreamStats(None if ttfb is None else ttfb / 1000, data.get("bytes_sent") or 0, data["disconnected"])
    route = timings.route_label(source_of({}, request), data["route"])
    at = data["at"].timestamp() if data.get("at") else time.time()
    timings.record(timings.Timing(route, data["method"], data["status"], data["duration_ms"] / 1000, at, stream))
    return {"route": route}


class TimingsView(WriteView):
    """Record your app's request timings, so its routes appear on chatmon's performance dashboard."""

    required_scope = Scope.EVENTS_WRITE

    @_documented("request_timings", s.TimingBatchSerializer, "Record your app's request timings for the dashboards.")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        timings_ = validated(s.TimingBatchSerializer, request.data)["timings"]
        return run_batch("timings", timings_, lambda item: _timing(item, request))
