"""The living city: it holds still under a frozen policy, and its channels matter.

Paired comparisons run on the same seed (common random numbers), so a difference is the
parameter's doing, not chance's.
"""

from __future__ import annotations

import numpy as np
import pytest

from reliefsim.audit import run_audit
from reliefsim.model import ReliefModel
from reliefsim.scenario import load_scenario

STILL = ("people", "registered_share", "disability_share", "caseload", "missed_rate")


def stationarity(seed: int, households: int = 20_000, measured: int = 120
                 ) -> dict[str, tuple[float, float]]:
    """First and last 24 measured months' means of the quantities that must hold still."""
    held = load_scenario("baseline").held()
    warmup = int(held.value("run.warmup_months"))
    model = ReliefModel(held, households=households, months=warmup + measured, seed=seed,
                        story=False)
    model.run()
    c = {k: v[warmup:] for k, v in model.ledger.city().items()}
    series = {
        "people": c["people"],
        "registered_share": c["registered_people"] / c["people"],
        "disability_share": c["severe_disability_people"] / c["people"],
        "caseload": c["low_income_households"],
        "missed_rate": c["missed"] / c["eligible"],
    }
    return {k: (float(x[:24].mean()), float(x[-24:].mean())) for k, x in series.items()}


def test_the_city_holds_still_under_a_frozen_policy():
    # 20,000 households, 120 months after the warm-up, four seeds: each quantity moves by
    # less than 5 % between the first and the last two measured years (docs/stationarity.md)
    runs = [stationarity(seed) for seed in (1, 2, 3, 4)]
    for name in STILL:
        first = np.mean([r[name][0] for r in runs])
        last = np.mean([r[name][1] for r in runs])
        assert abs(last / first - 1) < 0.05, (name, first, last)


def summary(households: int, months: int, seed: int, scenario: str = "baseline",
            **overrides: object) -> dict[str, float]:
    model = ReliefModel(scenario, households=households, months=months, seed=seed,
                        overrides={"run.warmup_months": 0, **overrides}, story=False)
    return model.run()


def test_initial_takeup_sets_the_first_years_caseload():
    low = summary(6000, 12, 5, **{"population.initial_takeup": 0.3})
    high = summary(6000, 12, 5, **{"population.initial_takeup": 0.7})
    assert high["caseload.low_income_households"] > 1.2 * low["caseload.low_income_households"]


def test_finance_data_and_misreporting_move_leakage():
    def leakage(**overrides: object) -> float:
        return summary(8000, 36, 6, **overrides)["leakage_of_money"]

    # savings hidden from civil affairs let misreporters in; linked finance data keeps them out
    assert leakage(**{"departments.finance.coverage": 1.0}) < leakage(
        **{"departments.finance.coverage": 0.0})
    honest = leakage(**{"population.misreporter_share": 0.0})
    assert leakage(**{"population.misreporter_share": 0.4}) > honest


def test_unregistered_households_are_never_enrolled():
    model = ReliefModel("baseline", households=6000, months=24, seed=8, story=False)
    for _ in range(24):
        model.step()
        on_rolls = model.case.enrolled(model.month - 1) | (model.case.individual > 0)
        assert not (on_rolls & ~model.truth.registered & model.pop.occupied).any()


def test_opening_eligibility_to_residence_permit_holders_raises_the_caseload():
    base = summary(6000, 24, 9)
    opened = summary(6000, 24, 9, "open_registration")
    assert opened["caseload.low_income_households"] > 1.1 * base["caseload.low_income_households"]
    assert opened["truly_eligible_households"] > base["truly_eligible_households"]


@pytest.mark.parametrize(("scenario", "indicator", "direction"), [
    ("marginal_2x", "enrolled.marginal", 1),
    ("rigid_60", "enrolled.rigid_hardship", 1),
    ("exit_12", "gradual_exit_spending", 1),
    ("exit_0", "gradual_exit_spending", -1),
    ("integrated_data", "missed_rate", -1),
    ("siloed_data", "missed_rate", 1),
])
def test_the_shipped_scenarios_move_the_way_they_say(scenario, indicator, direction):
    base = summary(6000, 36, 4)[indicator]
    other = summary(6000, 36, 4, scenario)[indicator]
    assert direction * (other - base) > 0, (scenario, indicator, base, other)


def test_no_parameter_of_the_baseline_is_dead():
    # every parameter moved to the ends of its range changes some indicator (the exempt ones
    # are printed by `reliefsim audit` with their reasons)
    result = run_audit(load_scenario("baseline"), 1200, 30, 3, workers=2)
    assert result.dead == {}
    assert result.failed == {}
    assert len(result.checked) > 200
