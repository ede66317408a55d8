"""Bodies and answers of the violation report and the ban check."""

from __future__ import annotations

from rest_framework import serializers

from chatmon.api.serializers.common import source_field, user_field
from violations.types import ViolationType


class UserOrIpSerializer(serializers.Serializer):
    user = user_field(required=False)
    source = source_field()
    ip = serializers.IPAddressField(required=False, help_text="The client's IP address.")

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("user") and not attrs.get("ip"):
            raise serializers.ValidationError("Name a user, an ip, or both.")
        return attrs


class ViolationSerializer(UserOrIpSerializer):
    """Counted for the user, or for the IP when no user is named (LibreChat counts anonymous callers' IPs)."""

    type = serializers.ChoiceField([t.value for t in ViolationType])
    score = serializers.IntegerField(
        min_value=-1000, max_value=1000, required=False, help_text="Default: the type's configured score."
    )
    details = serializers.DictField(required=False, help_text="Stored with the violation (secrets removed).")


class ViolationOutcomeSerializer(serializers.Serializer):
    """LibreChat's outcome fields (what its logViolation adds to the error it returns)."""

    type = serializers.CharField()
    prev_count = serializers.IntegerField()
    violation_count = serializers.IntegerField()
    date = serializers.CharField()
    ban = serializers.BooleanField()
    ban_duration = serializers.IntegerField(allow_null=True, help_text="Milliseconds; null when not banned.")


class BanSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField()
    reason = serializers.CharField()
    source = serializers.CharField(help_text="automatic or manual")


class BanCheckSerializer(serializers.Serializer):
    banned = serializers.BooleanField()
    user = BanSerializer(allow_null=True)
    ip = BanSerializer(allow_null=True)
    retry_after = serializers.IntegerField(allow_null=True, help_text="Seconds until the later ban ends.")
