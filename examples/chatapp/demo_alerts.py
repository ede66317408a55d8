"""Demo alert rules whose thresholds `LOADGEN=1 make run` crosses: within a few minutes of traffic the
Overview's Alerts panel shows incidents opening (abusers' violations, the spend rate) and resolving (once the
abusers are banned, and once loadgen's run is over)."""

from __future__ import annotations

from django.apps import apps

WINDOW_MINUTES = 2  # short, so an incident resolves two minutes after its cause stops


def ensure_alert_rules() -> None:
    """Create the demo rules that are missing (one query when they all exist); an operator's edits stay."""
    if not apps.is_installed("chatmon.alerting"):
        return
    from chatmon.alerting.models import AlertRule
    from ledger import conf as ledger_conf

    one_unit = ledger_conf.credits_per_unit()  # 1 USD at LibreChat's rate
    rules = {
        # loadgen's abusers brute-force logins and flood messages until their addresses are banned.
        "Demo: violation spike": (AlertRule.Kind.VIOLATION_SPIKE, 5),
        # Ten simulated users chatting spend several USD an hour; the rate drops to 0 when loadgen stops.
        "Demo: spend above 1 per hour": (AlertRule.Kind.SPEND_PER_HOUR, one_unit),
        # The demo's acme-llm-1 has no price: one incident names it, once.
        "Demo: a model without a price": (AlertRule.Kind.UNPRICED_MODEL, 0),
        # loadgen's heavy spender (lg-user-0) pastes long documents.
        "Demo: a user spent over 0.10": (AlertRule.Kind.USER_SPEND, one_unit / 10),
    }
    present = set(AlertRule.objects.filter(name__in=rules).values_list("name", flat=True))
    for name, (kind, threshold) in rules.items():
        if name not in present:
            AlertRule.objects.create(name=name, kind=kind, threshold=threshold, window_minutes=WINDOW_MINUTES)
