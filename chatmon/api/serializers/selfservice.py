"""Queries, bodies and answers of the `self` endpoints: one user's own usage and spending cap."""

from __future__ import annotations

from rest_framework import serializers

from chatmon.api.serializers.common import ExternalUserSerializer
from ledger import caps, selfservice
from ledger.validation import ABSURD, LedgerInputError


class UsageQuerySerializer(ExternalUserSerializer):
    start = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD, the ledger's time zone).")
    end = serializers.DateField(required=False, help_text="Last day, included; default today.")
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1, help_text="Page of `messages`.")
    page_size = serializers.IntegerField(min_value=1, max_value=selfservice.MAX_PAGE_SIZE, default=50)

    def validate(self, data: dict) -> dict:
        try:
            data["range"] = selfservice.Range.checked(data.get("start"), data.get("end"))
        except LedgerInputError as exc:
            raise serializers.ValidationError({"start": [str(exc)]}) from exc
        return data


class CapSerializer(ExternalUserSerializer):
    """Both fields set a cap; both null remove it. PATCH may send one, the other is the current one."""

    period = serializers.ChoiceField(list(caps.PERIODS), allow_null=True, help_text="`day` or `month`.")
    credits = serializers.FloatField(
        min_value=0, max_value=ABSURD, allow_null=True, help_text="Credits the user may spend per period."
    )


class MoneyMixin(serializers.Serializer):
    credits = serializers.FloatField()
    money = serializers.FloatField(help_text="The credits in the display currency, rounded as shown.")


class CountsMixin(MoneyMixin):
    prompt_tokens = serializers.FloatField()
    completion_tokens = serializers.FloatField()
    calls = serializers.FloatField(help_text="Priced calls (images, searches, tools).")
    requests = serializers.IntegerField(help_text="Generations (prompt rows).")


class CapStateSerializer(MoneyMixin):
    period = serializers.ChoiceField(list(caps.PERIODS))
    spent = serializers.FloatField(help_text="Credits spent in the current period.")
    remaining = serializers.FloatField()


class AccountSerializer(MoneyMixin):
    held_credits = serializers.FloatField()
    currency = serializers.CharField()
    next_refill_at = serializers.DateTimeField(allow_null=True)
    refill_amount = serializers.FloatField()
    refill = serializers.CharField(help_text="The refill rule in words.")
    cap = CapStateSerializer(allow_null=True)


class DaySerializer(MoneyMixin):
    day = serializers.DateField()
    requests = serializers.IntegerField()


class ModelSpendSerializer(CountsMixin):
    model = serializers.CharField()


class ConversationCostSerializer(CountsMixin):
    conversation_id = serializers.CharField()
    last_at = serializers.DateTimeField()


class MessageCostSerializer(CountsMixin):
    message_id = serializers.CharField()
    conversation_id = serializers.CharField(allow_null=True)
    model = serializers.CharField()
    at = serializers.DateTimeField()


class MessagePageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    has_next = serializers.BooleanField()
    messages = MessageCostSerializer(many=True)


class UsageSerializer(serializers.Serializer):
    user = serializers.CharField()
    source = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    account = AccountSerializer()
    spend_by_day = DaySerializer(many=True)
    spend_by_model = ModelSpendSerializer(many=True)
    conversations = ConversationCostSerializer(
        many=True, help_text=f"The range's conversations, most recent first, at most {selfservice.MAX_PAGE_SIZE}."
    )
    messages = MessagePageSerializer()


class CapResultSerializer(serializers.Serializer):
    user = serializers.CharField()
    source = serializers.CharField()
    cap = CapStateSerializer(allow_null=True)
