"""Body and answer of an experiment assignment."""

from __future__ import annotations

from rest_framework import serializers

from chatmon.api.serializers.common import ExternalUserSerializer


class AssignmentSerializer(ExternalUserSerializer):
    """The user to assign (named like every other endpoint names users)."""


class AssignmentResultSerializer(serializers.Serializer):
    experiment = serializers.CharField()
    variant = serializers.CharField(help_text="The variant to show; the control while the experiment is inactive.")
