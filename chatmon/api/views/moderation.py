"""Violation report and ban check: a thin layer over violations.services."""

from __future__ import annotations

import math

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from chatmon.api.models import Scope
from chatmon.api.serializers import moderation as s
from chatmon.api.serializers.common import find_user, resolve_user
from chatmon.api.views.base import IDEMPOTENCY_PARAMETER, ApiView, WriteView, responses, validated
from violations import services


class ViolationReportView(WriteView):
    """Count a violation for the user (or the IP without a user) and ban on a threshold crossing."""

    required_scope = Scope.VIOLATIONS_WRITE

    @extend_schema(
        operation_id="violation_report",
        request=s.ViolationSerializer,
        responses=responses(s.ViolationOutcomeSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Count a violation; answers LibreChat's outcome (counts, and whether it banned, for how long).",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        data = validated(s.ViolationSerializer, request.data)
        outcome = services.log_violation(
            type=data["type"],
            user=resolve_user(data, request) if data.get("user") else None,
            ip=data.get("ip"),
            score=data.get("score"),
            details=data.get("details"),
            request_id=getattr(request, "request_id", ""),
        )
        fields = outcome.fields()
        return Response(
            {
                "type": data["type"],
                "prev_count": fields["prev_count"],
                "violation_count": fields["violation_count"],
                "date": fields["date"],
                "ban": outcome.banned,
                "ban_duration": outcome.ban_duration_ms,
            }
        )


def _ban(ban) -> dict | None:
    if ban is None:
        return None
    return {"expires_at": ban.expires_at, "reason": ban.reason, "source": ban.source}


class BanCheckView(ApiView):
    """Active bans of a user and/or an IP, from the ban records."""

    required_scope = Scope.BANS_READ

    @extend_schema(
        operation_id="ban_check",
        parameters=[
            OpenApiParameter("user", str, description="The user's id in your app."),
            OpenApiParameter(
                "source", str, description="Whose ids `user` holds; default: the key's source (another: `sources:any`)."
            ),
            OpenApiParameter("ip", str, description="The client's IP address."),
        ],
        responses=responses(s.BanCheckSerializer),
        summary="Is the user and/or the IP banned, and until when?",
    )
    def get(self, request):
        data = validated(s.UserOrIpSerializer, request.query_params)
        user = find_user(data, request) if data.get("user") else None
        user_ban = services.active_ban(user=user) if user else None
        ip_ban = services.active_ban(ip=data["ip"]) if data.get("ip") else None
        latest = max((ban.expires_at for ban in (user_ban, ip_ban) if ban), default=None)
        retry_after = math.ceil((latest - timezone.now()).total_seconds()) if latest else None
        return Response(
            {"banned": latest is not None, "user": _ban(user_ban), "ip": _ban(ip_ban), "retry_after": retry_after}
        )
