"""Budget notices: when chatmon.policies announces a budget reaching 50/80/100 % of its limit (once per budget,
period and level: the policies app claims each), the notice goes to the channels of every enabled, unsilenced
budget rule (kind budget_used) that watches that budget (its subject empty or the budget's name). Each channel
gets a BudgetDelivery attempted at once; a failed one is retried by the evaluations that follow, with the backoff
and the attempts of an incident's notices (notify.retry_due). The crossing stays listed under Budget notices."""

from __future__ import annotations

from django.db.models import Q
from django.dispatch import receiver

from chatmon.alerting import notify
from chatmon.alerting.models import AlertRule, BudgetDelivery, Delivery, NotificationChannel
from chatmon.policies.models import BudgetNotice
from chatmon.policies.signals import budget_crossed
from ledger import money


def channels_for(budget_name: str):
    rules = AlertRule.objects.filter(Q(subject="") | Q(subject=budget_name), kind=AlertRule.Kind.BUDGET_USED,
                                     enabled=True)  # fmt: skip
    rules = [rule.pk for rule in rules if not rule.is_silenced()]
    return NotificationChannel.objects.filter(rules__in=rules, enabled=True).distinct().order_by("pk")


def text_of(budget, level: int, percent: float, spent: float, period_end) -> str:
    return (f"[BUDGET {level} %] {budget.name} ({budget.subject}): {money.format_amount(spent)} of "
            f"{money.format_amount(budget.limit)} spent this {budget.period} ({percent:,.1f} %); the period ends "
            f"{period_end:%Y-%m-%d %H:%M %Z}.")  # fmt: skip


@receiver(budget_crossed, dispatch_uid="chatmon.alerting.budget_notice")
def send_budget_notice(sender, *, budget, level, percent, spent, period_start, period_end, **_kwargs) -> int:
    """Queue the notice for each channel and attempt it now; returns the channels reached at once."""
    text = text_of(budget, level, percent, spent, period_end)
    body = {"text": text, "chatmon": {"budget": budget.name, "level": level, "percent": percent,
                                      "period_start": period_start.isoformat()}}  # fmt: skip
    notice = BudgetNotice.objects.filter(budget=budget, period_start=period_start, level=level).first()
    if notice is None:  # deleted in the admin between the claim and this; nothing to announce
        return 0
    # The BudgetNotice claim sends this signal once; the unique (notice, channel) keeps a second send from
    # queueing twice, and each attempt is claimed (notify.attempt_row), so a delivery is never sent twice.
    channels = channels_for(budget.name)
    BudgetDelivery.objects.bulk_create(
        [BudgetDelivery(notice=notice, channel=channel, text=text, body=body) for channel in channels],
        ignore_conflicts=True,
    )
    queued = BudgetDelivery.objects.filter(notice=notice, attempts=0, status=Delivery.Status.PENDING)
    return sum(notify.attempt_budget(delivery) for delivery in queued.select_related("notice", "channel"))
