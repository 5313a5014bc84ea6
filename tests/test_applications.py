"""Hand-computed cases for households finding policy (RULES.md §5, 人找政策): the monthly
probability of applying and what applicants declare (behaviour.py).

Dibao line 1000 (destitute line 1500, marginal line 2000, near-poor line 2 × 1000 × 1.3 =
2600 a head); apply_prob 0.2, low awareness × 0.3, benefit elasticity 2, lower tiers × 0.1,
near-poor × 0.02, misreporters × 0.5, disaster 0.5; misreport share 0.3.
"""

import numpy as np
import pytest

from casebuilder import facts, population, values
from reliefsim.behaviour import (
    application_probability,
    applications,
    declare,
    low_awareness,
    money_at_stake,
)
from reliefsim.codes import DEPARTMENTS
from reliefsim.rng import Streams
from reliefsim.rules import DESTITUTE, DIBAO, MARGINAL, NONE, RIGID, assess

PINNED = {
    "behaviour.apply_prob": 0.2, "behaviour.low_awareness_factor": 0.3,
    "behaviour.assisted_factor": 2.0, "behaviour.near_poor_multiple": 1.3,
    "behaviour.near_poor_factor": 0.02, "behaviour.benefit_elasticity": 2.0,
    "behaviour.lower_tier_apply_factor": 0.1, "behaviour.misreporter_apply_factor": 0.5,
    "behaviour.disaster_apply_prob": 0.5, "behaviour.misreport_share": 0.3,
    "policy.assisted_application": False, "policy.registration_required": True,
    "policy.individual_enrolment": True, "policy.individual_enrolment_multiplier": 3.0,
}
ADULT = {"age": 40}
OLD = {"age": 70, "smartphone": False}   # most of the old have no smartphone skills
ONLINE_OLD = {"age": 70}


def pinned(**changes):
    return values(**{**PINNED, **changes})


def one(wages=0.0, pensions=0.0, members=(ADULT,), **extra):
    return {"wages": wages, "pensions": pensions, "members": list(members), **extra}


def probability(*households, v=None, hardship=(), disaster=None, free=None, misreporter=None):
    v = v or pinned()
    f = facts(*households)
    n = f.n_households
    shock = np.zeros(n, dtype=bool)
    shock[list(hardship)] = True
    damage = np.zeros(n, dtype=np.int8) if disaster is None else np.array(disaster, np.int8)
    free = np.ones(n, dtype=bool) if free is None else np.array(free)
    return application_probability(population(f, misreporter), assess(f, v), shock, damage,
                                   free, v).tolist()


# ---------------------------------------------------------------- by tier and money at stake
CASES = [
    (one(600), DIBAO, 0.2 * 0.4**2),                        # (1000 − 600) ÷ 1000 = 0.4
    (one(950), DIBAO, 0.2 * 0.1**2),                        # max(50, 100 minimum) ÷ 1000
    (one(pensions=900, members=[OLD]), DESTITUTE,
     0.2 * 0.3 * 0.6**2),                                   # elderly only; (1500 − 900) ÷ 1000
    (one(members=[OLD]), DESTITUTE, 0.2 * 0.3 * 1.0),       # 1500 ÷ 1000 is capped at 1
    (one(1500), MARGINAL, 0.2 * 0.1),                       # lower_tier_apply_factor
    (one(3000, income_window=36_000.0, rigid_window=30_000.0), RIGID, 0.2 * 0.1),
    (one(2500), NONE, 0.2 * 0.02),                          # near-poor: 2500 < 2600
    (one(2600), NONE, 0.0),                                 # not near-poor: never applies
    (one(600, members=[{"age": 40, "smartphone": False}]), DIBAO,
     0.2 * 0.3 * 0.4**2),                                   # no smartphone skills
]


@pytest.mark.parametrize(("household", "tier", "expected"), CASES)
def test_application_probability_by_tier_and_money_at_stake(household, tier, expected):
    assert int(assess(facts(household), pinned()).tier[0]) == tier
    assert probability(household)[0] == pytest.approx(expected)


def test_money_at_stake_by_hand():
    v = pinned()
    income_pc = np.array([600.0, 950.0, 900.0, 0.0, 1500.0])
    tier = np.array([DIBAO, DIBAO, DESTITUTE, DESTITUTE, MARGINAL])
    # 400 ÷ 1000; the minimum 100 ÷ 1000; (1500 − 900) ÷ 1000; 1500 ÷ 1000 capped; other: 1
    assert money_at_stake(income_pc, tier, v).tolist() == pytest.approx([0.4, 0.1, 0.6, 1.0,
                                                                         1.0])


@pytest.mark.parametrize(("elasticity", "expected"), [(0.0, 0.2), (1.0, 0.02), (2.0, 0.002)])
def test_benefit_elasticity_is_the_power_of_the_money_at_stake(elasticity, expected):
    v = pinned(**{"behaviour.benefit_elasticity": elasticity})
    assert probability(one(950), v=v)[0] == pytest.approx(expected)   # 0.2 × 0.1 ^ elasticity


def test_individual_enrolment_household_applies_at_the_full_rate():
    sick = one(4800, members=[{"age": 40, "works": True, "wage": 4800.0},
                              {"age": 40, "disability": "severe"}])
    a = assess(facts(sick), pinned())   # 2400 a head: tier none, under 3 × 1000
    assert (a.tier[0], a.individual[0]) == (NONE, 1)
    assert probability(sick)[0] == pytest.approx(0.2)


def test_near_poor_misreporters_apply_at_their_own_factor():
    assert probability(one(2500), one(2500), misreporter=[False, True]) == pytest.approx(
        [0.2 * 0.02, 0.2 * 0.5])


def test_unregistered_household_under_the_line_applies_as_the_near_poor():
    # no tier without registration: it is near-poor (300 < 2600), not in need
    assert probability(one(300, registered=False))[0] == pytest.approx(0.2 * 0.02)


# ---------------------------------------------------------------- awareness
def test_low_awareness_is_no_smartphone_skills_among_the_living():
    f = facts(one(members=[OLD, OLD]),                                        # elderly, offline
              one(members=[OLD, {"age": 30, "smartphone": False}]),           # nobody online
              one(members=[OLD, ADULT]),                                      # the young one is
              one(members=[OLD, {**ADULT, "alive": False}]),                  # the young died
              one(members=[ONLINE_OLD, OLD]))                                 # an old one is
    assert low_awareness(f, np.arange(5)).tolist() == [True, True, False, True, False]


@pytest.mark.parametrize(("factor", "expected"), [
    (2.0, 0.2 * min(0.3 * 2.0, 1.0) * 0.6**2),   # 0.0432
    (5.0, 0.2 * min(0.3 * 5.0, 1.0) * 0.6**2),   # the awareness factor is at most 1: 0.072
])
def test_assisted_application_raises_low_awareness_up_to_one(factor, expected):
    v = pinned(**{"policy.assisted_application": True, "behaviour.assisted_factor": factor})
    assert probability(one(pensions=900, members=[OLD]), v=v)[0] == pytest.approx(expected)


# ---------------------------------------------------------------- hardship and disasters
def test_sudden_hardship_overrides_the_money_at_stake_and_the_lower_tier_factor():
    got = probability(one(950), one(1500), one(9000), one(pensions=900, members=[OLD]),
                      hardship=[0, 1, 2, 3])
    # apply_prob alone (× 0.3 for the elderly-only household)
    assert got == pytest.approx([0.2, 0.2, 0.2, 0.2 * 0.3])


@pytest.mark.parametrize(("disaster_prob", "expected"), [(0.5, [0.5, 0.5, 0.0]),
                                                         (0.01, [0.01, 0.032, 0.0])])
def test_household_hit_by_a_disaster_applies_at_least_at_the_disaster_rate(disaster_prob,
                                                                           expected):
    v = pinned(**{"behaviour.disaster_apply_prob": disaster_prob})
    # a rich household hit; a dibao household hit (0.2 × 0.4² = 0.032); a rich one not hit
    assert probability(one(9000), one(600), one(9000), v=v, disaster=[2, 1, 0]) == (
        pytest.approx(expected))


def test_households_not_free_to_apply_never_do():
    assert probability(one(600), one(600), free=[False, True]) == pytest.approx([0.0, 0.032])


def test_applications_draw_once_per_household_and_month():
    v = pinned(**{"behaviour.apply_prob": 1.0, "behaviour.benefit_elasticity": 0.0})
    f = facts(one(600), one(1500), one(9000))
    pop = population(f)
    free = np.ones(3, dtype=bool)
    shock = np.zeros(3, dtype=bool)
    got = applications(pop, assess(f, v), shock, free, v, Streams(5), 7)
    u = Streams(5).uniform_at("apply", 7, np.arange(3))
    assert u[1] >= 0.1       # the draw of household 1 in month 7 (seed 5): 0.149…
    # p = 1 × 1 (dibao, elasticity 0); 1 × 0.1 (marginal); 0 (no need, not near-poor)
    assert got.tolist() == [True, False, False]


# ---------------------------------------------------------------- declarations
HOUSE = {"wages": 3000, "pensions": 1000, "other_income": 500, "financial_assets": 10_000.0,
         "members": [{"age": 40, "works": True, "wage": 3000.0}, {"age": 65, "pension": 1000.0}]}
# monthly income 4500; income over the 12-month window 54,000
STALE = {"wages": 0.0, "pensions": 0.0, "other_income": 0.0, "members": [{"age": 40}, {"age": 65}]}


def declared(applying, misreporter, hr, finance):
    v = pinned()
    truth = facts(*[HOUSE] * len(applying))
    admin = facts(*[STALE] * len(applying))
    linked = {d: np.zeros(len(applying), dtype=bool) for d in DEPARTMENTS}
    linked["human_resources"][:] = hr
    linked["finance"][:] = finance
    out = declare(population(truth, misreporter), admin, np.array(applying), linked, v)
    return admin, out


def test_honest_households_declare_the_truth():
    admin, out = declared([True], [False], [False], [False])
    assert out.tolist() == [True]
    assert (admin.wages[0], admin.pensions[0], admin.other_income[0]) == (3000.0, 1000.0, 500.0)
    assert (admin.financial_assets[0], admin.income_window[0]) == (10_000.0, 54_000.0)


def test_misreporters_under_declare_what_no_linked_department_shows():
    admin, _ = declared([True] * 3, [True] * 3, hr=[False, True, False],
                        finance=[False, False, True])
    # wages × 0.7 where human resources are not linked, savings × 0.7 where finance is not,
    # other income × 0.7 always; pensions as they are
    assert admin.wages.tolist() == pytest.approx([2100.0, 3000.0, 2100.0])
    assert admin.wage[::2].tolist() == pytest.approx([2100.0, 3000.0, 2100.0])
    assert admin.pensions.tolist() == pytest.approx([1000.0] * 3)
    assert admin.other_income.tolist() == pytest.approx([350.0] * 3)
    assert admin.financial_assets.tolist() == pytest.approx([7000.0, 7000.0, 10_000.0])


def test_misreporters_declared_income_window_matches_the_declared_month():
    admin, _ = declared([True] * 2, [True] * 2, hr=[False, True], finance=[False, False])
    # the window's income scaled as the month's: 54,000 × 3450 ÷ 4500 = 41,400 and
    # 54,000 × 4350 ÷ 4500 = 52,200
    assert admin.income_window.tolist() == pytest.approx([41_400.0, 52_200.0])


def test_households_not_declaring_keep_their_records():
    admin, out = declared([False, True], [True, True], [False, False], [False, False])
    assert out.tolist() == [False, True]
    assert admin.wages.tolist() == pytest.approx([0.0, 2100.0])
    assert admin.financial_assets.tolist() == pytest.approx([0.0, 7000.0])
