"""Experiments: assignment stable and balanced, one exposure per user, results from ledger rows, and the
significance arithmetic against a hand-computed textbook example."""

from __future__ import annotations

import math
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from chatmon.analytics import experiments, stats
from chatmon.analytics.models import Experiment, Exposure
from ledger import services
from tests.factories import UserFactory

HALVES = [{"name": "control", "weight": 50}, {"name": "b", "weight": 50}]


def experiment(**fields) -> Experiment:
    defaults = {"slug": "new-prompt", "name": "New system prompt", "variants": HALVES}
    return Experiment.objects.create(**defaults | fields)


def test_assignment_is_stable_and_balanced_over_100k_users():
    """Chi-square goodness of fit of 100,000 assignments to weights 20/30/50, at the 1 % level (2 degrees of
    freedom: critical value 9.21)."""
    thirds = Experiment(slug="three", variants=[{"name": "a", "weight": 20}, {"name": "b", "weight": 30},
                                                {"name": "c", "weight": 50}])  # fmt: skip
    counts = {"a": 0, "b": 0, "c": 0}
    for user_id in range(100_000):
        counts[experiments.assign(thirds, user_id)] += 1
    expected = {"a": 20_000, "b": 30_000, "c": 50_000}
    chi_square = sum((counts[n] - expected[n]) ** 2 / expected[n] for n in counts)
    assert chi_square < 9.21, counts
    assert [experiments.assign(thirds, user_id) for user_id in range(50)] == [
        experiments.assign(thirds, user_id) for user_id in range(50)
    ]


def test_assignments_of_two_experiments_are_independent():
    one, other = Experiment(slug="one", variants=HALVES), Experiment(slug="other", variants=HALVES)
    same = sum(experiments.assign(one, u) == experiments.assign(other, u) for u in range(20_000))
    assert abs(same / 20_000 - 0.5) < 0.02


@pytest.mark.django_db
def test_an_exposure_is_recorded_once_and_an_inactive_experiment_shows_the_control():
    user = UserFactory()
    subject = experiment()
    first = experiments.variant_for("new-prompt", user)
    assert experiments.variant_for(subject, user.pk) == first
    assert list(Exposure.objects.values_list("user_id", "variant")) == [(user.pk, first)]
    subject.active = False
    subject.save()
    assert experiments.variant_for(subject, UserFactory()) == "control"
    assert Exposure.objects.count() == 1
    with pytest.raises(Experiment.DoesNotExist):
        experiments.variant_for("no-such-experiment", user)


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_exposures_record_one_row():
    user, subject = UserFactory(), experiment()
    seen, errors = [], []

    def expose() -> None:
        try:
            seen.append(experiments.variant_for(subject, user))
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=expose) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(seen)) == 1
    assert Exposure.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    "variants",
    [[], [{"name": "a", "weight": 1}], [{"name": "a", "weight": 1}, {"name": "a", "weight": 1}],
     [{"name": "a", "weight": 0}, {"name": "b", "weight": 1}], [{"name": "a", "weight": float("nan")}, {"name": "b",
     "weight": 1}], [{"name": "a", "weight": True}, {"name": "b", "weight": 1}], "ab", [{"name": "a"}, {"name": "b"}]],
)  # fmt: skip
@pytest.mark.django_db
def test_bad_variants_are_refused(variants):
    with pytest.raises(ValidationError):
        Experiment(slug="x", name="x", variants=variants).full_clean()


def test_two_proportions_match_a_hand_computed_example():
    """200 of 1,000 (control) against 250 of 1,000: pooled p = 0.225, SE = sqrt(0.225 * 0.775 * 2/1000) =
    0.018675, z = 0.05 / 0.018675 = 2.6774, two-sided p = 0.00742; unpooled SE = sqrt(0.2*0.8/1000 +
    0.25*0.75/1000) = 0.018641, 95 % CI 0.05 +- 1.96 * 0.018641 = [0.01346, 0.08654]."""
    result = stats.compare_rates(200, 1000, 250, 1000)
    assert result.difference == pytest.approx(0.05)
    assert result.p_value == pytest.approx(0.00742, abs=5e-5)
    assert (result.low, result.high) == (pytest.approx(0.01346, abs=5e-5), pytest.approx(0.08654, abs=5e-5))
    assert result.statement("b", "control").endswith("significant at the 5 % level.")
    assert not stats.compare_rates(200, 1000, 210, 1000).significant


def test_two_means_use_welchs_t_test():
    """Welch's t-test on 60 users a variant: standard error sqrt(2 * (40/59) / 60) = 0.15033, t = 6.652,
    degrees of freedom 118 (equal variances and sizes), t(118) at 2.5 % per tail = 1.98027."""
    control, variant = [1.0, 2.0, 3.0] * 20, [2.0, 3.0, 4.0] * 20  # n = 60 each, variance 40/59 each
    result = stats.compare_means(control, variant)
    spread = math.sqrt(2 * (40 / 59) / 60)
    assert result.difference == pytest.approx(1.0)
    assert result.high - result.low == pytest.approx(2 * 1.98027 * spread, rel=1e-5)
    assert result.significant
    assert "Welch's t-test, p = " in result.statement("b", "control")
    assert stats.compare_means([1.0], [2.0, 3.0]).p_value is None  # no variance from one user


def test_a_small_welch_example_matches_the_t_table():
    """Control 1..5 (mean 3, variance 2.5), variant 3..7 (mean 5, variance 2.5): standard error
    sqrt(2.5/5 + 2.5/5) = 1, t = 2, Welch-Satterthwaite df = 1 / (2 * 0.5**2 / 4) = 8. A t table gives
    t(8) at 2.5 % per tail = 2.306, so the 95 % CI is 2 +- 2.306 = [-0.306, 4.306], and P(|T| >= 2) with
    8 df = 0.0805: not significant at the 5 % level."""
    result = stats.compare_means([1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0, 5.0, 6.0, 7.0])
    assert result.difference == 2
    assert (result.low, result.high) == (pytest.approx(-0.306, abs=5e-4), pytest.approx(4.306, abs=5e-4))
    assert result.p_value == pytest.approx(0.0805, abs=5e-5)
    assert result.statement("b", "control") == (
        "b differs from control by +2 (95 % CI -0.306 to +4.306; Welch's t-test, p = 0.0805): "
        "not significant; the data are consistent with no difference."
    )


@pytest.mark.parametrize(("freedom", "critical"), [(1, 12.706), (4, 2.776), (10, 2.228), (30, 2.042)])
def test_the_t_quantiles_match_the_table(freedom, critical):
    assert stats.t_quantile(freedom) == pytest.approx(critical, abs=5e-4)


def test_the_t_distribution_matches_its_closed_forms():
    # Closed forms: one degree of freedom is Cauchy, two have P(|T| >= t) = 1 - t / sqrt(2 + t^2).
    assert stats.t_two_sided(3.0, 1) == pytest.approx(1 - 2 / math.pi * math.atan(3.0), rel=1e-12)
    assert stats.t_two_sided(1.5, 2) == pytest.approx(1 - 1.5 / math.sqrt(2 + 1.5**2), rel=1e-12)


def test_rates_need_30_users_a_variant_and_say_which_test():
    assert stats.compare_rates(5, 29, 20, 29).p_value is None
    assert "two-proportion z-test" in stats.compare_rates(5, 29, 20, 29).statement("b", "control")
    assert "two-proportion z-test, p = " in stats.compare_rates(5, 30, 20, 30).statement("b", "control")


@pytest.mark.django_db
def test_results_count_messages_and_credits_after_the_exposure_only(balances_on):
    subject = experiment(metric=Experiment.Metric.MESSAGES)
    users = [UserFactory() for _ in range(40)]
    for user in users:
        services.spend_tokens(user=user, model="gpt-4o", prompt_tokens=10)  # before the exposure: not counted
        variant = experiments.variant_for(subject, user)
        for _ in range(3 if variant == "b" else 1):
            services.spend_tokens(user=user, model="gpt-4o", prompt_tokens=10, completion_tokens=5)
    by_name = {r.name: r for r in experiments.results(subject)}
    assert by_name["control"].users + by_name["b"].users == 40
    assert by_name["control"].value == 1 and by_name["b"].value == 3
    subject.metric = Experiment.Metric.CREDITS
    credits = {r.name: r.value for r in experiments.results(subject)}
    assert credits["b"] == pytest.approx(3 * credits["control"])
