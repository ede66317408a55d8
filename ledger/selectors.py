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
from django.utils import timezone

from ledger.book import user_id_of
from ledger.models import Balance, Hold, Transaction
from ledger.pricing import shipped
from ledger.valuation import CANCEL_RATE
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


def spends_by_model_minute(*, since: dt.datetime, until: dt.datetime | None = None) -> list[dict]:
    """As spends_by_model_hour, one dict per UTC `minute` and model, up to `until` (excluded) when given: the
    dashboards' minute grain, read from the rows themselves because the usage rollups are hourly.

    Grouped by COALESCE(model, model) (the model, NULL kept) rather than the bare column: SQLite would
    otherwise walk the whole (model, created_at) index to group by model (0.3 s at a million rows) instead
    of reading only the hour's rows on the time index (20 ms)."""
    spends = Transaction.objects.spends().filter(created_at__gte=since)
    rows = (
        (spends if until is None else spends.filter(created_at__lt=until))
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


def credits_by_minute(*, since: dt.datetime) -> QuerySet:
    """Credits charged by spends since `since`, one dict per UTC `minute` with `credits` (one grouped query):
    what spend_total sums, at a grain that any zone's midnight falls on."""
    rows = Transaction.objects.spends().filter(created_at__gte=since)
    grouped = rows.annotate(minute=TruncMinute("created_at", tzinfo=dt.UTC)).values("minute")
    return grouped.annotate(credits=Sum(-F("token_value"))).order_by()


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


def unpriced_rates() -> list[float]:
    """The rates an unpriced token spend is charged: the default rate, and the cancel surcharge's on it."""
    default = shipped().default_rate
    return [default, default * CANCEL_RATE]


def unpriced_spends(*, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet:
    """Token spends charged the default rate because no price matched their model, one dict per model and
    endpoint (one grouped query on the (value_key, created_at) index): `model`, `endpoint`, `rows`, `tokens`,
    `credits`, `first_at`, `last_at`.

    A spend row already says it was unpriced, so nothing is counted on the spend path: no value key matched
    (value_key NULL) and its rate is the default one (the cancel surcharge's too). That leaves out rows priced
    by an endpoint token config or a free endpoint, which also have no value key but their own rate."""
    rows = _keyless_token_spends(since=since, until=until).filter(rate__in=unpriced_rates())
    return rows.values("model", "endpoint").annotate(**_unpriced_figures()).order_by("-credits", "model")


def keyless_token_spends_by_hour(*, since: dt.datetime) -> QuerySet:
    """Token spends of a named model that no price's value key matched, since `since`, one dict per UTC `hour`,
    `model`, `endpoint` and `rate` with unpriced_spends' figures (one grouped query): an hourly rollup of what
    unpriced_spends reads. The rate stays a key so that its reader picks the unpriced rates (unpriced_rates)
    when it reads, as unpriced_spends does, and a changed default rate still reads right."""
    rows = _keyless_token_spends(since=since).annotate(hour=TruncHour("created_at", tzinfo=dt.UTC))
    return rows.values("hour", "model", "endpoint", "rate").annotate(**_unpriced_figures()).order_by()


def _keyless_token_spends(*, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet:
    rows = (
        Transaction.objects.filter(
            value_key__isnull=True,
            created_at__gte=since,
            token_type__in=[Transaction.TokenType.PROMPT, Transaction.TokenType.COMPLETION],
        )
        .exclude(model__isnull=True)
        .exclude(model="")
    )
    return rows if until is None else rows.filter(created_at__lt=until)


def _unpriced_figures() -> dict:
    return {
        "rows": Count("pk"),
        "tokens": Sum(-F("raw_amount")),
        "credits": Sum(-F("token_value")),
        "first_at": Min("created_at"),
        "last_at": Max("created_at"),
    }


def current_value_key(model: str) -> str | None:
    """The pricing key that prices `model` now (shipped table and overrides in force), None when none does."""
    from ledger.overrides import table_at  # its receivers need the app registry: imported on first use

    return table_at(timezone.now()).value_key(model)


def credits_by_user(*, since: dt.datetime, until: dt.datetime | None = None, user=None) -> dict:
    """Credits each user was charged by spends in [since, until): user id -> credits (one grouped query on the
    time index; only one user's rows with `user`).

    Grouped by COALESCE(user_id, user_id), as spends_by_model_minute groups by model: on the bare column SQLite
    walks the whole (user, created_at) index instead of the window's rows (56 ms against 6 ms for an hour of
    100,000 rows spread over 30 days, bench/price_coverage.py)."""
    rows = Transaction.objects.spends().filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    if user is not None:
        rows = rows.filter(user_id=user_id_of(user))
    grouped = (
        rows.annotate(spender=Coalesce("user_id", "user_id"))
        .values("spender")
        .annotate(credits=Sum(-F("token_value")))
        .order_by()
    )
    return {row["spender"]: row["credits"] or 0.0 for row in grouped}


SPEND_GROUPS = ("model", "endpoint", "user_id", "day")  # day: the UTC date


def spend_grouped(
    *,
    by: tuple[str, ...],
    since: dt.datetime,
    until: dt.datetime | None = None,
    users=None,
    model: str | None = None,
    endpoint: str | None = None,
) -> QuerySet:
    """Spends in [since, until) summed per combination of the `by` fields (each one of SPEND_GROUPS), largest
    first, in one grouped query: the keys, `credits` (token and per-call rows: what `spends()` calls a spend),
    `tokens` (prompt and completion rows), `calls` (per-call rows' quantity) and `requests` (prompt rows).
    `users` narrows to those user ids (a list or a queryset of ids, sent as a subquery), `model` and
    `endpoint` to rows of that model and endpoint. It reads every spend row of the range (on the time index):
    its cost grows with the range's traffic."""
    unknown = set(by) - set(SPEND_GROUPS)
    if not by or unknown:
        raise ValueError(f"spends group by some of {', '.join(SPEND_GROUPS)}, not {sorted(unknown) or 'nothing'}")
    rows = Transaction.objects.spends().filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    if users is not None:
        rows = rows.filter(user_id__in=users)
    if model:
        rows = rows.filter(model=model)
    if endpoint:
        rows = rows.filter(endpoint=endpoint)
    if "day" in by:
        rows = rows.annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
    return (
        rows.values(*by)
        .annotate(
            credits=Sum(-F("token_value")),
            tokens=Sum(-F("raw_amount"), filter=_TOKENS),
            calls=Sum(-F("raw_amount"), filter=Q(token_type=Transaction.TokenType.CALL)),
            requests=Count("pk", filter=_PROMPT),
        )
        .order_by("-credits", *by)
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


def spend_by_day(*, since: dt.datetime, tzinfo: dt.tzinfo, users: QuerySet | None = None, model: str | None = None,
                 until: dt.datetime | None = None) -> dict:  # fmt: skip
    """Credits charged by spends in [since, until (default now)), per calendar day in `tzinfo`: date -> credits.
    `users` narrows to the users a queryset of ids selects (a subquery: a group's members, an API source's
    users); `model` to rows of that model or pricing key. The budgets' spend and their forecast's run rate
    both read this, so the two agree to the credit.

    One SUM per local day, each a range of the time index: every row is read once, by one plain SUM.
    Grouping by each row's local date costs a Python call per row on SQLite (10,000 rows: 250 ms), and one
    scan with a filtered SUM per day tests every row against every day (210,000 rows: 635 ms against 89 ms
    for a plain SUM of the month; bench/policies_check.py)."""
    until = until or timezone.now()
    first, last = since.astimezone(tzinfo).date(), until.astimezone(tzinfo).date()
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    if not days or len(days) > 400:
        raise ValueError("spend_by_day reads 1 to 400 days")
    starts = [dt.datetime.combine(day, dt.time(), tzinfo=tzinfo) for day in [*days, last + dt.timedelta(days=1)]]
    starts[0], starts[-1] = since, until  # one pair of bounds per query: SQLite then ranges over that day only
    found = {
        day: spend_total(since=starts[n], until=starts[n + 1], users=users, model=model) for n, day in enumerate(days)
    }
    return {day: credits for day, credits in found.items() if credits}


def first_transaction_at() -> dt.datetime | None:
    """When the ledger wrote its first row: how much history a forecast can draw on (one index read)."""
    return Transaction.objects.order_by("created_at").values_list("created_at", flat=True).first()


def token_spends_by_value_key(*, since: dt.datetime, until: dt.datetime | None = None) -> dict[str, dict]:
    """Token spends in [since, until) per value key (None: no price matched): `credits`, `requests` (prompt rows)
    and `completion` tokens; call rows (images, searches) are left out, so these are the model's own costs.
    One grouped query on the time index; the model figures (cost per request, per 1k output tokens) use it."""
    rows = Transaction.objects.spends().filter(_TOKENS, created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    grouped = (
        rows.values("value_key")
        .annotate(
            credits=Sum(-F("token_value")),
            requests=Count("pk", filter=_PROMPT),
            completion=Sum(-F("raw_amount"), filter=Q(token_type=Transaction.TokenType.COMPLETION)),
        )
        .order_by()
    )
    return {
        row["value_key"]: {"credits": row["credits"] or 0.0, "requests": row["requests"],
                           "completion": row["completion"] or 0}
        for row in grouped
    }  # fmt: skip


def balances_of(user_ids: Iterable) -> dict:
    """User id -> their Balance (users without one left out), one query."""
    return {balance.user_id: balance for balance in Balance.objects.filter(user_id__in=list(user_ids))}


def spend_total(*, since: dt.datetime, until: dt.datetime, users: QuerySet | None = None, model: str | None = None):
    """Credits charged by spends in [since, until), narrowed as spend_by_day narrows them: one SUM on the time
    index, for a balance check's hard stop (grouping by local day costs a function call per row on SQLite)."""
    rows = Transaction.objects.spends().filter(created_at__gte=since, created_at__lt=until)
    if users is not None:
        rows = rows.filter(user_id__in=users)
    if model:
        rows = rows.filter(Q(model=model) | Q(value_key=model))
    return rows.aggregate(credits=Sum(-F("token_value")))["credits"] or 0.0
