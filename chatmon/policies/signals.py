"""Signals this app sends; other apps (alerting) subscribe without this app importing them.

budget_crossed(budget, level, percent, spent, period_start, period_end)
    A budget's spend reached `level` % of its limit for the first time in the period that starts at
    `period_start`; sent once per budget, period and level, after the claim committed.
"""

from __future__ import annotations

from django.dispatch import Signal

budget_crossed = Signal()
