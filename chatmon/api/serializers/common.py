"""Fields every endpoint shares: the caller's user id and its source."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatmon.api import conf, users
from ledger.services import sync_balance_settings

SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,49}$"
# Ledger limits (ledger/validation.py), stated in the schema so callers see them.
MAX_AMOUNT = 1e12


def source_field() -> serializers.RegexField:
    return serializers.RegexField(
        SOURCE_PATTERN,
        required=False,
        help_text="Whose ids `user` holds (lowercase, e.g. `librechat`, `email`); default: the key's source.",
    )


def user_field(*, required: bool = True) -> serializers.CharField:
    return serializers.CharField(
        max_length=255,
        required=required,
        help_text="The user's id in your app (a LibreChat ObjectId, an e-mail, ...).",
    )


def count_field(name: str, *, minimum: float = -MAX_AMOUNT) -> serializers.FloatField:
    return serializers.FloatField(
        min_value=minimum, max_value=MAX_AMOUNT, required=False, allow_null=True, help_text=name
    )


class ExternalUserSerializer(serializers.Serializer):
    user = user_field()
    source = source_field()


def source_of(data: dict, request) -> str:
    return data.get("source") or request.auth.source


def resolve_user(data: dict, request):
    """The chatmon user named by the validated `user` (and `source`), created on first sight.

    A call naming a user acts for that user, as their own request would: like BalanceSyncMiddleware on a
    signed-in request, it gives them a balance with the start balance (and the refill settings) if missing.
    """
    key = (source_of(data, request), data["user"])
    seen = request.__dict__.setdefault("_resolved_users", {})  # a batch often names one user many times
    if key not in seen:
        seen[key] = users.resolve(source=key[0], external_id=key[1])
        sync_balance_settings(user=seen[key])
    return seen[key]


def find_user(data: dict, request):
    """The chatmon user named by `user`, or None when that id was never seen (reads create nobody)."""
    return users.find(source=source_of(data, request), external_id=data["user"])


def batch_of(item_serializer: type[serializers.Serializer]) -> serializers.ListField:
    """A list of objects that the view validates one by one (with `item_serializer`), so one bad item fails
    alone; the schema still documents each item's fields."""

    @extend_schema_field(item_serializer(many=True))
    class Items(serializers.ListField):
        child = serializers.JSONField()

        def to_internal_value(self, data):
            items = super().to_internal_value(data)
            if len(items) > conf.max_batch_items():
                raise serializers.ValidationError(f"At most {conf.max_batch_items()} items per request.")
            return items

    return Items(min_length=1)
