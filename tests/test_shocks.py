"""Hand-computed cases for the month's shocks (shocks.py, RULES.md §1, §8): retirement and
pensions, health on one competing-risks draw, work and unemployment benefit, wages, rigid
expenditure flows and disasters.

The draws are the model's own (seed 3, month 0): each test takes them from the same
:class:`~reliefsim.rng.Streams` calls, pins them, and works out by hand who is hit.
"""

import math

import numpy as np
import pytest

from casebuilder import facts, population, values
from reliefsim.facts import MILD, SEVERE
from reliefsim.rng import Streams
from reliefsim.shocks import apply_shocks

SEED, T = 3, 0
QUIET = {  # no shock at all unless a test sets its hazard
    "shocks.serious_illness_under60": 0.0, "shocks.serious_illness_60plus": 0.0,
    "shocks.serious_illness_recovery": 0.0, "shocks.chronic_onset_60plus": 0.0,
    "shocks.disability_onset_under60": 0.0, "shocks.disability_onset_60plus": 0.0,
    "shocks.disability_recovery": 0.0, "shocks.self_care_loss_75plus": 0.0,
    "shocks.job_loss": 0.0, "shocks.reemployment": 0.0, "shocks.labour_entry": 0.0,
    "shocks.labour_exit": 0.0, "shocks.disaster_district": 0.0,
    "shocks.hospital_cost_median": 30_000.0, "shocks.hospital_cost_sigma": 0.0,
    "shocks.serious_oop_median": 1500.0, "shocks.chronic_oop_median": 250.0,
    "shocks.oop_sigma": 0.0, "shocks.care_cost": 3000.0, "shocks.rehab_cost": 800.0,
    "shocks.education_cost.primary": 300.0, "shocks.education_cost.secondary": 600.0,
    "shocks.education_cost.tertiary": 1500.0, "shocks.unemployment_benefit": 2100.0,
    "shocks.unemployment_benefit_months": 12, "shocks.wage_persistence": 0.5,
    "shocks.wage_sd_monthly": 0.0, "population.retirement_age": 60,
    "population.work_start_age": 16, "population.school_ages": [6.0, 12.0, 18.0, 23.0],
    "population.basic_pension": 1500.0, "population.pension_replacement": 0.6,
    "population.minimum_wage": 2000.0, "population.wage_age_peak": 45.0,
    "population.wage_age_curvature": 0.15, "population.permanent_disability_share": 0.5,
    "special.employment_uplift": 0.5,
    "economy.wage_index": 1.0, "economy.pension_index": 1.0,
}


def pinned(**changes):
    return values(**{**QUIET, **changes})


def shock(members, v, v_before=None, boost=(), district=None, households=None):
    """Apply the month's shocks to one-member households (or the given ``households``)."""
    f = facts(*(households or [{"members": [m]} for m in members]))
    pop = population(f, district=district)
    employment = np.zeros(len(f.age), dtype=bool)
    employment[list(boost)] = True
    events = apply_shocks(pop, v, v_before or v, Streams(SEED), T, lambda: employment)
    return f, events


def hit(mask):
    return np.flatnonzero(mask).tolist()


# ---------------------------------------------------------------- health: competing risks
HEALTH = {
    "shocks.serious_illness_under60": 0.2, "shocks.serious_illness_60plus": 0.3,
    "shocks.serious_illness_recovery": 0.1, "shocks.chronic_onset_60plus": 0.1,
    "shocks.disability_onset_under60": 0.1, "shocks.disability_onset_60plus": 0.2,
    "shocks.disability_recovery": 0.15, "shocks.self_care_loss_75plus": 0.1,
}
# One draw per member, cut into intervals: illness [0, 0.3) (onset under the member's hazard,
# 0.2 under 60 and 0.3 from 60; recovery under 0.1), chronic illness [0.3, 0.4) (from 60),
# severe disability [0.4, 0.6) (onset when draw − 0.4 is under 0.1 under 60 or 0.2 from 60,
# permanent when (draw − 0.4) ÷ hazard < 0.5; recovery to mild when draw − 0.4 < 0.15 unless
# permanent), loss of self-care [0.6, 0.7) (from 75).
HEALTH_DRAWS = [0.0893, 0.9807, 0.1741, 0.2972, 0.4483, 0.4122, 0.9602, 0.2247, 0.6177,
                0.3013, 0.3072, 0.9628, 0.5069, 0.6624, 0.9185, 0.5430, 0.7517, 0.9076,
                0.2202, 0.0550]
HEALTH_MEMBERS = [
    {"age": 40, "serious_illness": True},     # 0 0.0893 < 0.1: recovers
    {"age": 40},                              # 1 nothing
    {"age": 40},                              # 2 0.1741 < 0.2: falls seriously ill
    {"age": 70},                              # 3 0.2972 < 0.3 (from 60): falls ill
    {"age": 40},                              # 4 0.0483 < 0.1: disabled, 0.483 < 0.5 permanent
    {"age": 70, "disability": "severe"},      # 5 0.0122 < 0.15: recovers to mild
    {"age": 80},                              # 6 nothing
    {"age": 40},                              # 7 0.2247 ≥ 0.2: not ill (it would be at 60)
    {"age": 80},                              # 8 0.6177 in [0.6, 0.7), 75+: loses self-care
    {"age": 70},                              # 9 0.3013 in [0.3, 0.4): chronic
    {"age": 40},                              # 10 0.3072: chronic only from 60
    {"age": 40, "serious_illness": True},     # 11 0.9628: stays ill
    {"age": 70},                              # 12 0.1069 < 0.2: disabled, 0.53 ≥ 0.5 not perm.
    {"age": 70},                              # 13 0.6624: self-care only from 75
    {"age": 70},                              # 14 nothing
    {"age": 70, "disability": "severe", "disability_permanent": True},  # 15 0.143: permanent
    {"age": 40},                              # 16 nothing
    {"age": 40, "disability": "severe"},      # 17 0.9076: stays severe
    {"age": 40, "serious_illness": True},     # 18 0.2202 ≥ 0.1: stays ill
    {"age": 40, "alive": False},              # 19 0.0550: nobody there
]


def test_health_draws_are_the_models_own():
    u = Streams(SEED).uniform("health", T, len(HEALTH_MEMBERS))
    assert u.tolist() == pytest.approx(HEALTH_DRAWS, abs=5e-5)


def test_serious_illness_onset_and_recovery_on_one_draw():
    f, ev = shock(HEALTH_MEMBERS, pinned(**HEALTH))
    assert hit(ev.illness_onset) == [2, 3]
    assert hit(ev.recovered) == [0]
    assert hit(f.serious_illness) == [2, 3, 11, 18]


def test_chronic_onset_from_sixty():
    f, _ = shock(HEALTH_MEMBERS, pinned(**HEALTH))
    assert hit(f.chronic) == [9]


def test_severe_disability_onset_permanent_share_and_recovery():
    f, ev = shock(HEALTH_MEMBERS, pinned(**HEALTH))
    assert hit(ev.disability_onset) == [4, 12]
    assert hit(ev.disability_recovered) == [5]
    assert hit(f.disability == SEVERE) == [4, 12, 15, 17]
    assert hit(f.disability == MILD) == [5]
    assert hit(f.disability_permanent) == [4, 15]


def test_loss_of_self_care_from_seventy_five():
    f, ev = shock(HEALTH_MEMBERS, pinned(**HEALTH))
    assert hit(ev.self_care_loss) == [8]
    assert hit(f.unable_self_care) == [8]


def test_no_health_event_when_every_hazard_is_zero():
    f, ev = shock(HEALTH_MEMBERS, pinned())
    assert hit(ev.illness_onset | ev.recovered | ev.disability_onset | ev.disability_recovered
               | ev.self_care_loss) == []
    assert hit(f.serious_illness) == [0, 11, 18]


def test_hospital_cost_of_a_new_illness_and_the_months_rigid_flows():
    f, ev = shock(HEALTH_MEMBERS, pinned(**HEALTH))
    # hospital cost median 30,000 × exp(0 × z) for the two new illnesses (2, 3)
    assert hit(ev.hospital_cost) == [2, 3]
    assert ev.hospital_cost[[2, 3]].tolist() == [30_000.0, 30_000.0]
    # out of pocket: 1500 a month per seriously ill member (+ the hospital), 250 chronic
    oop = np.zeros(20)
    oop[[2, 3]] = 1500.0 + 30_000.0
    oop[[11, 18]] = 1500.0
    oop[9] = 250.0
    assert f.medical_oop.tolist() == pytest.approx(oop.tolist())
    assert hit(f.care) == [8] and f.care[8] == 3000.0          # care cost per unable member
    assert hit(f.rehab) == [4, 12, 15, 17]                     # 800 per severely disabled
    assert set(f.rehab[[4, 12, 15, 17]]) == {800.0}


def test_education_cost_by_school_level_of_the_members_age():
    household = {"members": [{"age": 8}, {"age": 14}, {"age": 20, "tertiary_track": True},
                             {"age": 20}, {"age": 4}, {"age": 9, "alive": False}]}
    f, _ = shock(None, pinned(), households=[household])
    # primary 300 + secondary 600 + tertiary 1500; the one not on the track and the child of 4
    # are not at school; the dead add nothing
    assert f.student.tolist()[:5] == [1, 2, 3, 0, 0]
    assert f.education[0] == pytest.approx(2400.0)


# ---------------------------------------------------------------- work and benefit
JOB = {"shocks.job_loss": 0.3, "shocks.reemployment": 0.4, "shocks.labour_entry": 0.2,
       "shocks.labour_exit": 0.1}
# One draw per member: a worker loses the job under 0.3; a seeker finds one under 0.4 (0.6 in
# an employment programme, uplift 0.5); an idle capable member starts seeking under 0.2; a
# seeker gives up above 1 − 0.1 = 0.9.
JOB_DRAWS = [0.7033, 0.5020, 0.6964, 0.9723, 0.9051, 0.5115, 0.4112, 0.6955, 0.2250, 0.0851,
             0.5398, 0.9321]
SEEKER = {"age": 30, "seeking": True}
JOB_MEMBERS = [
    {"age": 30, "works": True, "wage": 5000.0},                  # 0 0.7033: keeps the job
    SEEKER,                                                      # 1 0.502 < 0.6 boosted: a job
    {"age": 17, "works": True, "wage": 2000.0},                  # 2 at school: loses the job
    {**SEEKER, "benefit_months": 1, "benefit": 2000.0},          # 3 0.9723 > 0.9: gives up
    SEEKER,                                                      # 4 0.9051 > 0.9: gives up
    {**SEEKER, "benefit_months": 3, "benefit": 1800.0},          # 5 0.5115 ≥ 0.4: still seeking
    {**SEEKER, "benefit_months": 4, "benefit": 1800.0},          # 6 0.4112 < 0.6 boosted: a job
    {"age": 17},                                                 # 7 at school: not seeking
    {"age": 30, "works": True, "wage": 5000.0},                  # 8 0.225 < 0.3: loses the job
    {"age": 30},                                                 # 9 0.0851 < 0.2: starts seeking
    {"age": 62, "works": True, "wage": 5000.0},                  # 10 past retirement: stops
    {"age": 30, "works": True, "wage": 5000.0, "serious_illness": True},  # 11 ill: stops
]


def test_job_draws_are_the_models_own():
    u = Streams(SEED).uniform("job", T, len(JOB_MEMBERS))
    assert u.tolist() == pytest.approx(JOB_DRAWS, abs=5e-5)


def test_job_loss_reemployment_labour_entry_and_exit():
    f, ev = shock(JOB_MEMBERS, pinned(**JOB), boost=[1, 6])
    assert hit(ev.job_loss) == [2, 8, 10, 11]
    assert hit(ev.reemployed) == [1, 6]
    assert hit(f.works) == [0, 1, 6]
    assert hit(f.seeking) == [5, 8, 9]


def test_reemployment_without_the_employment_programme():
    f, ev = shock(JOB_MEMBERS, pinned(**JOB))
    assert hit(ev.reemployed) == []     # 0.502 and 0.4112 are not under 0.4
    assert hit(f.seeking) == [1, 5, 6, 8, 9]


def test_unemployment_benefit_months_start_at_job_loss_and_run_down():
    f, _ = shock(JOB_MEMBERS, pinned(**JOB), boost=[1, 6])
    # job losers under the retirement age (2, 8, 11) get 12 months of 2100; the one past it
    # (10) none; claimants not at work lose a month (3: 1 → 0, 5: 3 → 2); 6 found work and
    # keeps its months unclaimed
    months = [0, 0, 12, 0, 0, 2, 4, 0, 12, 0, 0, 12]
    assert f.benefit_months.tolist() == months
    assert f.benefit[[2, 8, 11]].tolist() == [2100.0] * 3
    # the household's pensions include the benefit while it is claimed (not at work, months
    # left): 2100 for 2, 8, 11; 1800 for 5; 6 works: its wage instead
    assert f.pensions[[2, 3, 5, 6, 8, 11]].tolist() == pytest.approx([2100.0, 0.0, 1800.0, 0.0,
                                                                      2100.0, 2100.0])
    assert f.wages[[0, 2, 8]].tolist() == pytest.approx([f.wage[0], 0.0, 0.0])


# ---------------------------------------------------------------- retirement and pensions
def pay_at(base, age):
    """Pay level by hand: max(base × exp(−0.15 × ((age − 45) ÷ 10)²), minimum wage 2000)."""
    return max(base * math.exp(-0.15 * ((age - 45.0) / 10.0) ** 2), 2000.0)


def test_retirement_stops_work_and_starts_a_pension_pensions_follow_their_index():
    members = [
        {"age": 60.05, "works": True, "wage": 3500.0, "wage_base": 5000.0},   # 0 retires
        {"age": 60.02, "works": True, "wage": 2000.0, "wage_base": 1000.0},   # 1 retires, low
        {"age": 60.05, "pension": 1800.0},                                   # 2 has a pension
        {"age": 60.3, "pension": 2000.0},                                    # 3 retired before
        {"age": 59.95, "works": True, "wage": 3500.0, "wage_base": 5000.0},  # 4 not yet 60
    ]
    v = pinned(**{"economy.pension_index": 1.03})
    f, ev = shock(members, v, v_before=pinned(**{"economy.pension_index": 1.0}))
    # the first pension: max(basic 1500 × index 1.03, 0.6 × pay level at the member's age);
    # pensions already paid grow by the index, 1.03 ÷ 1.00
    expected = [max(1545.0, 0.6 * pay_at(5000.0, 60.05)),    # 0.6 × 3559.8 = 2135.9
                max(1545.0, 0.6 * pay_at(1000.0, 60.02)),    # 0.6 × 2000 = 1200 < 1545
                1800.0 * 1.03, 2000.0 * 1.03, 0.0]
    assert f.pension.tolist() == pytest.approx(expected, rel=1e-5)
    assert hit(f.works) == [4]
    assert hit(ev.job_loss) == []        # retiring is not losing a job
    assert f.benefit_months.tolist() == [0] * 5


# ---------------------------------------------------------------- wages
def test_wages_grow_with_the_index_and_revert_towards_the_members_level():
    members = [
        {"age": 45, "works": True, "wage": 8100.0, "wage_base": 10_000.0},  # 0 at the peak age
        {"age": 45, "works": True, "wage": 1600.0, "wage_base": 1000.0},    # 1 at minimum wage
        {"age": 65, "pension": 900.0, "wage": 5000.0, "wage_base": 5000.0},  # 2 past working age
    ]
    v = pinned(**{"economy.wage_index": 1.02})
    f, _ = shock(members, v, v_before=pinned(**{"economy.wage_index": 1.0}))
    # level = max(base × 1.02 × 1 (age 45 is the peak), 2000 × 1.02); with no shock (sd 0) the
    # wage × 1.02 moves to level × (wage × 1.02 ÷ level) ^ 0.5
    assert f.wage_base.tolist() == pytest.approx([10_200.0, 1020.0, 5100.0])
    assert f.wage[0] == pytest.approx(10_200.0 * (8262.0 / 10_200.0) ** 0.5, rel=1e-5)  # 9180
    assert f.wage[1] == pytest.approx(2040.0 * (1632.0 / 2040.0) ** 0.5, rel=1e-5)      # 1824.6
    assert f.wage[2] == pytest.approx(5100.0)      # keeps its last pay, grown by the index
    assert f.wages.tolist() == pytest.approx([f.wage[0], f.wage[1], 0.0])


def test_wage_shock_is_the_members_normal_draw():
    members = [{"age": 45, "works": True, "wage": 8100.0, "wage_base": 10_000.0}]
    f, _ = shock(members, pinned(**{"shocks.wage_sd_monthly": 0.1}))
    z = Streams(SEED).normal_at("wage", T, np.array([0]))[0]
    assert z == pytest.approx(-0.4612, abs=5e-5)
    # 10,000 × exp(0.5 × log(0.81) + 0.1 × z) = 9000 × exp(−0.04612) = 8594.3
    assert f.wage[0] == pytest.approx(10_000.0 * math.exp(0.5 * math.log(0.81) + 0.1 * z),
                                      rel=1e-5)


# ---------------------------------------------------------------- disasters
DISASTER = {"shocks.disaster_district": 0.3, "shocks.disaster_share_hit": 0.6,
            "shocks.disaster_damage_probs": [0.75, 0.15, 0.1],
            "shocks.disaster_cost.minor": 3000.0, "shocks.disaster_cost.damaged": 20_000.0,
            "shocks.disaster_cost.collapsed": 100_000.0}


def test_disaster_strikes_districts_then_households_then_damage_levels():
    s = Streams(SEED)
    assert s.uniform("disaster-district", T, 2).tolist() == pytest.approx([0.0777, 0.4476],
                                                                          abs=5e-5)
    u = s.uniform_at("disaster", T, np.arange(6))
    assert u.tolist() == pytest.approx([0.5826, 0.4950, 0.9609, 0.4365, 0.0038, 0.3729],
                                       abs=5e-5)
    f, ev = shock(None, pinned(**DISASTER), district=[0, 0, 0, 0, 1, 1],
                  households=[{"members": [{"age": 40}]}] * 6)
    # district 0 is struck (0.0777 < 0.3), district 1 is not (0.4476); in district 0 the
    # households with a draw under 0.6 are hit, at level by draw ÷ 0.6 against the cumulative
    # 0.75, 0.9: 0.971 → collapsed, 0.825 → damaged, 0.727 → minor; household 2 (0.9609) not
    assert ev.disaster.tolist() == [3, 2, 0, 1, 0, 0]
    assert f.damage.tolist() == [3, 2, 0, 1, 0, 0]
    assert ev.disaster_cost.tolist() == [100_000.0, 20_000.0, 0.0, 3000.0, 0.0, 0.0]
