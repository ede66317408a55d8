"""Experiment assignment for chat apps that are not Django: a thin layer over chatmon.analytics.experiments."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from chatmon.analytics.experiments import variant_for
from chatmon.analytics.models import Experiment
from chatmon.api.models import Scope
from chatmon.api.serializers import experiments as s
from chatmon.api.serializers.common import resolve_user
from chatmon.api.views.base import IDEMPOTENCY_PARAMETER, WriteView, responses, validated


class AssignmentView(WriteView):
    """Which variant of an experiment the user sees; the first call records the user's exposure."""

    required_scope = Scope.EXPERIMENTS

    @extend_schema(
        operation_id="experiment_assignment",
        request=s.AssignmentSerializer,
        responses=responses(s.AssignmentResultSerializer, 404),
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="The user's variant of an experiment (deterministic; records the exposure once).",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform(self, request) -> Response:
        data = validated(s.AssignmentSerializer, request.data)
        experiment = Experiment.objects.filter(slug=self.kwargs["slug"]).first()
        if experiment is None:
            raise NotFound(f"No experiment {self.kwargs['slug']!r}.")
        variant = variant_for(experiment, resolve_user(data, request))
        return Response({"experiment": experiment.slug, "variant": variant})
