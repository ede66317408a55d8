"""Fields every endpoint shares: the caller's user id and its source."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatmon.api import conf, sources, users
from ledger.services import sync_balance_settings_once

# Ledger limits (ledger/validation.py), stated in the schema so callers see them.
MAX_AMOUNT = 1e12


def source_field() -> serializers.CharField:
    # The admin validates a key's own source with the same validator (chatmon/api/sources.py).
    return serializers.CharField(
        required=False,
        validators=[sources.validate_source],
        help_text="Whose ids `user` holds (lowercase, e.g. `librechat`, `email`); default: the key's source. "
        "A key names users of its own source only, unless it has the scope `sources:any` (else 403).",
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
    """The source `user` is named in: the request's, or the key's. Refused (403) when the key may not name
    it, before any lookup: the answer is the same whether or not that source's user exists."""
    source = data.get("source") or request.auth.source
    sources.check_source(request.auth, source)
    return source


def resolve_user(data: dict, request):
    """The chatmon user named by the validated `user` (and `source`), created on first sight.

    A call naming a user acts for that user, as their own request would: like BalanceSyncMiddleware on a
    signed-in request, it gives them a balance with the start balance (and the refill settings) if missing.
    """
    key = (source_of(data, request), data["user"])
    seen = request.__dict__.setdefault("_resolved_users", {})  # a batch often names one user many times
    if key not in seen:
        seen[key] = users.remembered(key)
        if seen[key] is None:
            seen[key] = users.resolve(source=key[0], external_id=key[1])
            sync_balance_settings_once(user=seen[key])
            users.recently_resolved.put(key, seen[key])
    return seen[key]


def forget_user(data: dict, request) -> None:
    """Forget the user `data` names, as this request and this process remember them: they were deleted
    (ledger UserGone) before the news reached this process, so resolve_user() looks them up again."""
    key = (source_of(data, request), data["user"])
    request.__dict__.get("_resolved_users", {}).pop(key, None)
    users.recently_resolved.forget(key)


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


class RecentMoment(serializers.DateTimeField):
    """When something the caller reports ended: at most 5 minutes ahead (clock skew) and at most
    API_TIMING_MAX_AGE_SECONDS ago, since older minutes have long been compacted and alerted on."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        now = timezone.now()
        if moment > now + timedelta(minutes=5) or moment < now - timedelta(seconds=conf.timing_max_age_seconds()):
            raise serializers.ValidationError("Must be within API_TIMING_MAX_AGE_SECONDS before now.")
        return moment


def recent_moment_field(help_text: str) -> RecentMoment:
    return RecentMoment(required=False, help_text=help_text)
