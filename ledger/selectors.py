"""Reads of ledger data (services own the writes); other apps read the ledger through these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate, TruncHour, TruncMinute

from ledger.book import user_id_of
from ledger.models import Balance, Hold, Transaction
from ledger.verify import Mismatch, verify_balance

# A generation is charged with one prompt row (and usually a completion row): prompt rows count requests.
_PROMPT = Q(token_type=Transaction.TokenType.PROMPT)
# A `call` row's raw_amount counts calls (images, searches), not tokens.
_TOKENS = ~Q(token_type=Transaction.TokenType.CALL)


def balance_of(user) -> float:
    """The user's credits; 0 when the user has no balance yet."""
    credits = Balance.objects.filter(user_id=user_id_of(user)).values_list("token_credits", flat=True).first()
    return credits or 0.0


def transactions_of(user) -> QuerySet[Transaction]:
    """The user's transactions, newest first."""
    return Transaction.objects.filter(user_id=user_id_of(user)).order_by("-created_at", "-pk")


def active_holds_of(user) -> QuerySet[Hold]:
    return Hold.objects.filter(user_id=user_id_of(user), status=Hold.Status.ACTIVE).order_by("pk")


def ledger_totals() -> dict:
    """Figures for the scrape-time gauges: two aggregate queries."""
    balances = Balance.objects.aggregate(
        credits=Sum("token_credits"), at_zero=Count("pk", filter=Q(token_credits__lte=0))
    )
    holds = Hold.objects.filter(status=Hold.Status.ACTIVE).aggregate(holds=Count("pk"), held=Sum("amount"))
    return {
        "credits": balances["credits"] or 0.0,
        "at_zero": balances["at_zero"],
        "holds": holds["holds"],
        "held": holds["held"] or 0.0,
    }


def credits_spent(*, since: dt.datetime) -> float:
    """Credits charged by spends created since `since` (one aggregate on the time index)."""
    spent = Transaction.objects.spends().filter(created_at__gte=since).aggregate(c=Sum(-F("token_value")))["c"]
    return spent or 0.0


def spends_by_model_hour(*, since: dt.datetime) -> QuerySet:
    """Spends since `since`, one dict per UTC hour and model (one grouped query): `hour`, `model` (None and ''
    are separate groups), `prompt` and `completion` tokens, `credits`, `requests` (prompt rows)."""
    return (
        Transaction.objects.spends()
        .filter(created_at__gte=since)
        .annotate(hour=TruncHour("created_at", tzinfo=dt.UTC))
        .values("hour", "model")
        .annotate(
            prompt=Sum(-F("raw_amount"), filter=_PROMPT),
            completion=Sum(-F("raw_amount"), filter=Q(token_type=Transaction.TokenType.COMPLETION)),
            credits=Sum(-F("token_value")),
            requests=Count("pk", filter=_PROMPT),
        )
    )


def spends_by_model_minute(*, since: dt.datetime) -> list[dict]:
    """As spends_by_model_hour, one dict per UTC `minute` and model: the dashboards' last hour, read from the
    rows themselves because the usage rollups are hourly.

    Grouped by COALESCE(model, model) (the model, NULL kept) rather than the bare column: SQLite would
    otherwise walk the whole (model, created_at) index to group by model (0.3 s at a million rows) instead
    of reading only the hour's rows on the time index (20 ms)."""
    rows = (
        Transaction.objects.spends()
        .filter(created_at__gte=since)
        .annotate(minute=TruncMinute("created_at", tzinfo=dt.UTC), model_name=Coalesce("model", "model"))
        .values("minute", "model_name")
        .annotate(
            prompt=Sum(-F("raw_amount"), filter=_PROMPT),
            completion=Sum(-F("raw_amount"), filter=Q(token_type=Transaction.TokenType.COMPLETION)),
            credits=Sum(-F("token_value")),
            requests=Count("pk", filter=_PROMPT),
        )
        .order_by()
    )
    return [{"model" if key == "model_name" else key: value for key, value in row.items()} for row in rows]


def spends_by_user_day(*, since: dt.datetime) -> QuerySet:
    """Spends since `since`, one dict per UTC day and user (one grouped query): `day`, `user_id`, `tokens`
    (prompt and completion rows), `credits` (calls included), `requests` (prompt rows), `first_at` and
    `last_at` (the day's first and last spend)."""
    return (
        Transaction.objects.spends()
        .filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .values("day", "user_id")
        .annotate(
            tokens=Sum(-F("raw_amount"), filter=_TOKENS),
            credits=Sum(-F("token_value")),
            requests=Count("pk", filter=_PROMPT),
            first_at=Min("created_at"),
            last_at=Max("created_at"),
        )
    )


def verify_balances(*, users: Iterable) -> list[Mismatch]:
    """ledger_verify's check for these users' balances (users or user ids): every applied row against the one
    before it, and each balance against its rows. An empty list means all is well."""
    ids = [user_id_of(user) for user in users]
    problems: list[Mismatch] = []
    for balance in Balance.objects.filter(user_id__in=ids).order_by("pk").iterator(chunk_size=1000):
        problems += verify_balance(balance)
    return problems


def with_spending_since(queryset: QuerySet, *, since: str, user: str = "user_id", retained_after=None) -> QuerySet:
    """`queryset` (rows naming a user and a start time, e.g. experiment exposures) annotated per row with
    `requests` (prompt rows) and `credits` (credits spent) since the row's `since` field, and `retained`
    (1 when the user spent at least `retained_after` after it, else 0; with a timedelta). Subqueries:
    one query whatever the number of rows."""
    later = Transaction.objects.spends().filter(user_id=OuterRef(user), created_at__gte=OuterRef(since))
    per_user = later.order_by().values("user_id")
    annotations = {
        "requests": Coalesce(Subquery(per_user.annotate(n=Count("pk", filter=_PROMPT)).values("n")), 0),
        "credits": Coalesce(Subquery(per_user.annotate(c=Sum(-F("token_value"))).values("c")), 0.0),
    }
    if retained_after is not None:
        threshold = ExpressionWrapper(OuterRef(since) + retained_after, output_field=DateTimeField())
        returned = Transaction.objects.spends().filter(user_id=OuterRef(user), created_at__gte=threshold)
        annotations["retained"] = Coalesce(
            Subquery(returned.order_by().values("user_id").annotate(n=Count("pk")).values("n")[:1]),
            0,
            output_field=IntegerField(),
        )
    return queryset.annotate(**annotations)
