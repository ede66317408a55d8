"""Bodies and answers of the ledger endpoints (names follow ledger.services' keywords)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatmon.api.serializers.common import MAX_AMOUNT, ExternalUserSerializer, batch_of
from ledger import calls
from ledger.models import Transaction
from ledger.validation import MAX_CALLS, MAX_RATE, MAX_TOKENS, PRICED_KEYS


def count_field(name: str) -> serializers.FloatField:
    """A token count of one call: finite (DRF's FloatField refuses NaN and infinities), at most 10^9 in size;
    negative counts are LibreChat's and charge nothing."""
    return serializers.FloatField(
        min_value=-MAX_TOKENS, max_value=MAX_TOKENS, required=False, allow_null=True, help_text=name
    )


def rate_field() -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=MAX_RATE, required=False, allow_null=True)


class StructuredPromptSerializer(serializers.Serializer):
    input = count_field("Uncached input tokens.")
    write = count_field("Tokens written to the prompt cache.")
    read = count_field("Tokens read from the prompt cache.")


class ModelRatesSerializer(serializers.Serializer):
    """One model's rates in an endpoint token config, credits per token (USD per 1M tokens), 0 to 10^6."""

    prompt = rate_field()
    completion = rate_field()
    write = rate_field()
    read = rate_field()


_NUMBER = {"type": "number", "minimum": -MAX_TOKENS, "maximum": MAX_TOKENS}
_PART = {**_NUMBER, "nullable": True}
_RATE = {"type": "number", "minimum": 0, "maximum": MAX_RATE, "nullable": True}


@extend_schema_field(
    {
        "oneOf": [
            _NUMBER,
            {"type": "object", "properties": {"input": _PART, "write": _PART, "read": _PART}},
        ],
        "nullable": True,
    }
)
class PromptTokensField(serializers.Field):
    """A number (plain spend), or {input, write, read} (a prompt with cache writes and reads)."""

    # One unbound field for every plain count: building a DRF field costs more than validating with it.
    plain_count = count_field("prompt_tokens")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            prompt = StructuredPromptSerializer(data=data)
            prompt.is_valid(raise_exception=True)
            return {part: prompt.validated_data.get(part) for part in ("input", "write", "read")}
        return self.plain_count.run_validation(data)

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "additionalProperties": {
            "type": "object",
            "properties": {key: _RATE for key in PRICED_KEYS},
            "additionalProperties": True,
        },
    }
)
class TokenConfigField(serializers.DictField):
    """LibreChat's endpoint token config, {model: {prompt, completion, write?, read?}}: each rate a number
    from 0 to 10^6 credits per token, or null (the default rate). Other keys of a model (LibreChat's
    `context`) pass through unread. An error names the rate: `endpoint_token_config.<model>.prompt`."""

    child = serializers.DictField()

    def to_internal_value(self, data):
        config = super().to_internal_value(data)
        errors, clean = {}, {}
        for model, rates in config.items():
            checked = ModelRatesSerializer(data=rates)
            if checked.is_valid():
                clean[model] = {**rates, **{key: checked.validated_data[key] for key in checked.validated_data}}
            else:
                errors[model] = checked.errors
        if errors:
            raise serializers.ValidationError(errors)
        return clean


class PricingSerializer(ExternalUserSerializer):
    model = serializers.CharField(max_length=255)
    endpoint = serializers.CharField(max_length=100, required=False, allow_null=True)
    endpoint_token_config = TokenConfigField(
        required=False, allow_null=True, help_text="LibreChat's endpoint token config: {model: {prompt, completion}}."
    )


class CallItemSerializer(serializers.Serializer):
    """One priced item: `quantity` images, queries, sessions or calls of `kind`."""

    kind = serializers.ChoiceField(list(calls.KINDS))
    name = serializers.RegexField(
        r"^[\w .:/@+-]{1,100}\Z",
        required=False,
        allow_null=True,
        help_text="The image model, search provider or tool called (required for image and tool).",
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_CALLS, default=1)
    size = serializers.RegexField(
        r"^[\w.-]{1,16}\Z", required=False, allow_null=True, help_text="Images only, e.g. 1024x1024."
    )
    quality = serializers.RegexField(
        r"^[\w.-]{1,16}\Z", required=False, allow_null=True, help_text="Images only, e.g. standard, hd, high."
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and (unknown := set(data) - calls.ITEM_KEYS):
            raise serializers.ValidationError({key: ["Unknown field."] for key in sorted(map(str, unknown))})
        return super().to_internal_value(data)

    def validate(self, attrs: dict) -> dict:
        if attrs["kind"] in calls.NAMED_KINDS and not attrs.get("name"):
            raise serializers.ValidationError({"name": [f"Required for {attrs['kind']} items."]})
        if attrs["kind"] != "image" and (attrs.get("size") or attrs.get("quality")):
            raise serializers.ValidationError({"size": ["Size and quality are for image items only."]})
        return attrs


class CheckSerializer(PricingSerializer):
    amount = serializers.FloatField(min_value=0, max_value=MAX_TOKENS, help_text="Estimated prompt tokens.")
    token_type = serializers.ChoiceField(["prompt", "completion"], default="prompt")
    items = serializers.ListField(
        child=CallItemSerializer(),
        required=False,
        max_length=calls.MAX_ITEMS,
        help_text="The priced calls the generation will make (as in spends/calls): their price is held too.",
    )


class CheckResultSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    balance = serializers.FloatField(help_text="Credits available to this request (others' holds excluded).")
    token_cost = serializers.FloatField()
    prompt_tokens = serializers.FloatField()
    hold_id = serializers.IntegerField(allow_null=True, help_text="Release it if the generation fails.")
    refill_at = serializers.DateTimeField(allow_null=True)
    denial = serializers.DictField(allow_null=True, help_text="LibreChat's token_balance error body when denied.")


class SpendSerializer(PricingSerializer):
    prompt_tokens = PromptTokensField(required=False, allow_null=True)
    completion_tokens = count_field("Completion tokens.")
    conversation_id = serializers.CharField(max_length=255, required=False, allow_null=True)
    message_id = serializers.CharField(
        max_length=255, required=False, allow_null=True, help_text="A message is charged once per token type."
    )
    context = serializers.CharField(max_length=100, default="message")


# The fields quick_spend() checks itself: plain texts and plain counts, nothing with validators of its own.
_QUICK_TEXTS = ("user", "model", "endpoint", "conversation_id", "message_id", "context")
_QUICK_COUNTS = ("prompt_tokens", "completion_tokens")


@functools.cache
def _quick_rules() -> tuple[dict, frozenset, tuple, dict]:
    """(text field -> (longest, nullable), the known keys, the required keys, the defaults), read from
    SpendSerializer's own declarations so the two cannot drift apart."""
    fields = SpendSerializer().fields
    texts = {name: (fields[name].max_length, fields[name].allow_null) for name in _QUICK_TEXTS}
    required = tuple(name for name in (*_QUICK_TEXTS, *_QUICK_COUNTS) if fields[name].required)
    defaults = {
        name: fields[name].default
        for name in (*_QUICK_TEXTS, *_QUICK_COUNTS)
        if fields[name].default is not serializers.empty
    }
    return texts, frozenset(_QUICK_TEXTS) | frozenset(_QUICK_COUNTS), required, defaults


def quick_spend(data) -> dict | None:
    """SpendSerializer's validated data for the common shape of a spend, or None: validate it in full.

    Running the serializer cost about a twelfth of a spend request's CPU (ten fields, each with its validators).
    This accepts only what the serializer accepts unchanged: the known keys (no `source`, no token config, no
    structured prompt), printable texts (no control, separator or surrogate characters) without surrounding
    spaces within their lengths, and counts that are numbers within the ledger's limits (NaN fails the
    comparison). Anything else, valid or not, goes to the serializer, so every error is still its error.
    tests/api/test_spends.py checks it against the serializer.
    """
    texts, known, required, defaults = _quick_rules()
    if type(data) is not dict or not data.keys() <= known or not all(name in data for name in required):
        return None
    validated = dict(defaults)
    for name, value in data.items():
        if name in texts:
            longest, nullable = texts[name]
            if value is None and nullable:
                validated[name] = None
            elif type(value) is str and 0 < len(value) <= longest and value.isprintable() and value.strip() == value:
                validated[name] = value
            else:
                return None
        elif value is None:
            validated[name] = None
        elif type(value) in (int, float) and -MAX_TOKENS <= value <= MAX_TOKENS:
            validated[name] = float(value)
        else:
            return None
    return validated


class TransactionSerializer(serializers.Serializer):
    """A ledger row (declared, not a ModelSerializer: building fields from the model on every spend cost more
    than the spend itself)."""

    id = serializers.IntegerField()
    token_type = serializers.ChoiceField(Transaction.TokenType.values)
    model = serializers.CharField(allow_null=True)
    endpoint = serializers.CharField(allow_null=True)
    context = serializers.CharField(allow_null=True)
    value_key = serializers.CharField(allow_null=True)
    rate = serializers.FloatField(allow_null=True)
    raw_amount = serializers.FloatField(allow_null=True)
    token_value = serializers.FloatField(allow_null=True)
    item = serializers.CharField(help_text="What a `call` row charges (`image:dall-e-3:1024x1024:hd`); else empty.")
    input_tokens = serializers.FloatField(allow_null=True)
    write_tokens = serializers.FloatField(allow_null=True)
    read_tokens = serializers.FloatField(allow_null=True)
    balance_before = serializers.FloatField(allow_null=True, help_text="Null when balances were off.")
    balance_after = serializers.FloatField(allow_null=True)
    written_off = serializers.FloatField(help_text="What the balance could not absorb (it stops at 0).")
    conversation_id = serializers.CharField(allow_null=True)
    message_id = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class SpendResultSerializer(serializers.Serializer):
    prompt = TransactionSerializer(allow_null=True)
    completion = TransactionSerializer(allow_null=True)
    balance = serializers.FloatField(allow_null=True, help_text="Credits after the spend; null with balances off.")


@functools.cache
def _row_fields() -> tuple:
    """(name, representation, is a moment) per declared field of TransactionSerializer."""
    return tuple(
        (name, field.to_representation, isinstance(field, serializers.DateTimeField))
        for name, field in TransactionSerializer().fields.items()
    )


def _moment(value: datetime, zone) -> str:
    """DateTimeField.to_representation (ISO 8601, `Z` for UTC) in the given current time zone. DRF looks the
    zone up again for every value (a context-local read): about 1.5 % of a spend request's instructions."""
    if zone is not None:
        value = value.astimezone(zone) if timezone.is_aware(value) else timezone.make_aware(value, zone)
    elif timezone.is_aware(value):
        value = timezone.make_naive(value, UTC)
    shown = value.isoformat()
    return shown[:-6] + "Z" if shown.endswith("+00:00") else shown


def current_zone():
    """The time zone DateTimeField shows moments in: looked up once per answer, for row_payload()."""
    return timezone.get_current_timezone() if settings.USE_TZ else None


def row_payload(row, zone) -> dict | None:
    """TransactionSerializer's representation of a row, from its declared fields without DRF's per-field
    machinery (attribute resolution, skip checks): a batch of spends answers two rows per item. `zone`:
    current_zone()."""
    if row is None:
        return None
    return {
        name: None if (value := getattr(row, name)) is None else _moment(value, zone) if moment else shown(value)
        for name, shown, moment in _row_fields()
    }


def spend_payload(result, zone) -> dict:
    """SpendResultSerializer's representation of a SpendResult (see row_payload)."""
    return {
        "prompt": row_payload(result.prompt, zone),
        "completion": row_payload(result.completion, zone),
        "balance": None if result.balance is None else float(result.balance),
    }


class SpendBatchSerializer(serializers.Serializer):
    items = batch_of(SpendSerializer)


class CallSpendSerializer(ExternalUserSerializer):
    items = serializers.ListField(child=CallItemSerializer(), min_length=1, max_length=calls.MAX_ITEMS)
    endpoint = serializers.CharField(
        max_length=100, required=False, allow_null=True, help_text="A free endpoint (LEDGER_FREE_ENDPOINTS) costs 0."
    )
    conversation_id = serializers.CharField(max_length=255, required=False, allow_null=True)
    message_id = serializers.CharField(
        max_length=255, required=False, allow_null=True, help_text="A message is charged once per item."
    )
    context = serializers.CharField(max_length=100, default="message")


class CallSpendResultSerializer(serializers.Serializer):
    rows = TransactionSerializer(many=True, help_text="One `call` row per item (same kind, name and options).")
    credits = serializers.FloatField(help_text="What the rows charge together.")
    balance = serializers.FloatField(allow_null=True, help_text="Credits after the spend; null with balances off.")


class CallSpendBatchSerializer(serializers.Serializer):
    items = batch_of(CallSpendSerializer)


class BatchItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    ok = serializers.BooleanField()
    result = serializers.DictField(required=False)
    status = serializers.IntegerField(required=False)
    message = serializers.CharField(required=False)
    errors = serializers.ListField(child=serializers.DictField(), required=False)


class BatchResultSerializer(serializers.Serializer):
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BatchItemResultSerializer(many=True)


class ReleaseResultSerializer(serializers.Serializer):
    released = serializers.BooleanField(help_text="False when the hold was already settled, released or expired.")


class BalanceSerializer(serializers.Serializer):
    user = serializers.CharField()
    source = serializers.CharField()
    balance = serializers.FloatField()
    held_credits = serializers.FloatField()


class GrantSerializer(ExternalUserSerializer):
    amount = serializers.FloatField(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT, help_text="Negative removes.")
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    def validate_amount(self, value: float) -> float:
        if value == 0:
            raise serializers.ValidationError("Must not be zero.")
        return value


class GrantResultSerializer(serializers.Serializer):
    transaction = TransactionSerializer()
    balance = serializers.FloatField()
