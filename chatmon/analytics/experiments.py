"""Experiments: deterministic assignment, one exposure per user, results per variant.

A user's variant is a pure function of the experiment's slug and the user's id (SHA-256 of
"<slug>:<user id>" read as a number in [0, 1), placed on the variants' cumulative weights): every process,
every node and every call agree without storing anything first, and changing the weights of a running
experiment moves only the users at the boundary. `variant_for()` also records the exposure, once per user
(the first one wins; a unique constraint settles races). Results compare each variant with the control
(the first variant) on the experiment's metric, counted from the exposure on (chatmon/analytics/stats.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction

from chatmon.analytics import events, stats
from chatmon.analytics.models import Experiment, Exposure
from ledger import selectors as ledger_selectors

MAX_VARIANTS = 10


def checked_variants(variants: Any) -> list[dict]:
    """[{"name": str, "weight": positive number}, ...] with 2-10 distinct names; raises ValueError."""
    if not isinstance(variants, list) or not 2 <= len(variants) <= MAX_VARIANTS:
        raise ValueError(f"give 2 to {MAX_VARIANTS} variants as a list")
    names = []
    for variant in variants:
        if not isinstance(variant, dict) or set(variant) != {"name", "weight"}:
            raise ValueError('each variant is {"name": ..., "weight": ...}')
        name, weight = variant["name"], variant["weight"]
        if not isinstance(name, str) or not 1 <= len(name) <= 50:
            raise ValueError("a variant name is text of 1 to 50 characters")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1_000_000:
            raise ValueError(f"variant {name!r}: the weight must be a number above 0 (at most 1,000,000)")
        names.append(name)
    if len(set(names)) != len(names):
        raise ValueError("variant names must differ")
    return variants


def bucket(slug: str, user_id: Any) -> float:
    """Where the user falls in [0, 1) for this experiment (uniform over users, independent across slugs)."""
    digest = hashlib.sha256(f"{slug}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(experiment: Experiment, user_id: Any) -> str:
    """The user's variant (no side effect)."""
    point = bucket(experiment.slug, user_id) * sum(v["weight"] for v in experiment.variants)
    for variant in experiment.variants:
        point -= variant["weight"]
        if point < 0:
            return variant["name"]
    return experiment.variants[-1]["name"]  # float rounding at the very top of the range


def variant_for(experiment: Experiment | str, user) -> str:
    """The variant to show `user` (a user or an id), recording the exposure once. An inactive experiment
    shows everyone the control and records nothing. Raises Experiment.DoesNotExist for an unknown slug."""
    if isinstance(experiment, str):
        experiment = Experiment.objects.get(slug=experiment)
    if not experiment.active:
        return experiment.control
    user_id = getattr(user, "pk", user)
    variant = assign(experiment, user_id)
    try:
        with transaction.atomic():
            Exposure.objects.get_or_create(experiment=experiment, user_id=user_id, defaults={"variant": variant})
    except IntegrityError:  # another request recorded it first: same variant, nothing to do
        pass
    return variant


@dataclass(frozen=True)
class VariantResult:
    name: str
    users: int
    value: float  # mean per user, or the share of users for a rate
    comparison: stats.Comparison | None  # None for the control
    statement: str


RETENTION = timedelta(days=7)


def results(experiment: Experiment) -> list[VariantResult]:
    """Each variant's users and metric, and its comparison with the control (one query for the metric)."""
    metric = Experiment.Metric(experiment.metric)
    exposures = Exposure.objects.filter(experiment=experiment)
    if metric == Experiment.Metric.EVENT:
        exposures = events.with_event_counts(exposures, experiment.metric_event, since="exposed_at")
    else:
        exposures = ledger_selectors.with_spending_since(
            exposures,
            since="exposed_at",
            retained_after=RETENTION if metric == Experiment.Metric.RETAINED_D7 else None,
        )
    field = {"messages": "requests", "credits": "credits", "retained_d7": "retained", "event": "events"}[metric.value]
    values: dict[str, list[float]] = {v["name"]: [] for v in experiment.variants}
    for variant, value in exposures.values_list("variant", field):
        values.setdefault(variant, []).append(float(value or 0))
    control = experiment.control
    out = []
    for name, observed in values.items():
        comparison = None if name == control else _compare(metric, values[control], observed)
        value = sum(observed) / len(observed) if observed else 0.0
        statement = "control" if comparison is None else comparison.statement(name, control)
        out.append(VariantResult(name, len(observed), value, comparison, statement))
    return out


def _compare(metric: Experiment.Metric, control: list[float], variant: list[float]) -> stats.Comparison:
    if metric == Experiment.Metric.RETAINED_D7:
        return stats.compare_rates(sum(v > 0 for v in control), len(control), sum(v > 0 for v in variant), len(variant))
    return stats.compare_means(control, variant)
