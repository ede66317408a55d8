"""The base of every API view: key authentication, scope, rate limit, body size, JSON only, our error bodies,
and audit events recorded during the request naming the key (`api-key:<name>`) as their actor."""

from __future__ import annotations

import functools
from contextlib import ExitStack

from django.db import transaction
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from auditlog.context import acting_as
from chatmon.api import conf, errors, idempotency, metrics
from chatmon.api.auth import ApiKeyAuthentication, HasScope, KeyRateThrottle
from chatmon.api.parsers import JsonBodyParser
from chatmon.core import jsonbody


class ErrorSerializer(serializers.Serializer):
    class FieldError(serializers.Serializer):
        field = serializers.CharField()
        message = serializers.CharField()

    message = serializers.CharField()
    request_id = serializers.CharField()
    errors = FieldError(many=True, required=False)


_ERRORS = {
    status: OpenApiResponse(ErrorSerializer, description=text)
    for status, text in [
        (400, "The body or the query does not match the schema (`errors` names each field)."),
        (401, "No API key, or a key that is unknown, revoked or expired."),
        (403, "The key lacks this endpoint's scope, or names a user of another source than its own."),
        (413, "The body is larger than API_MAX_BODY_BYTES."),
        (415, "The body is not JSON."),
        (422, "Understood but refused (a ledger limit, a reused Idempotency-Key)."),
        (429, "The key's rate limit was hit; see Retry-After."),
    ]
}
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    idempotency.HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Any unique text (1-255 printable ASCII): a retry with the same key and body is answered with "
    "the first response and changes nothing.",
)


def responses(ok, *extra: int, ok_status: int = 200) -> dict:
    """The responses an endpoint documents: its success, the errors every endpoint has, and `extra` ones."""
    common = (400, 401, 403, 413, 415, 422, 429, *extra)
    return {ok_status: ok, **{status: _ERRORS.get(status, OpenApiResponse(ErrorSerializer)) for status in common}}


class JsonAnswers(DefaultContentNegotiation):
    """JSON whatever the request's Accept says, as DRF's docs show (IgnoreClientContentNegotiation): the API
    has one renderer, and parsing Accept to choose it cost about a twentieth of a spend's time in the view.
    The parser is still chosen by Content-Type (415 for a body that is not JSON)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ApiView(APIView):
    content_negotiation_class = JsonAnswers
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [KeyRateThrottle]
    parser_classes = [JsonBodyParser]
    renderer_classes = [JSONRenderer]
    required_scope: str = ""

    def get_exception_handler(self):
        return errors.exception_handler

    def dispatch(self, request, *args, **kwargs):
        # Closed however the request ends, so the acting key never leaks into this thread's next request.
        with ExitStack() as self.request_scope:
            response = super().dispatch(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse):
            response.add_post_render_callback(_without_contexts)
        return response

    def initial(self, request, *args, **kwargs) -> None:
        try:
            jsonbody.check_declared_length(request, conf.max_body_bytes())
        except jsonbody.BodyError as exc:
            raise errors.PayloadTooLarge(exc.message) from exc
        super().initial(request, *args, **kwargs)
        self.request_scope.enter_context(acting_as(request.auth.actor_label))


def _without_contexts(response: Response) -> None:
    """Once the response is rendered, it and the request drop their contexts. DRF's view, request and response
    refer to one another through them, so every request left its objects for Python's cycle collector, whose
    runs then cost a single spend about a sixth of its instructions (docs/api.md "Tests and benchmark").
    Rendered, neither context is needed again."""
    context, response.renderer_context = response.renderer_context or {}, None
    if (request := context.get("request")) is not None:
        request.parser_context = None


class WriteView(ApiView):
    """A POST endpoint: `perform(request)` runs once per Idempotency-Key."""

    def post(self, request, *args, **kwargs) -> Response:
        return idempotency.run(request, lambda: self.perform(request))

    def perform(self, request) -> Response:
        raise NotImplementedError


def validated(serializer_class, data, **kwargs) -> dict:
    if kwargs:  # a context (the request) binds the serializer to this call
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
    # is_valid() without its per-instance state: the same checks, the same ValidationError details.
    return unbound(serializer_class).run_validation(data)


@functools.cache
def unbound(serializer_class):
    """One shared instance of a serializer without data or context, for run_validation() and
    to_representation(), which keep nothing between calls. DRF deep-copies a serializer's declared fields
    for each new instance, which cost more than the ledger's spend itself in a batch of spends."""
    return serializer_class()


def run_batch(endpoint: str, items: list, handle) -> Response:
    """`handle(item) -> dict` for each item, each in its own savepoint: one bad item fails alone, and the
    response says per item (by index) what happened."""
    results = []
    for index, item in enumerate(items):
        try:
            with transaction.atomic():
                results.append(succeeded(index, handle(item)))
        except Exception as exc:
            results.append(failed(index, exc))
    return batch_response(endpoint, results)


def succeeded(index: int, result: dict) -> dict:
    return {"index": index, "ok": True, "result": result}


def failed(index: int, exc: Exception) -> dict:
    """A batch item's failure as the API reports it; an exception that is a bug, not a bad item, is raised
    again: the whole request fails with 500 and is logged."""
    described = errors.describe(exc)
    if described is None:
        raise exc
    status, error = described
    error.pop("request_id")
    return {"index": index, "ok": False, "status": status, **error}


def batch_response(endpoint: str, results: list[dict]) -> Response:
    failures = sum(not result["ok"] for result in results)
    metrics.BATCH_ITEMS.labels(endpoint, "ok").inc(len(results) - failures)
    metrics.BATCH_ITEMS.labels(endpoint, "error").inc(failures)
    return Response({"succeeded": len(results) - failures, "failed": failures, "results": results})


@csrf_exempt  # else a POST, PUT or DELETE without a CSRF token got Django's HTML 403 instead of this 404
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown paths under /api/v1/ answer JSON like every other API error, not Django's HTML page, for every
    method (callers send keys, not cookies: there is nothing for CSRF to protect here)."""
    return JsonResponse(errors.body(f"No API endpoint at {request.path}."), status=404)
