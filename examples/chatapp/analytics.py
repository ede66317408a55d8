"""How the chat app feeds chatmon's product analytics: each chat turn is a feature event of its user (a KPI
counts it, a funnel step follows it) and shows the user their variant of the demo experiment (chatmon records
the exposure once per user). The fake provider answers the same whatever the variant: the demo shows the
plumbing, not a real prompt change."""

from __future__ import annotations

from django.apps import apps

from chatmon.monitoring.events import record_feature_event

EXPERIMENT = "demo-system-prompt"
TURN_EVENT = "chat.turn"


def note_chat_turn(user) -> str:
    """Count the turn and return the user's variant of the demo experiment ("control" without one)."""
    if not apps.is_installed("chatmon.analytics"):
        record_feature_event(TURN_EVENT)
        return "control"
    from chatmon.analytics.events import record_user_event
    from chatmon.analytics.experiments import variant_for
    from chatmon.analytics.models import Experiment

    record_user_event(user, TURN_EVENT)

    try:
        return variant_for(EXPERIMENT, user)
    except Experiment.DoesNotExist:  # the demo data was not loaded: no experiment runs
        return "control"
