"""End-user-facing endpoints (`self:read`, `self:write`): the chat app names its signed-in user, and the answer
is about that user alone. A thin layer over ledger.selfservice."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from chatmon.api.models import Scope
from chatmon.api.serializers import selfservice as s
from chatmon.api.serializers.common import ExternalUserSerializer, find_user, resolve_user, source_of
from chatmon.api.views.base import ApiView, responses, unbound, validated
from ledger import selfservice

_USAGE_QUERY = [
    OpenApiParameter("user", str, required=True, description="The signed-in user's id in your app."),
    OpenApiParameter("source", str, description="Whose ids `user` holds; default: the key's source."),
    OpenApiParameter(
        "start",
        {"type": "string", "format": "date"},
        description="First day; default: 29 days before `end`. A range covers at most 366 days.",
    ),
    OpenApiParameter("end", {"type": "string", "format": "date"}, description="Last day, included; default today."),
    OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": 10000}, description="Page of messages."),
    OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": selfservice.MAX_PAGE_SIZE}),
]


class SelfUsageView(ApiView):
    """The named user's balance (credits and money), next refill, spend by day and by model, the cost of each
    conversation and, by pages, of each message, over a range of days. A user never seen reads zeros."""

    required_scope = Scope.SELF_READ

    @extend_schema(operation_id="self_usage", parameters=_USAGE_QUERY, responses=responses(s.UsageSerializer))
    def get(self, request):
        data = validated(s.UsageQuerySerializer, request.query_params)
        user, within = find_user(data, request), data["range"]
        body = {
            "user": data["user"],
            "source": source_of(data, request),
            "start": within.start,
            "end": within.end,
            "account": selfservice.account(user),
            "spend_by_day": selfservice.spend_by_day(user, within),
            "spend_by_model": selfservice.spend_by_model(user, within),
            "conversations": selfservice.conversation_costs(user, within),
            "messages": selfservice.message_page(user, within, page=data["page"], page_size=data["page_size"]),
        }
        return Response(unbound(s.UsageSerializer).to_representation(body))


class SelfCapView(ApiView):
    """The named user's own spending cap: the balance check refuses their requests (type `spend_cap`) once
    the period's spend and held credits would pass it."""

    required_scope = Scope.SELF_WRITE

    @extend_schema(operation_id="self_cap_set", request=s.CapSerializer, responses=responses(s.CapResultSerializer))
    def put(self, request):
        return self.save(validated(s.CapSerializer, request.data), request)

    @extend_schema(
        operation_id="self_cap_update",
        request=s.CapSerializer(partial=True),
        responses=responses(s.CapResultSerializer),
    )
    def patch(self, request):
        who = validated(ExternalUserSerializer, request.data)  # `user` stays required in a partial update
        serializer = s.CapSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {**serializer.validated_data, **who}
        period, credits = selfservice.cap_setting(find_user(who, request))
        data.setdefault("period", period)
        data.setdefault("credits", credits)
        return self.save(data, request)

    def save(self, data: dict, request) -> Response:
        balance = selfservice.set_spend_cap(
            user=resolve_user(data, request), period=data["period"], credits=data["credits"]
        )
        cap = selfservice.cap_of(balance, timezone.now())
        return Response({"user": data["user"], "source": source_of(data, request), "cap": cap})
