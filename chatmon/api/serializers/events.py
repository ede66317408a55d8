"""Bodies of the event endpoints: audit events, feature events, request timings (all batches)."""

from __future__ import annotations

from rest_framework import serializers

from auditlog.actions import Outcome
from chatmon.api.serializers.common import batch_of, recent_moment_field, source_field, user_field

ACTION_PATTERN = r"^[a-z][a-z0-9_]{0,31}\.[a-z0-9_.]{1,31}$"
ROUTE_PATTERN = r"^[\x21-\x7e]{1,200}$"  # a template like /api/convos/:id: printable, no spaces, no query


class AuditEventSerializer(serializers.Serializer):
    action = serializers.RegexField(ACTION_PATTERN, help_text="A registered `<domain>.<verb>` (see API_AUDIT_ACTIONS).")
    user = user_field(required=False)
    source = source_field()
    ip = serializers.IPAddressField(required=False)
    outcome = serializers.ChoiceField(Outcome.values, default=Outcome.SUCCESS)
    metadata = serializers.DictField(required=False, default=dict)
    occurred_at = serializers.DateTimeField(required=False, help_text="When it happened in your app.")


class FeatureEventSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, help_text="One of MONITORING_FEATURE_EVENTS.")
    count = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    user = user_field(required=False)  # whose event: then also kept per user, for funnels and experiments
    source = source_field()

    def validate_name(self, value: str) -> str:
        from chatmon.monitoring import conf as monitoring_conf

        if value not in monitoring_conf.feature_events():
            raise serializers.ValidationError(f"Unknown event; known: {', '.join(monitoring_conf.feature_events())}.")
        return value


class TimingSerializer(serializers.Serializer):
    route = serializers.RegexField(ROUTE_PATTERN, help_text="The route template, never the raw path.")
    method = serializers.RegexField(r"^[A-Z]{1,10}$")
    status = serializers.IntegerField(min_value=100, max_value=599)
    duration_ms = serializers.FloatField(min_value=0, max_value=3_600_000, help_text="To the last byte.")
    ttfb_ms = serializers.FloatField(min_value=0, max_value=3_600_000, required=False, allow_null=True)
    bytes_sent = serializers.IntegerField(min_value=0, max_value=10**12, required=False, allow_null=True)
    disconnected = serializers.BooleanField(required=False, default=False)
    at = recent_moment_field("When the request ended; default: now.")


class AuditBatchSerializer(serializers.Serializer):
    events = batch_of(AuditEventSerializer)


class FeatureBatchSerializer(serializers.Serializer):
    events = batch_of(FeatureEventSerializer)


class TimingBatchSerializer(serializers.Serializer):
    timings = batch_of(TimingSerializer)
