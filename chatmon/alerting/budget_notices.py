"""Budget notices: when chatmon.policies announces a budget reaching 50/80/100 % of its limit (once per budget,
period and level: the policies app claims each), the notice goes to the channels of every enabled, unsilenced
budget rule (kind budget_used) that watches that budget (its subject empty or the budget's name). One attempt
per channel; a failure is logged (the crossing stays listed under the budget's notices in the admin)."""

from __future__ import annotations

import logging

from django.db.models import Q
from django.dispatch import receiver

from chatmon.alerting import notify
from chatmon.alerting.models import AlertRule, NotificationChannel
from chatmon.policies.signals import budget_crossed
from ledger import money

logger = logging.getLogger(__name__)


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
    text = text_of(budget, level, percent, spent, period_end)
    body = {"text": text, "chatmon": {"budget": budget.name, "level": level, "percent": percent,
                                      "period_start": period_start.isoformat()}}  # fmt: skip
    sent = 0
    for channel in channels_for(budget.name):
        error = notify.deliver(channel, text, lambda: body)
        if error:
            logger.warning("alerting: budget notice of %s to %s failed: %s", budget.name, channel, error)
        sent += error is None
    return sent
