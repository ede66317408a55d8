"""Generation and feedback endpoints for chat apps that are not Django: each generation is counted in chatmon's
model rollups and metrics (chatmon.monitoring.generations), each rating per model (chatmon.monitoring.feedback)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from chatmon.api.models import Scope
from chatmon.api.serializers import generations as s
from chatmon.api.serializers.common import source_of
from chatmon.api.serializers.ledger import BatchResultSerializer
from chatmon.api.views.base import IDEMPOTENCY_PARAMETER, WriteView, responses, run_batch, validated
from chatmon.monitoring.feedback import record_feedback
from chatmon.monitoring.generations import GenerationReport, model_label, provider_label, record_generation


class RecordedSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="The label it was counted under: the price table's key, or `other`.")
    provider = serializers.CharField()


def _documented(operation_id: str, request, ok, summary: str):
    return extend_schema(operation_id=operation_id, request=request, responses=responses(ok),
                         parameters=[IDEMPOTENCY_PARAMETER], summary=summary)  # fmt: skip


def record(item) -> dict:
    data = validated(s.GenerationSerializer, item)
    report = GenerationReport(
        model=data["model"], provider=data["endpoint"], outcome=data["outcome"], ttft_ms=data.get("ttft_ms"),
        duration_ms=data["duration_ms"], prompt_tokens=data["prompt_tokens"],
        completion_tokens=data["completion_tokens"], cache_read_tokens=data["cache_read_tokens"],
        cache_write_tokens=data["cache_write_tokens"], request_id=data["request_id"],
        regeneration=data["regeneration"],
    )  # fmt: skip
    record_generation(report, at=data["at"].timestamp() if data.get("at") else None)
    return {"model": model_label(data["model"]), "provider": provider_label(data["endpoint"])}


class GenerationView(WriteView):
    """Report one generation: model, endpoint, outcome class, time to first token, duration and tokens."""

    required_scope = Scope.GENERATIONS_WRITE

    @_documented("generation", s.GenerationSerializer, RecordedSerializer, "Report one LLM generation.")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        return Response(record(request.data))


class GenerationBatchView(WriteView):
    """Report many generations at once; the answer reports each item by index."""

    required_scope = Scope.GENERATIONS_WRITE

    @_documented("generation_batch", s.GenerationBatchSerializer, BatchResultSerializer,
                 "Report several generations; each item succeeds or fails on its own.")  # fmt: skip
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        items = validated(s.GenerationBatchSerializer, request.data)["generations"]
        return run_batch("generations", items, record)


class FeedbackView(WriteView):
    """Rate a reply as LibreChat does (thumbs up or down, a tag, a text); a second rating of the same message
    replaces the first, and a null rating withdraws it. Message ids are kept per source (the key's)."""

    required_scope = Scope.GENERATIONS_WRITE

    @_documented("feedback", s.FeedbackSerializer, RecordedSerializer, "Rate a reply (thumbs up or down).")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        data = validated(s.FeedbackSerializer, request.data)
        record_feedback(
            message_id=data["message_id"], model=data["model"], provider=data["endpoint"], rating=data["rating"],
            tag=data["tag"], text=data["text"], user_id=data["user"], source=source_of(data, request),
        )  # fmt: skip
        return Response({"model": model_label(data["model"]), "provider": provider_label(data["endpoint"])})
