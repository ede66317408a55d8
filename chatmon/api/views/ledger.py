"""Ledger endpoints: a thin layer over ledger.services and ledger.selectors (no pricing or balance logic here)."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from chatmon.api import sources
from chatmon.api.models import Scope
from chatmon.api.serializers import ledger as s
from chatmon.api.serializers.common import (
    ExternalUserSerializer,
    find_user,
    forget_user,
    resolve_user,
    source_of,
)
from chatmon.api.views.base import (
    IDEMPOTENCY_PARAMETER,
    ApiView,
    WriteView,
    batch_response,
    failed,
    responses,
    run_batch,
    succeeded,
    validated,
)
from ledger import selectors, services
from ledger.models import Hold, Transaction
from ledger.services import UserGone

_PRICING = ("model", "endpoint", "endpoint_token_config")


class BalanceCheckView(WriteView):
    """LibreChat's balance check: admitted when the user's available credits cover `amount` tokens at the
    model's prompt rate, plus the price of the priced calls in `items`; an admitted check holds that cost until
    the user's next spend (or a release)."""

    required_scope = Scope.LEDGER_WRITE

    @extend_schema(
        operation_id="balance_check",
        request=s.CheckSerializer,
        responses=responses(s.CheckResultSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="May the user spend about `amount` tokens? If so, hold their cost.",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        return Response(once_more_if_gone(_checked, validated(s.CheckSerializer, request.data), request))


def _checked(data: dict, request) -> dict:
    check = services.check_balance(
        user=resolve_user(data, request),
        amount=data["amount"],
        token_type=data["token_type"],
        items=call_items(data.get("items") or []),
        **{name: data.get(name) for name in _PRICING},
    )
    return {
        "allowed": check.allowed,
        "balance": check.balance,
        "token_cost": check.token_cost,
        "prompt_tokens": check.prompt_tokens,
        "hold_id": check.hold.pk if check.hold else None,
        "refill_at": check.refill_at,
        "denial": None if check.allowed else check.payload,
    }


class HoldReleaseView(WriteView):
    """Give back the credits a balance check held, when the generation it admitted did not happen."""

    required_scope = Scope.LEDGER_WRITE

    @extend_schema(
        operation_id="hold_release",
        request=None,
        responses=responses(s.ReleaseResultSerializer, 404),
        parameters=[
            IDEMPOTENCY_PARAMETER,
            OpenApiParameter("hold_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH),
        ],
        summary="Give a hold's credits back (the generation failed or was cancelled).",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        hold = generics.get_object_or_404(Hold, pk=self.kwargs["hold_id"])
        # 403 for another source's hold, 404 for none: hold ids are one sequence, so a key already learns which
        # ids exist from its own; the 403 says only that the hold is not its source's, never whose it is.
        sources.check_user(request.auth, hold.user_id)
        return Response({"released": services.release_hold(hold)})


def _spend_keywords(data: dict, request) -> dict:
    """A validated spend as the ledger's spend functions take it."""
    return {
        "user": resolve_user(data, request),
        "prompt_tokens": data.get("prompt_tokens"),
        "completion_tokens": data.get("completion_tokens"),
        "conversation_id": data.get("conversation_id"),
        "context": data["context"],
        "message_id": data.get("message_id"),
        **{name: data.get(name) for name in _PRICING},
    }


def spend_data(body) -> dict:
    """A spend's body validated: quickly when it has the common shape, else by SpendSerializer."""
    quick = s.quick_spend(body)
    return validated(s.SpendSerializer, body) if quick is None else quick


def once_more_if_gone(write: Callable[[dict, object], dict], data: dict, request) -> dict:
    """write(data, request); once more when the user this process remembered was deleted by another (its news
    arrives within API_USER_STAMP_SECONDS): looked up again, the id names a new user, as a second later."""
    try:
        return write(data, request)
    except UserGone:
        forget_user(data, request)
        return write(data, request)


def spend(data: dict, request) -> dict:
    """One validated spend: structured when prompt_tokens is {input, write, read}, plain otherwise."""
    return once_more_if_gone(_charged, data, request)


def _charged(data: dict, request) -> dict:
    keywords = _spend_keywords(data, request)
    charge = services.spend_structured_tokens if isinstance(keywords["prompt_tokens"], dict) else services.spend_tokens
    return s.spend_payload(charge(**keywords), s.current_zone())


class SpendView(WriteView):
    """Charge one generation: `prompt_tokens` as a number (plain) or as {input, write, read} (prompt caching).
    A `message_id` makes retries free: each message is charged once per token type."""

    required_scope = Scope.LEDGER_WRITE

    @extend_schema(
        operation_id="spend",
        request=s.SpendSerializer,
        responses=responses(s.SpendResultSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Charge a generation's tokens (settles the user's oldest hold).",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        return Response(spend(spend_data(request.data), request))


class SpendBatchView(WriteView):
    """Charge many generations at once; the answer reports each item by index."""

    required_scope = Scope.LEDGER_WRITE

    @extend_schema(
        operation_id="spend_batch",
        request=s.SpendBatchSerializer,
        responses=responses(s.BatchResultSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Charge several spends; each item succeeds or fails on its own.",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        """Items are validated one by one, then charged together (ledger.services.spend_batch: one transaction,
        one lock per user); each item still succeeds or fails on its own."""
        items = validated(s.SpendBatchSerializer, request.data, context={"request": request})["items"]
        results: list = [None] * len(items)
        spends, indexes, datas = [], [], []
        for index, item in enumerate(items):
            try:
                data = spend_data(item)
                spends.append(_spend_keywords(data, request))
            except Exception as exc:
                results[index] = failed(index, exc)
                continue
            indexes.append(index)
            datas.append(data)
        zone = s.current_zone()
        for index, data, outcome in zip(indexes, datas, services.spend_batch(spends), strict=True):
            if isinstance(outcome, UserGone):  # that item fails (422); the next request looks the user up again
                forget_user(data, request)
            refused = isinstance(outcome, Exception)
            results[index] = failed(index, outcome) if refused else succeeded(index, s.spend_payload(outcome, zone))
        return batch_response("spends", results)


def call_items(items: list[dict]) -> list[dict]:
    """Validated call items as the ledger takes them (dicts without empty options)."""
    return [{key: value for key, value in item.items() if value is not None} for item in items]


def spend_calls(data: dict, request) -> dict:
    """One validated call spend."""
    return once_more_if_gone(_calls_charged, data, request)


def _calls_charged(data: dict, request) -> dict:
    result = services.spend_calls(
        user=resolve_user(data, request),
        items=call_items(data["items"]),
        message_id=data.get("message_id"),
        conversation_id=data.get("conversation_id"),
        endpoint=data.get("endpoint"),
        context=data["context"],
    )
    zone = s.current_zone()
    return {
        "rows": [s.row_payload(row, zone) for row in result.rows],
        "credits": result.credits,
        "balance": result.balance,
    }


class CallSpendView(WriteView):
    """Charge priced calls: images (by model, size and quality), web searches, code sessions, file searches and
    named tools. A `message_id` makes retries free: each message is charged once per item."""

    required_scope = Scope.LEDGER_WRITE

    @extend_schema(
        operation_id="spend_calls",
        request=s.CallSpendSerializer,
        responses=responses(s.CallSpendResultSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Charge priced calls (images, web searches, code sessions, file searches, tools).",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        return Response(spend_calls(validated(s.CallSpendSerializer, request.data), request))


class CallSpendBatchView(WriteView):
    """Charge the priced calls of many messages at once; the answer reports each item by index."""

    required_scope = Scope.LEDGER_WRITE

    @extend_schema(
        operation_id="spend_calls_batch",
        request=s.CallSpendBatchSerializer,
        responses=responses(s.BatchResultSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Charge several call spends; each item succeeds or fails on its own.",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        items = validated(s.CallSpendBatchSerializer, request.data, context={"request": request})["items"]
        return run_batch(
            "call_spends", items, lambda item: spend_calls(validated(s.CallSpendSerializer, item), request)
        )


class GrantView(WriteView):
    """Add or remove credits (scope `ledger:grant`); the audit event names this API key."""

    required_scope = Scope.LEDGER_GRANT

    @extend_schema(
        operation_id="grant",
        request=s.GrantSerializer,
        responses=responses(s.GrantResultSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Add (or, negative, remove) credits; audited with this key as the actor.",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        return Response(once_more_if_gone(_granted, validated(s.GrantSerializer, request.data), request))


def _granted(data: dict, request) -> dict:
    row = services.grant_credits(user=resolve_user(data, request), amount=data["amount"], reason=data["reason"])
    return {"transaction": s.TransactionSerializer(row).data, "balance": row.balance_after}


_USER_QUERY = [
    OpenApiParameter("user", str, required=True, description="The user's id in your app."),
    OpenApiParameter(
        "source", str, description="Whose ids `user` holds; default: the key's source (another: `sources:any`)."
    ),
]


class BalanceView(ApiView):
    """The user's credits and the part of them held by admitted checks (0 for a user never seen)."""

    required_scope = Scope.LEDGER_READ

    @extend_schema(operation_id="balance_read", parameters=_USER_QUERY, responses=responses(s.BalanceSerializer))
    def get(self, request):
        data = validated(ExternalUserSerializer, request.query_params)
        user = find_user(data, request)
        held = sum((hold.amount for hold in selectors.active_holds_of(user)), 0.0) if user else 0.0
        return Response(
            {
                "user": data["user"],
                "source": source_of(data, request),
                "balance": selectors.balance_of(user) if user else 0.0,
                "held_credits": held,
            }
        )


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class TransactionListView(ApiView, generics.ListAPIView):
    """The user's transactions, newest first, by pages (follow `next`)."""

    required_scope = Scope.LEDGER_READ
    serializer_class = s.TransactionSerializer
    pagination_class = NewestFirst

    @extend_schema(
        operation_id="transactions_list",
        parameters=_USER_QUERY,
        responses=responses(s.TransactionSerializer(many=True), 404),  # 404: a cursor that is not ours
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = validated(ExternalUserSerializer, self.request.query_params)
        user = find_user(data, self.request)
        return selectors.transactions_of(user) if user else Transaction.objects.none()
