"""Behaviour of the whole model (RULES.md §5-6), on small towns with fixed seeds."""

import hashlib

import mesa
import numpy as np
import pytest

from reliefsim import rng as rng_module
from reliefsim.codes import DEPARTMENTS
from reliefsim.model import ReliefModel
from reliefsim.population import student_level

SMALL = {"households": 4000, "months": 36, "seed": 11}


def indicators(model):
    return model.run()


def test_same_seed_gives_identical_results():
    a = ReliefModel("baseline", **SMALL, story=False)
    b = ReliefModel("baseline", **SMALL, story=False)
    ia, ib = indicators(a), indicators(b)
    assert ia.keys() == ib.keys()
    for k in ia:
        assert ia[k] == ib[k] or (np.isnan(ia[k]) and np.isnan(ib[k])), k
    assert np.array_equal(a.ledger.data, b.ledger.data)


def test_different_seeds_differ():
    a = indicators(ReliefModel("baseline", **{**SMALL, "seed": 1}, story=False))
    b = indicators(ReliefModel("baseline", **{**SMALL, "seed": 2}, story=False))
    assert a["spend.total"] != b["spend.total"]


def record_draws(monkeypatch):
    """Every key a run draws with: (purpose, month), in the order the keys are asked for.

    Pieces of a month that run side by side (reliefsim.threads) ask in either order.
    """
    draws = []
    original = rng_module.Streams.key

    def spy(self, purpose, month):
        draws.append((purpose, month))
        return original(self, purpose, month)

    monkeypatch.setattr(rng_module.Streams, "key", spy)
    return draws


SHOCKS = ("people", "households", "health", "job", "wage", "medical", "hospital",
          "disaster-district", "disaster")


def test_policy_change_leaves_every_random_draw_unchanged(monkeypatch):
    """Common random numbers: a reform draws the same shocks for the same people."""
    runs = []
    for overrides in ({}, {"policy.dibao_line": 1600.0, "policy.marginal_multiplier": 2.0,
                           "policy.rigid_ratio_threshold": 0.5, "special.employment": False}):
        draws = record_draws(monkeypatch)
        model = ReliefModel("baseline", **SMALL, overrides=overrides)
        model.run()
        shocks = [(e["month"], e["event"]) for i in range(0, model.pop.n, 97)
                  for e in model.household(i).story
                  if e["event"] in ("a member died", "illness onset", "disaster",
                                    "disability onset", "moved in", "moved out")]
        runs.append(([d for d in draws if d[0] in SHOCKS], shocks, model))
        monkeypatch.undo()
    (d0, s0, m0), (d1, s1, m1) = runs
    assert sorted(d0) == sorted(d1)      # the same shock draws, month by month
    assert s0 == s1 and len(s0) > 0      # the same deaths, illnesses, disasters, moves
    assert np.array_equal(m0.truth.alive, m1.truth.alive)
    assert np.array_equal(m0.truth.age, m1.truth.age)
    assert np.array_equal(m0.pop.hid, m1.pop.hid)          # the same households in every slot
    assert np.array_equal(m0.truth.serious_illness, m1.truth.serious_illness)
    assert not np.array_equal(m0.ledger.series("spend_total"), m1.ledger.series("spend_total"))


def test_a_households_draws_are_its_own():
    """A draw belongs to its id: drawing for some ids gives each what a full block gives it."""
    s = rng_module.Streams(7, replication=2)
    block = s.uniform("job", 5, 1000)
    ids = np.array([3, 999, 500, 3])
    assert np.array_equal(s.uniform_at("job", 5, ids), block[ids])
    normals = s.normal("wage", 5, 1000)
    assert np.array_equal(s.normal_at("wage", 5, ids), normals[ids])
    assert not np.array_equal(s.uniform("job", 6, 1000), block)           # another month
    assert not np.array_equal(rng_module.Streams(7, 3).uniform("job", 5, 1000), block)


def test_longer_gradual_exit_costs_more_and_prevents_cliff_falls():
    run = {"households": 10000, "months": 60, "seed": 1, "story": False}
    exit0 = indicators(ReliefModel("exit_0", **run))
    exit12 = indicators(ReliefModel("exit_12", **run))
    assert exit12["spend.total"] > exit0["spend.total"]
    assert exit12["cliff_falls"] < exit0["cliff_falls"]
    assert exit0["gradual_exit_spending"] == 0
    assert exit12["gradual_exit_spending"] > 0


def test_perfect_information_and_unlimited_visits_leave_almost_no_errors():
    overrides = {f"departments.{d}.lag_months": 0 for d in DEPARTMENTS}
    overrides.update({
        "casework.visits_per_month": 1e9, "casework.visit_accuracy": 1.0,
        "population.misreporter_share": 0.0, "warnings.screening_months": 1,
        "warnings.cooldown_months": 0, "run.warmup_months": 6,
    })
    model = ReliefModel("integrated_data", households=5000, months=30, seed=3,
                        overrides=overrides, story=False)
    out = indicators(model)
    assert out["truly_eligible_households"] > 0
    assert out["missed_rate"] < 0.02
    assert out["leakage_of_recipients"] < 0.02
    assert out["leakage_of_money"] < 0.02


def test_siloed_data_has_no_warnings_and_help_only_by_application():
    model = ReliefModel("siloed_data", households=4000, months=36, seed=5)
    out = indicators(model)
    assert out["warnings"] == 0
    assert all(out[f"lookups.{d}"] == 0 for d in DEPARTMENTS)
    assert out["enrolled_households"] > 0
    enrolled, applied = [], set()
    for t, idx, code, _ in model.log.months:
        name = model.log.names[code[0]]
        if name == "application":
            applied.update((int(i), t) for i in idx)
        if name == "enrolled":
            enrolled.extend((int(i), t) for i in idx)
    assert enrolled
    first_application = {}
    for i, t in sorted(applied, key=lambda x: x[1]):
        first_application.setdefault(i, t)
    assert all(i in first_application and first_application[i] <= t for i, t in enrolled)


def test_integrated_data_finds_people_faster_than_siloed():
    run = {"households": 6000, "months": 48, "seed": 2, "story": False}
    siloed = indicators(ReliefModel("siloed_data", **run))
    integrated = indicators(ReliefModel("integrated_data", **run))
    assert integrated["missed_rate"] < siloed["missed_rate"]
    assert integrated["warnings"] > 0
    assert integrated["lookups_per_household_helped"] > 0


def test_batch_run_works_as_for_any_mesa_model():
    rows = mesa.batch_run(ReliefModel, {"scenario": "baseline", "households": 1000,
                                        "months": 6, "seed": [1, 2], "story": False},
                          max_steps=6, display_progress=False)
    assert len(rows) >= 2
    assert {"missed", "enrolled", "spend_total", "seed"} <= set(rows[-1])
    assert all(r["Step"] <= 6 for r in rows)


def test_household_view_tells_a_story():
    model = ReliefModel("integrated_data", households=2000, months=24, seed=4)
    model.run()
    helped = np.flatnonzero(model.case.tier > 0)
    view = model.household(int(helped[0]))
    assert view.enrolled_tier != "none"
    assert view.facts["members"] and "age" in view.facts["members"][0]
    events = [e["event"] for e in view.story]
    assert any(e.startswith("paid ") for e in events)
    assert view.timeline().startswith("month")
    with pytest.raises(AttributeError):
        view.weight = 3  # read-only


def test_weights_represent_the_city_and_oversample_the_poor():
    model = ReliefModel("baseline", households=5000, months=1, seed=9, story=False)
    w = model.pop.weight
    assert w.sum() == pytest.approx(8_230_792)
    low = w < np.median(w)
    assert low.mean() > 0.1              # over-sampled households carry smaller weights
    digest = hashlib.sha256(model.truth.age.tobytes()).hexdigest()
    again = ReliefModel("baseline", households=5000, months=1, seed=9, story=False)
    assert hashlib.sha256(again.truth.age.tobytes()).hexdigest() == digest


def test_stage_seconds_cover_every_stage_of_the_month():
    model = ReliefModel("baseline", households=1000, months=3, seed=2, story=False)
    model.run()
    assert set(model.stage_seconds) == {"population", "shocks", "monitoring", "casework",
                                        "benefits", "metrics"}
    assert all(s > 0 for s in model.stage_seconds.values())


def test_school_ages_come_from_the_scenario():
    age = np.array([5.5, 6.0, 11.99, 12.0, 17.9, 18.0, 22.9, 23.0])
    track = np.ones(8, dtype=bool)
    assert student_level(age, track, [6, 12, 18, 23]).tolist() == [0, 1, 1, 2, 2, 3, 3, 0]
    assert student_level(age, track, [5, 11, 17, 22]).tolist() == [1, 1, 2, 2, 3, 3, 0, 0]
    assert student_level(age, ~track, [6, 12, 18, 23]).tolist() == [0, 1, 1, 2, 2, 0, 0, 0]
    early = ReliefModel("baseline", households=1500, months=1, seed=2, story=False,
                        overrides={"population.school_ages": [5, 11, 17, 22]})
    f = early.truth
    five = (f.age >= 5) & (f.age < 6) & f.alive
    assert five.sum() > 0 and (f.student[five] == 1).all()


def test_misreporters_claim_the_set_share_of_the_temporary_cap_when_not_seen():
    spent = {}
    for claim in (0.0, 1.0):
        model = ReliefModel("baseline", households=3000, months=18, seed=8, story=False,
                            overrides={"behaviour.misreport_temporary_claim": claim,
                                       "casework.visit_accuracy": 0.3,
                                       "population.misreporter_share": 0.5})
        model.run()
        spent[claim] = model.ledger.series("spend_temporary").sum()
    assert spent[1.0] > spent[0.0] * 1.2


def test_error_rates_month_by_month_with_empty_months_at_zero():
    from reliefsim.metrics import error_rates

    series = {"missed": [1, 0, 3], "eligible": [2, 0, 6],
              "leak_households": [1, 0, 0], "enrolled_tiered": [4, 0, 5]}
    missed, leakage = error_rates(series)
    assert missed.tolist() == [0.5, 0.0, 0.5]
    assert leakage.tolist() == [0.25, 0.0, 0.0]
