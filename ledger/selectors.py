"""Reads of ledger data (services own the writes)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from ledger.book import user_id_of
from ledger.models import Balance, Hold, Transaction


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
