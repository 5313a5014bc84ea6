"""Hand-computed cases for what a home visit decides (RULES.md §3-5): enrolment, tier changes,
gradual and immediate exit, temporary and disaster aid, registration and individual enrolment.

Dibao line 1000 (destitute line 1500, marginal line 2000, rigid cap 4000), exit period 6 months
at half the amount, temporary cap 3 months of the line per member, unless a test says otherwise.
"""

import numpy as np
import pytest

from casebuilder import facts, population, values
from reliefsim.caseload import Caseload
from reliefsim.decisions import Hardship, visit
from reliefsim.demography import clear
from reliefsim.rules import DESTITUTE, DIBAO, MARGINAL, NONE, RIGID
from reliefsim.shocks import Events

PINNED = {
    "policy.registration_required": True, "policy.individual_enrolment": False,
    "policy.individual_enrolment_multiplier": 2.0, "policy.exit_period_months": 6,
    "policy.exit_benefit_share": 0.5, "policy.temporary_cap_months": 3.0,
    "casework.visit_accuracy": 0.9, "casework.temporary_lookback_months": 3,
    "casework.review_months.destitute": 24, "casework.review_months.dibao": 12,
    "casework.review_months.marginal": 9, "casework.review_months.rigid_hardship": 6,
    "behaviour.misreport_temporary_claim": 0.5, "special.disaster": True,
    "special.disaster_grant.minor": 1000.0, "special.disaster_grant.damaged": 5000.0,
    "special.disaster_grant.collapsed": 20000.0,
}
T = 10  # the month of the visit
ACCURATE, INACCURATE = 0.0, 0.95  # visit-accuracy draws: below 0.9 the visit sees the truth
ADULT = {"age": 40}
OLD = {"age": 70}
DIBAO_H = {"wages": 600, "members": [ADULT, ADULT]}            # 300 a head
MARGINAL_H = {"wages": 3000, "members": [ADULT, ADULT]}        # 1500 a head
NONE_H = {"wages": 5000, "members": [ADULT]}                   # 5000 a head
DESTITUTE_H = {"pensions": 1200, "members": [OLD]}             # 1200 < 1500, nobody can work
RIGID_H = {"wages": 3000, "income_window": 36_000, "rigid_window": 30_000,
           "members": [ADULT]}                                 # 30,000 ≥ 0.7 × 36,000


def pinned(**changes):
    return values(**{**PINNED, **changes})


class Visit:
    """One visit to every household of ``truth`` in month T, with its records before it."""

    def __init__(self, *households, admin=None, tier=None, misreporter=None):
        self.truth = facts(*households)
        self.pop = population(self.truth, misreporter)
        self.admin = facts(*(admin or households))
        n = self.pop.n
        self.case = Caseload(n)
        if tier is not None:
            self.case.tier[:] = tier
            self.case.since[:] = np.where(np.asarray(tier) > NONE, 3, -1)
        self.hardship = Hardship.empty(n)

    def __call__(self, v=None, u=ACCURATE, declared=False, em_linked=False, t=T):
        n = self.pop.n
        return visit(self.pop, self.admin, self.case, self.hardship, np.full(n, declared),
                     np.arange(n), v or pinned(), np.full(n, u), t, np.full(n, em_linked))


# ---------------------------------------------------------------- enrolment (§3, §5)
@pytest.mark.parametrize(("household", "tier", "review"), [
    (DESTITUTE_H, DESTITUTE, 24), (DIBAO_H, DIBAO, 12), (MARGINAL_H, MARGINAL, 9),
    (RIGID_H, RIGID, 6)])
def test_visit_enrols_a_newly_eligible_household_and_schedules_its_review(household, tier,
                                                                         review):
    s = Visit(household)
    out = s()
    assert s.case.tier[0] == tier
    assert bool(out.newly_enrolled[0]) and bool(out.helped[0])
    assert s.case.since[0] == T
    assert s.case.next_review[0] == T + review   # review_months of the tier after the visit
    assert not out.gradual[0] and not out.exits[0]


def test_inaccurate_visit_decides_on_the_records_it_holds():
    # the truth is dibao (300 a head), the records say 5000 a head: a visit that does not see
    # the truth enrols nobody and marks the household rejected in month T
    s = Visit(DIBAO_H, admin=[NONE_H])
    out = s(u=INACCURATE)
    assert not out.accurate[0]
    assert s.case.tier[0] == NONE and not out.newly_enrolled[0]
    assert s.case.rejected[0] == T
    assert s(u=ACCURATE).new_tier[0] == DIBAO   # 0.0 < 0.9: the visit sees the truth


def test_visit_moves_an_enrolled_household_up_a_tier_and_that_is_help():
    s = Visit(DIBAO_H, tier=[MARGINAL])
    out = s()
    assert (out.old_tier[0], out.new_tier[0]) == (MARGINAL, DIBAO)
    assert bool(out.helped[0]) and not out.newly_enrolled[0]
    assert s.case.since[0] == 3                  # enrolled since month 3, still
    assert s.case.exit_until[0] == -1


def test_household_kept_on_the_rolls_in_its_tier_was_not_helped():
    s = Visit(DIBAO_H, tier=[DIBAO])
    out = s()
    assert s.case.tier[0] == DIBAO
    assert not out.helped[0] and not out.newly_enrolled[0]


# ---------------------------------------------------------------- gradual exit (§5)
def test_tier_falling_because_income_rose_starts_a_gradual_exit_at_the_share():
    s = Visit(MARGINAL_H, tier=[DIBAO])
    s.case.last_basic[0] = 900.0
    out = s()
    assert bool(out.gradual[0]) and not out.exits[0] and not out.helped[0]
    assert s.case.tier[0] == MARGINAL
    assert s.case.exit_from[0] == DIBAO
    assert s.case.exit_amount[0] == pytest.approx(450.0)   # 0.5 × last basic living 900
    assert s.case.exit_until[0] == T + 6                    # exit_period_months 6
    assert bool(s.case.in_exit(T + 5)[0]) and not s.case.in_exit(T + 6)[0]


def test_tier_falling_to_none_keeps_the_household_helped_through_its_exit():
    s = Visit(NONE_H, tier=[DIBAO])
    s.case.last_basic[0] = 1200.0
    out = s()
    assert bool(out.gradual[0]) and not out.exits[0]
    assert s.case.tier[0] == NONE
    assert s.case.exit_amount[0] == pytest.approx(600.0)   # 0.5 × 1200
    assert bool(s.case.enrolled(T + 5)[0]) and not s.case.enrolled(T + 6)[0]
    assert s.case.rejected[0] < 0                           # it was given the exit


def test_exit_period_zero_means_the_household_leaves_at_once():
    s = Visit(NONE_H, tier=[DIBAO])
    s.case.last_basic[0] = 1200.0
    out = s(v=pinned(**{"policy.exit_period_months": 0}))
    assert not out.gradual[0] and bool(out.exits[0])
    assert s.case.exit_until[0] == -1
    assert not s.case.enrolled(T)[0]


def test_household_in_exit_found_back_in_its_old_tier_ends_its_exit():
    s = Visit(DIBAO_H, tier=[NONE])
    s.case.exit_until[0], s.case.exit_from[0], s.case.exit_amount[0] = T + 3, DIBAO, 450.0
    out = s()
    assert s.case.tier[0] == DIBAO
    assert s.case.exit_until[0] == -1
    assert not out.newly_enrolled[0]   # it never left the rolls


def test_household_in_exit_falling_further_gets_no_second_exit():
    s = Visit(NONE_H, tier=[MARGINAL])
    s.case.exit_until[0], s.case.exit_from[0], s.case.exit_amount[0] = T + 3, DIBAO, 450.0
    out = s()
    assert not out.gradual[0] and bool(out.exits[0])
    assert s.case.exit_until[0] == T + 3      # the running exit keeps its end
    assert s.case.exit_amount[0] == 450.0


# ---------------------------------------------------------------- immediate exit (§5)
def test_household_found_over_the_asset_limit_leaves_at_once():
    # 300 a head of income (dibao) but 30,000 of savings > 24 × 1000 a head
    s = Visit({**DIBAO_H, "financial_assets": 60_000.0, "members": [ADULT]}, tier=[DIBAO])
    s.case.last_basic[0] = 700.0
    out = s()
    assert s.case.tier[0] == NONE
    assert bool(out.exits[0]) and not out.gradual[0]
    assert not s.case.enrolled(T)[0]


def test_applicant_caught_misreporting_leaves_at_once():
    # declared 700 of wages (dibao), truly 2500 (none): an accurate visit catches it
    s = Visit({"wages": 2500, "members": [ADULT]}, admin=[{"wages": 700, "members": [ADULT]}],
              tier=[DIBAO], misreporter=[True])
    s.case.last_basic[0] = 300.0
    out = s(declared=True)
    assert bool(out.exits[0]) and not out.gradual[0]
    assert not s.case.enrolled(T)[0]


def test_misreporter_not_seen_keeps_its_declared_tier():
    s = Visit({"wages": 2500, "members": [ADULT]}, admin=[{"wages": 700, "members": [ADULT]}],
              tier=[DIBAO], misreporter=[True])
    out = s(declared=True, u=INACCURATE)
    assert s.case.tier[0] == DIBAO and not out.exits[0]


def test_honest_household_whose_income_rose_gets_its_gradual_exit():
    s = Visit({"wages": 2500, "members": [ADULT]}, admin=[{"wages": 700, "members": [ADULT]}],
              tier=[DIBAO], misreporter=[False])
    s.case.last_basic[0] = 300.0
    out = s(declared=True)
    assert bool(out.gradual[0]) and s.case.exit_amount[0] == pytest.approx(150.0)  # 0.5 × 300


def test_misreporter_caught_at_a_review_visit_leaves_at_once():
    # declared 700 at the review (dibao), truly 2500 (none): found ineligible for misreporting
    s = Visit({"wages": 2500, "members": [ADULT]}, admin=[{"wages": 700, "members": [ADULT]}],
              tier=[DIBAO], misreporter=[True])
    s.case.last_basic[0] = 300.0
    out = s(declared=True)      # the review's declaration is what the visit checks
    assert not out.gradual[0]   # leaves at once, no gradual exit
    assert not s.case.enrolled(T)[0]


def test_household_whose_members_all_died_leaves_at_once():
    s = Visit({"pensions": 600, "members": [{**OLD, "alive": False}]}, tier=[DESTITUTE])
    s.case.last_basic[0] = 900.0
    out = s()
    assert out.assessment.size[0] == 0
    assert bool(out.exits[0]) and not out.gradual[0]


def test_household_that_moved_out_leaves_at_once_and_its_records_are_forgotten():
    s = Visit(DIBAO_H, DIBAO_H, tier=[DIBAO, DIBAO])
    s.case.last_basic[:] = 1400.0
    clear(s.pop, np.array([0]))          # household 0's slot left vacant (moved out)
    s.admin.alive[:2] = False            # the admin is told (public security)
    out = s()
    assert bool(out.exits[0]) and not out.gradual[0]
    assert s.case.tier.tolist() == [NONE, DIBAO]
    s.case.exit_until[1] = T + 2
    s.case.reset(np.array([1]))          # a slot taken by a new household: no records
    assert (s.case.tier[1], s.case.exit_until[1], s.case.last_basic[1]) == (NONE, -1, 0.0)


# ---------------------------------------------------------------- registration (§3)
@pytest.mark.parametrize(("required", "tier"), [(True, NONE), (False, DIBAO)])
def test_unregistered_household_gets_no_tier_when_registration_is_required(required, tier):
    s = Visit({**DIBAO_H, "registered": False})
    out = s(v=pinned(**{"policy.registration_required": required}))
    assert s.case.tier[0] == tier
    assert bool(out.newly_enrolled[0]) is (tier > NONE)


# ---------------------------------------------------------------- individual enrolment (§3)
SICK_AT_HOME = {"wages": 2400, "members": [
    {"age": 40, "works": True, "wage": 2400}, {"age": 40, "disability": "severe"}]}
# 1200 a head: over the marginal line 1.1 × 1000, under 2 × 1000; the severely disabled member
# has no labour capacity and no income of its own


@pytest.mark.parametrize(("on", "individual"), [(True, 1), (False, 0)])
def test_individual_enrolment_enrols_the_sick_member_alone(on, individual):
    s = Visit(SICK_AT_HOME)
    v = pinned(**{"policy.individual_enrolment": on, "policy.marginal_multiplier": 1.1})
    out = s(v=v)
    assert s.case.tier[0] == NONE
    assert s.case.individual[0] == individual
    assert bool(out.newly_enrolled[0]) is bool(individual)
    if individual:
        assert s.case.next_review[0] == T + 12   # reviewed on dibao's cycle


def test_individual_enrolment_needs_household_income_under_its_multiple():
    # 2 × 1000 = 2000 a head is the limit: wages 4000 for 2 is 2000 a head, not under it
    s = Visit({**SICK_AT_HOME, "wages": 4000})
    s(v=pinned(**{"policy.individual_enrolment": True, "policy.marginal_multiplier": 1.1}))
    assert s.case.individual[0] == 0


# ---------------------------------------------------------------- temporary assistance (§4)
def test_sudden_hardships_recorded_from_the_months_shocks():
    truth = facts({"members": [{"age": 40}, {"age": 10}]},                 # 0 no income left
                  {"other_income": 500.0, "members": [{"age": 40}]},       # 1 still 500
                  {"wages": 3000, "members": [{"age": 40}]},               # 2 hospital
                  {"wages": 3000, "members": [{"age": 40}]})               # 3 disaster
    m, n = len(truth.age), truth.n_households
    job_loss = np.zeros(m, dtype=bool)
    job_loss[[0, 2]] = True                                  # members of households 0 and 1
    none = np.zeros(m, dtype=bool)
    ev = Events(job_loss=job_loss, reemployed=none, illness_onset=none, recovered=none,
                disability_onset=none, disability_recovered=none, self_care_loss=none,
                hospital_cost=np.array([0.0, 0.0, 30_000.0, 0.0]),
                disaster=np.array([0, 0, 0, 2], dtype=np.int8),
                disaster_cost=np.array([0.0, 0.0, 0.0, 20_000.0]), household=truth.hh)
    h = Hardship.empty(n)
    h.record(T, pinned(), truth, ev, truth.size())
    # a job lost with no income left: a month of the line per member, 1000 × 2; hospital and
    # disaster costs as they are
    assert h.need.tolist() == [2000.0, 0.0, 30_000.0, 20_000.0]
    assert h.month.tolist() == [T, -10_000, T, T]
    assert (h.disaster_level[3], h.disaster_month[3]) == (2, T)
    assert h.recent(T + 3, 3).tolist() == [True, False, True, True]
    h.add(T + 4, np.zeros(n), 3, np.zeros(n, dtype=np.int8))   # 4 months on: expired
    assert h.need.tolist() == [0.0] * 4


@pytest.mark.parametrize(("household", "need", "savings", "paid"), [
    (NONE_H, 8000.0, 1000.0, 3000.0),    # min(8000 − 1000, 3 × 1000 × 1) = 3000
    (DIBAO_H, 2500.0, 0.0, 2500.0),      # min(2500, 3 × 1000 × 2 = 6000) = 2500
    (DIBAO_H, 2500.0, 600.0, 1900.0),    # min(2500 − 600, 6000) = 1900
    (NONE_H, 800.0, 1000.0, 0.0),        # savings cover the need: nothing
])
def test_temporary_assistance_pays_the_uncovered_need_up_to_the_cap_whatever_the_tier(
        household, need, savings, paid):
    s = Visit({**household, "financial_assets": savings})
    s.hardship.need[0], s.hardship.month[0] = need, T - 1
    out = s()
    assert out.temporary[0] == pytest.approx(paid)
    assert bool(out.helped[0]) is (paid > 0 or bool(out.newly_enrolled[0]))
    if paid:
        assert s.case.temporary_paid[0] == T
        assert s.hardship.need[0] == pytest.approx(need - paid)


def test_temporary_assistance_is_paid_once_per_shock():
    s = Visit(NONE_H)
    s.hardship.need[0], s.hardship.month[0] = 8000.0, T - 1
    assert s().temporary[0] == pytest.approx(3000.0)
    assert s(t=T + 1).temporary[0] == 0.0        # the same shock (month T − 1), paid in T
    s.hardship.add(T + 2, np.array([1000.0]), 3, np.zeros(1, dtype=np.int8))  # a new shock
    assert s.hardship.need[0] == pytest.approx(6000.0)   # 8000 − 3000 left, plus 1000
    assert s(t=T + 2).temporary[0] == pytest.approx(3000.0)   # min(6000, cap 3000)


@pytest.mark.parametrize(("months_ago", "paid"), [(3, 2000.0), (4, 0.0)])
def test_temporary_assistance_looks_back_lookback_months(months_ago, paid):
    s = Visit(NONE_H)
    s.hardship.need[0], s.hardship.month[0] = 2000.0, T - months_ago
    assert s().temporary[0] == paid               # temporary_lookback_months 3


def test_unverified_temporary_claims_honest_true_need_misreporter_a_share_of_the_cap():
    s = Visit(NONE_H, NONE_H, NONE_H, misreporter=[False, True, False])
    s.hardship.need[0], s.hardship.month[0] = 2000.0, T - 1
    out = s(u=INACCURATE)
    # honest: its true 2000; misreporter with no hardship: 0.5 × 3 × 1000 × 1 = 1500; the
    # third has no hardship and claims none
    assert out.temporary.tolist() == pytest.approx([2000.0, 1500.0, 0.0])
    assert s(u=INACCURATE, t=T + 3).temporary[1] == 0.0     # 3 months since: not again yet
    assert s(u=INACCURATE, t=T + 4).temporary[1] == 1500.0  # 4 > lookback 3


# ---------------------------------------------------------------- disaster aid (§4)
@pytest.mark.parametrize(("level", "grant"), [(1, 1000.0), (2, 5000.0), (3, 20000.0)])
@pytest.mark.parametrize("household", [NONE_H, DIBAO_H])
def test_disaster_grant_by_damage_level_whatever_the_tier(household, level, grant):
    s = Visit(household)
    s.hardship.disaster_level[0], s.hardship.disaster_month[0] = level, T - 1
    out = s()
    assert out.disaster[0] == grant
    assert bool(out.helped[0])
    assert s(t=T + 1).disaster[0] == 0.0          # once per disaster


def test_disaster_grant_unseen_damage_from_linked_records_or_the_true_level():
    s = Visit(NONE_H, NONE_H)
    s.admin.damage[:] = 3                          # emergency management's record: collapsed
    s.hardship.disaster_level[:], s.hardship.disaster_month[:] = 1, T - 1
    linked = s(u=INACCURATE, em_linked=True).disaster[0]
    s.case.disaster_paid[:] = -10_000
    unlinked = s(u=INACCURATE, em_linked=False).disaster[0]
    assert (linked, unlinked) == (20000.0, 1000.0)  # max(1, 3) → collapsed; else minor


def test_disaster_grant_needs_a_recent_true_disaster():
    s = Visit(NONE_H, NONE_H, NONE_H)
    s.admin.damage[0] = 2                  # a record of damage, but no true disaster
    s.hardship.disaster_level[1:], s.hardship.disaster_month[1:] = 2, [T - 3, T - 4]
    out = s(u=INACCURATE, em_linked=True)
    # none for the record alone; 5000 for damage 3 months ago; none 4 months ago (lookback 3)
    assert out.disaster.tolist() == [0.0, 5000.0, 0.0]
