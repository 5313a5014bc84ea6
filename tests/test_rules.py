"""Hand-computed cases for every rule of RULES.md §2-4 (dibao line 1000, destitute line 1500,
marginal line 2000, rigid cap 4000 unless a test says otherwise)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebuilder import facts, values
from reliefsim.facts import Facts
from reliefsim.rules import (
    DESTITUTE,
    DIBAO,
    MARGINAL,
    NONE,
    RIGID,
    assess,
    basic_living,
    disaster_grant,
    education_assistance,
    heating_assistance,
    housing_assistance,
    medical_assistance,
    no_labour_capacity,
)

ADULT = {"age": 40}
OLD = {"age": 70}


def tier_of(h, **changes):
    v = values(**changes)
    return int(assess(facts(h), v).tier[0])


def basic_of(h, **changes):
    v = values(**changes)
    f = facts(h)
    a = assess(f, v)
    return float(basic_living(f, v, a.tier, a)[0])


# ---------------------------------------------------------------- labour capacity (§1)
@pytest.mark.parametrize(("member", "incapable"), [
    ({"age": 15.99}, True), ({"age": 16}, False), ({"age": 59.99}, False), ({"age": 60}, True),
    ({"age": 40, "disability": "severe"}, True), ({"age": 40, "disability": "mild"}, False),
    ({"age": 40, "serious_illness": True}, True),
])
def test_no_labour_capacity(member, incapable):
    f = facts({"members": [member]})
    assert bool(no_labour_capacity(f, values())[0]) is incapable


# ---------------------------------------------------------------- income (§2)
def test_income_pc_divides_by_size_and_applies_disregard():
    h = {"wages": 1100, "pensions": 300, "members": [ADULT, ADULT]}
    v = values(policy__earned_income_disregard=0.25)
    a = assess(facts(h), v)
    assert a.income_pc[0] == pytest.approx((1400 - 0.25 * 1100) / 2)


# ---------------------------------------------------------------- dibao and its boundary (§3)
@pytest.mark.parametrize(("wages", "tier"), [
    (999.99, DIBAO), (1000, MARGINAL), (1999.99, MARGINAL), (2000, NONE)])
def test_dibao_and_marginal_lines_are_strict(wages, tier):
    assert tier_of({"wages": wages, "members": [ADULT]}) == tier


def test_marginal_multiplier_moves_the_line():
    h = {"wages": 1600, "members": [ADULT]}
    assert tier_of(h) == MARGINAL
    assert tier_of(h, policy__marginal_multiplier=1.5) == NONE


# ---------------------------------------------------------------- destitute (§3)
def test_destitute_needs_every_member_incapable_no_supporter_and_income_under_line():
    alone = {"pensions": 1499.99, "members": [OLD]}
    assert tier_of(alone) == DESTITUTE
    assert tier_of({**alone, "pensions": 1500}) == MARGINAL
    assert tier_of({**alone, "has_capable_supporter": True}) == MARGINAL
    assert tier_of({"pensions": 600, "has_capable_supporter": True, "members": [OLD]}) == DIBAO
    with_child = {"pensions": 1000, "members": [OLD, {"age": 15}]}
    assert tier_of(with_child) == DESTITUTE
    with_adult = {"pensions": 1000, "members": [OLD, {"age": 16}]}
    assert tier_of(with_adult) == DIBAO


# ---------------------------------------------------------------- assets (§2)
@pytest.mark.parametrize(("assets", "tier"), [(48_000, DIBAO), (48_000.01, NONE)])
def test_financial_assets_limit_per_capita_inclusive(assets, tier):
    h = {"wages": 1000, "financial_assets": assets, "members": [ADULT, ADULT]}
    assert tier_of(h) == tier


@pytest.mark.parametrize(("homes", "floor", "tier"), [
    (0, 50, DIBAO), (1, 80, DIBAO), (2, 34.1, DIBAO), (2, 34.2, NONE), (3, 10, NONE)])
def test_homes_second_home_only_when_floor_space_under_average(homes, floor, tier):
    h = {"wages": 500, "homes_owned": homes, "floor_space_pc": floor, "members": [ADULT]}
    assert tier_of(h) == tier


@pytest.mark.parametrize(("member", "tier"), [
    (ADULT, NONE), ({"age": 40, "serious_illness": True}, DIBAO),
    ({"age": 40, "disability": "severe"}, DIBAO), ({"age": 40, "disability": "mild"}, NONE)])
def test_car_allowed_only_with_serious_illness_or_severe_disability(member, tier):
    h = {"wages": 500, "car": True, "members": [member, ADULT]}
    assert tier_of(h) == tier


# ---------------------------------------------------------------- rigid expenditure (§3)
@pytest.mark.parametrize(("rigid", "income_window", "wages", "tier"), [
    (25_200, 36_000, 3000, RIGID),      # R = 0.7 I exactly: passes (≥)
    (25_199.99, 36_000, 3000, NONE),
    (10, 0, 3000, RIGID),               # I = 0 and R > 0 passes
    (0, 0, 3000, NONE),                 # no rigid spending at all: not a hardship
    (50_000, 48_000, 4000, NONE),       # income per capita at the cap: fails (<)
    (50_000, 47_999.88, 3999.99, RIGID),
])
def test_rigid_ratio_and_income_cap(rigid, income_window, wages, tier):
    h = {"wages": wages, "income_window": income_window, "rigid_window": rigid,
         "members": [ADULT]}
    assert tier_of(h) == tier


def test_rigid_needs_the_asset_test():
    h = {"wages": 3000, "income_window": 36_000, "rigid_window": 30_000,
         "financial_assets": 30_000, "members": [ADULT]}
    assert tier_of(h) == NONE


def test_first_tier_that_applies_wins():
    h = {"wages": 500, "income_window": 6000, "rigid_window": 6000, "members": [ADULT]}
    assert tier_of(h) == DIBAO


# ---------------------------------------------------------------- basic living (§4)
def test_destitute_payment_with_care_allowance():
    h = {"pensions": 1200, "members": [{"age": 80, "unable_self_care": True}]}
    assert basic_of(h) == pytest.approx((1500 - 1200) + 800)


def test_dibao_gap_and_largest_addon_per_member():
    h = {"pensions": 900, "has_capable_supporter": True, "members": [
        {"age": 65},                                                    # elderly 0.1
        {"age": 10},                                                    # child 0.15
        {"age": 40, "serious_illness": True, "disability": "severe"},  # max(0.3, 0.2)
    ]}
    assert tier_of(h) == DIBAO
    assert basic_of(h) == pytest.approx((1000 - 300) * 3 + (0.1 + 0.15 + 0.3) * 1000)


def test_dibao_minimum_payment():
    h = {"wages": 1980, "members": [ADULT, ADULT]}   # 990 per capita: gap 20 < 2 × 100
    assert basic_of(h) == pytest.approx(200)


def test_marginal_basic_share():
    h = {"wages": 3000, "members": [ADULT, ADULT]}
    assert basic_of(h) == 0
    assert basic_of(h, policy__marginal_basic_share=0.5) == pytest.approx(0.5 * 1000 * 2)


# ---------------------------------------------------------------- special assistance (§4)
def test_medical_rate_by_tier_and_yearly_cap():
    v = values()
    f = facts({"medical_oop": 1000, "members": [ADULT]}, {"medical_oop": 1000,
                                                          "members": [ADULT]})
    tier = np.array([DIBAO, NONE])
    paid = medical_assistance(f, v, tier, np.zeros(2), np.array([1, 1]))
    assert paid.tolist() == pytest.approx([700, 0])
    capped = medical_assistance(f, v, tier, np.array([59_500, 0]), np.array([1, 1]))
    assert capped[0] == pytest.approx(500)


def test_education_housing_heating_and_disaster():
    v = values()
    f = facts({"wages": 800, "rent": 2000, "members": [
        ADULT, {"age": 8, "student": "primary"}, {"age": 14, "student": "secondary"}]})
    dibao = np.array([DIBAO])
    assert education_assistance(f, v, dibao)[0] == pytest.approx(100 + 200)
    assert education_assistance(f, v, np.array([NONE]))[0] == 0
    assert housing_assistance(f, v, dibao)[0] == pytest.approx(0.5 * (2000 - 0.25 * 800))
    assert heating_assistance(v, dibao, 12)[0] == 300
    assert heating_assistance(v, dibao, 6)[0] == 0
    assert disaster_grant(v, np.array([0, 1, 2, 3])).tolist() == [0, 1000, 5000, 20000]


def test_switching_a_programme_off():
    v = values(special__housing=False)
    f = facts({"wages": 800, "rent": 2000, "members": [ADULT]})
    assert housing_assistance(f, v, np.array([DIBAO]))[0] == 0


# ---------------------------------------------------------------- properties
def random_facts(seed: int, n: int = 300) -> Facts:
    rng = np.random.default_rng(seed)
    hs = []
    for _ in range(n):
        size = int(rng.integers(1, 5))
        members = [{"age": float(rng.integers(0, 95)),
                    "disability": ["none", "mild", "severe"][int(rng.integers(0, 3))],
                    "serious_illness": bool(rng.random() < 0.2),
                    "unable_self_care": bool(rng.random() < 0.1)} for _ in range(size)]
        hs.append({"wages": float(rng.choice([0, rng.uniform(0, 3000 * size)])),
                   "pensions": float(rng.choice([0, rng.uniform(0, 2000)])),
                   "financial_assets": float(rng.uniform(0, 60_000 * size)),
                   "homes_owned": int(rng.integers(0, 3)), "floor_space_pc": rng.uniform(10, 50),
                   "car": bool(rng.random() < 0.2),
                   "has_capable_supporter": bool(rng.random() < 0.5),
                   "rigid_window": float(rng.uniform(0, 40_000)), "members": members})
    return facts(*hs)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), low=st.floats(300, 3000), rise=st.floats(0.01, 1000))
def test_raising_the_dibao_line_never_shrinks_the_eligible_set(seed, low, rise):
    f = random_facts(seed)
    before = assess(f, values(policy__dibao_line=low)).tier
    after = assess(f, values(policy__dibao_line=low + rise)).tier
    assert not np.any((before > NONE) & (after == NONE))
    assert not np.any((before >= DIBAO) & (after < DIBAO))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.floats(1.0, 3.0), t=st.floats(0.1, 1.5))
def test_looser_marginal_and_rigid_thresholds_never_shrink_the_eligible_set(seed, m, t):
    f = random_facts(seed)
    base = assess(f, values(policy__marginal_multiplier=m,
                            policy__rigid_ratio_threshold=t)).tier > NONE
    looser = assess(f, values(policy__marginal_multiplier=m + 0.5,
                              policy__rigid_ratio_threshold=t * 0.8)).tier > NONE
    assert not np.any(base & ~looser)
