"""Hand-computed cases for the seven warnings (RULES.md §5, 政策找人) and whether a warning led
to help (§6).

Dibao line 1000, monitoring line 2 × 1000 = 2000 a head, rigid cap 4000 a head; every
department linked with no lag unless a test says otherwise; cool-down 6 months, follow-up 3.
"""

import numpy as np
import pytest

from casebuilder import facts, population, values
from reliefsim.caseload import Caseload
from reliefsim.casework import NO_CASE, CaseBook
from reliefsim.codes import DEPARTMENTS
from reliefsim.decisions import Followup, Hardship, Spells, visit
from reliefsim.facts import SEVERE
from reliefsim.monitoring import Monitor
from reliefsim.rng import Streams
from reliefsim.rules import DIBAO, assess

SEED = 0
PINNED = {
    **{f"departments.{d}.coverage": 1.0 for d in DEPARTMENTS},
    **{f"departments.{d}.lag_months": 0 for d in DEPARTMENTS},
    "warnings.medical_surge": True, "warnings.medical_surge_amount": 10_000.0,
    "warnings.medical_surge_ratio": 1.0, "warnings.income_drop": True,
    "warnings.income_drop_share": 0.5, "warnings.disability_onset": True,
    "warnings.disaster_hit": True, "warnings.death_of_earner": True,
    "warnings.rigid_ratio": True, "warnings.screening": True, "warnings.screening_months": 6,
    "warnings.cooldown_months": 6, "warnings.followup_months": 3,
    "warnings.monitored_only": False, "warnings.monitoring_line_multiple": 2.0,
    "policy.registration_required": True, "policy.individual_enrolment": False,
    "policy.exit_period_months": 6, "policy.exit_benefit_share": 1.0,
    "casework.visit_accuracy": 0.9,
}
T = 12
ADULT = {"age": 40}
WORKER = {"age": 40, "works": True, "wage": 3000.0}


def pinned(**changes):
    return values(**{**PINNED, **changes})


def unlinked(*departments):
    return {f"departments.{d}.coverage": 0.0 for d in departments}


def warn(now, before=None, v=None, t=T, enrolled=(), busy=(), monitor=None):
    """The month's warnings for the admin view ``now`` after last month's ``before``.

    Returns the monitor and the warnings per rule as lists of warned household indices.
    """
    v = v or pinned()
    before = before or now
    n = now.n_households
    mon = monitor or Monitor(population(now), v, Streams(SEED))
    mon.prev_income = before.income()                       # what observe() keeps of last month
    mon.prev_severe = before.count(before.disability == SEVERE)
    mon.prev_alive, mon.prev_works = before.alive.copy(), before.works.copy()
    mask = np.zeros(n, dtype=bool)
    enrolled_mask, busy_mask = mask.copy(), mask.copy()
    enrolled_mask[list(enrolled)] = True
    busy_mask[list(busy)] = True
    out = mon.warnings(now, assess(now, v), v, t, enrolled_mask, busy_mask)
    return mon, {rule: np.flatnonzero(m).tolist() for rule, m in out.items()}


def warned(rule, now, **kw):
    return warn(now, **kw)[1][rule]


# ---------------------------------------------------------------- medical_surge
SURGE = [
    {"wages": 12_000, "medical_oop": 10_000.0, "members": [ADULT] * 4},  # 0 amount: 10,000 ≥
    {"wages": 12_000, "medical_oop": 9_999.99, "members": [ADULT] * 4},  # 1 < 10,000 and < 12,000
    {"wages": 3000, "medical_oop": 3000.0, "members": [ADULT]},          # 2 ratio: 3000 ≥ 1 × 3000
    {"wages": 3000, "medical_oop": 2999.99, "members": [ADULT]},         # 3 under both
    {"wages": 0, "medical_oop": 0.01, "members": [ADULT]},               # 4 no income: any cost
    {"wages": 0, "medical_oop": 0.0, "members": [ADULT]},                # 5 no cost at all
    {"wages": 5000, "medical_oop": 20_000.0, "members": [ADULT]},        # 6 5000 a head ≥ 4000
]


def test_medical_surge_fires_at_the_amount_or_the_ratio_of_income():
    # household 6 is beyond the rigid cap (5000 ≥ 4000 a head): watched only when enrolled
    assert warned("medical_surge", facts(*SURGE)) == [0, 2, 4]
    assert warned("medical_surge", facts(*SURGE), enrolled=[6]) == [0, 2, 4, 6]


def test_medical_surge_only_for_households_linked_to_medical_insurance():
    v = pinned(**unlinked("medical_insurance"))
    assert warned("medical_surge", facts(*SURGE), v=v) == []


@pytest.mark.parametrize(("monitored_only", "expected"), [(False, [0, 1]), (True, [1])])
def test_medical_surge_watches_the_monitored_population_when_monitored_only(monitored_only,
                                                                            expected):
    households = facts({"wages": 3000, "medical_oop": 3000.0, "members": [ADULT]},  # 3000 a head
                       {"wages": 1999.99, "medical_oop": 2000.0, "members": [ADULT]})
    v = pinned(**{"warnings.monitored_only": monitored_only})
    # monitored: under 2 × 1000 = 2000 a head; otherwise watched under the rigid cap 4000
    assert warned("medical_surge", households, v=v) == expected


# ---------------------------------------------------------------- income_drop
def test_income_drop_fires_at_the_share_for_the_monitored():
    before = facts(*[{"wages": w, "members": [ADULT]} for w in (2000, 2000, 0, 6000, 6000, 6000)])
    now = facts(*[{"wages": w, "members": [ADULT]} for w in (1000, 1000.01, 0, 2000, 1999.99,
                                                            2000)])
    # 0: 2000 − 1000 = 1000 ≥ 0.5 × 2000; 1: 999.99 short; 2: no income before; 3: a drop of
    # two thirds but 2000 a head is not under the monitoring line 2000; 4: 1999.99 is;
    # 5: as 3, but enrolled
    assert warned("income_drop", now, before=before, enrolled=[5]) == [0, 4, 5]
    v = pinned(**unlinked("human_resources"))
    assert warned("income_drop", now, before=before, v=v, enrolled=[5]) == []


def test_monitoring_line_multiple_sets_the_monitored_population():
    before = facts({"wages": 6000, "members": [ADULT]})
    now = facts({"wages": 2500, "members": [ADULT]})   # a drop of 58 %, 2500 a head now
    assert warned("income_drop", now, before=before) == []   # 2500 ≥ 2 × 1000
    v = pinned(**{"warnings.monitoring_line_multiple": 2.6})
    assert warned("income_drop", now, before=before, v=v) == [0]   # 2500 < 2.6 × 1000


# ---------------------------------------------------------------- disability_onset
def test_disability_onset_fires_when_a_member_becomes_severely_disabled():
    mild, severe = {"age": 40, "disability": "mild"}, {"age": 40, "disability": "severe"}
    poor, rich = {"wages": 1000}, {"wages": 2500}
    before = facts({**poor, "members": [mild, ADULT]}, {**poor, "members": [severe, ADULT]},
                   {**rich, "members": [mild]}, {**rich, "members": [mild]},
                   {**poor, "members": [ADULT, ADULT]})
    now = facts({**poor, "members": [severe, ADULT]}, {**poor, "members": [severe, ADULT]},
                {**rich, "members": [severe]}, {**rich, "members": [severe]},
                {**poor, "members": [{**ADULT, "alive": False}, ADULT]})
    # 0: one severe now, none before; 1: already severe; 2: 2500 a head is not monitored;
    # 3: as 2 but enrolled; 4: no disability (a member died: fewer severe, not more)
    assert warned("disability_onset", now, before=before, enrolled=[3]) == [0, 3]
    v = pinned(**unlinked("disability_federation"))
    assert warned("disability_onset", now, before=before, v=v, enrolled=[3]) == []


# ---------------------------------------------------------------- disaster_hit
def test_disaster_hit_fires_for_any_damage_of_the_monitored():
    now = facts(*[{"wages": 1000, "damage": d, "members": [ADULT]} for d in (0, 1, 2, 3)],
                {"wages": 3000, "damage": 3, "members": [ADULT]})   # 3000 a head: not monitored
    assert warned("disaster_hit", now) == [1, 2, 3]
    assert warned("disaster_hit", now, v=pinned(**unlinked("emergency_management"))) == []


# ---------------------------------------------------------------- death_of_earner
def test_death_of_earner_fires_when_a_working_member_died():
    dead = {"alive": False}
    before = facts({"wages": 3000, "members": [WORKER, ADULT]},
                   {"wages": 3000, "members": [WORKER, ADULT]},
                   {"wages": 3000, "members": [WORKER, ADULT]},
                   {"wages": 3000, "pensions": 5000, "members": [WORKER, {"age": 70}]})
    now = facts({"wages": 0, "members": [{**WORKER, **dead}, ADULT]},      # the earner died
                {"wages": 3000, "members": [WORKER, {**ADULT, **dead}]},   # a non-earner died
                {"wages": 0, "members": [{**WORKER, "works": False}, ADULT]},  # earner stopped
                {"wages": 0, "pensions": 5000, "members": [{**WORKER, **dead}, {"age": 70}]})
    # 3: its earner died, but 5000 a head of pension is not monitored
    assert warned("death_of_earner", now, before=before) == [0]
    v = pinned(**unlinked("public_security"))
    assert warned("death_of_earner", now, before=before, v=v) == []


# ---------------------------------------------------------------- rigid_ratio
RIGID = {"wages": 3000, "income_window": 36_000.0, "rigid_window": 25_200.0, "members": [ADULT]}


def test_rigid_ratio_fires_on_the_tier_four_test_of_observed_data():
    now = facts(RIGID,                                          # 0: 25,200 = 0.7 × 36,000
                {**RIGID, "rigid_window": 25_199.99},           # 1: just under
                {**RIGID, "registered": False},                 # 2: not registered
                RIGID,                                          # 3: enrolled
                {**RIGID, "financial_assets": 24_000.01},       # 4: over the asset limit
                {**RIGID, "wages": 4000, "income_window": 48_000.0,
                 "rigid_window": 40_000.0})                     # 5: 4000 a head: not under cap
    assert warned("rigid_ratio", now, enrolled=[3]) == [0]


def test_rigid_ratio_needs_a_department_that_sees_rigid_spending():
    sighted = unlinked("medical_insurance", "disability_federation", "housing")
    assert warned("rigid_ratio", facts(RIGID), v=pinned(**sighted)) == [0]   # education alone
    blind = unlinked("medical_insurance", "disability_federation", "housing", "education")
    assert warned("rigid_ratio", facts(RIGID), v=pinned(**blind)) == []


def test_rigid_ratio_watches_only_the_monitored_when_monitored_only():
    v = pinned(**{"warnings.monitored_only": True})
    assert warned("rigid_ratio", facts(RIGID), v=v) == []   # 3000 a head ≥ 2000


# ---------------------------------------------------------------- screening
def screening_offsets(n):
    return np.floor(Streams(SEED).uniform("screening-offset", -1, n) * 120).astype(int)


def test_screening_finds_eligible_households_in_their_month_of_the_cycle():
    dibao = {"wages": 300, "members": [ADULT]}
    now = facts(dibao, dibao, {"wages": 5000, "members": [ADULT]}, dibao)
    offsets = screening_offsets(4)
    assert offsets.tolist() == [91, 89, 30, 31]
    # due when (t + offset) is a multiple of 6: household 0 (91 = 6 × 15 + 1) in months 5, 11,
    # 17 …; household 1 (89 = 6 × 14 + 5) in 1, 7, 13 …; 3 (31 = 6 × 5 + 1) as household 0;
    # household 2 is due in 0, 6, 12 … but not eligible; household 3 is enrolled
    assert warned("screening", now, t=11, enrolled=[3]) == [0]
    assert warned("screening", now, t=13, enrolled=[3]) == [1]
    assert warned("screening", now, t=12, enrolled=[3]) == []


@pytest.mark.parametrize(("hidden", "department"), [
    ({"financial_assets": 30_000.0}, "finance"),       # 30,000 > 24 × 1000
    ({"homes_owned": 3}, "housing"),
    ({"car": True}, "public_security"),
])
def test_screening_does_not_fail_the_asset_test_on_data_no_department_links(hidden, department):
    now = facts({"wages": 300, **hidden, "members": [ADULT]})   # household 0 is due in month 11
    assert warned("screening", now, t=11) == []                 # the linked data show the assets
    assert warned("screening", now, t=11, v=pinned(**unlinked(department))) == [0]


def test_screening_only_for_linked_households():
    v = pinned(**unlinked(*DEPARTMENTS))
    assert warned("screening", facts({"wages": 300, "members": [ADULT]}), t=11, v=v) == []


# ---------------------------------------------------------------- every warning: cool-down
def test_cool_down_holds_a_rule_back_for_cooldown_months():
    now = facts({"wages": 1000, "damage": 2, "members": [ADULT]})
    mon, first = warn(now, t=12)
    assert first["disaster_hit"] == [0]
    assert warn(now, t=17, monitor=mon)[1]["disaster_hit"] == []     # 17 − 12 = 5 < 6
    assert warn(now, t=18, monitor=mon)[1]["disaster_hit"] == [0]    # 6 ≥ 6
    assert warn(now, t=18, monitor=mon)[1]["disaster_hit"] == []     # once a month at most


def test_cool_down_is_per_rule():
    now = facts({"wages": 1000, "damage": 2, "medical_oop": 2000.0, "members": [ADULT]})
    mon, first = warn(now, t=12, v=pinned(**{"warnings.medical_surge": False}))
    assert first["disaster_hit"] == [0] and "medical_surge" not in first
    later = warn(now, t=13, monitor=mon)[1]
    assert later["medical_surge"] == [0] and later["disaster_hit"] == []


def test_household_with_an_open_case_is_not_warned_again():
    now = facts({"wages": 1000, "damage": 2, "members": [ADULT]},
                {"wages": 1000, "damage": 2, "members": [ADULT]})
    assert warned("disaster_hit", now, busy=[0]) == [1]


def test_warning_in_the_month_opens_a_case_and_waits_for_help():
    # the truth: a 12,000 hospital bill for a household of 1500 a head; the admin view still
    # shows last month's (no bill); medical insurance reveals it this month
    member = {"age": 40, "works": True, "wage": 1500.0}
    truth = facts({"wages": 1500, "medical_oop": 12_000.0, "members": [member]},
                  {"wages": 1500, "members": [member]})
    admin = facts({"wages": 1500, "members": [member]}, {"wages": 1500, "members": [member]})
    v = pinned(**{"warnings.screening": False})
    pop = population(truth)
    mon = Monitor(pop, v, Streams(SEED))
    book = CaseBook(2, list(v.casework.queue_order))
    spells = Spells.begin(np.zeros(2, dtype=bool))
    spells.start[:] = [T - 1, -1]          # household 0 became eligible last month
    follow = Followup.empty(2)
    _, out = mon.month(truth, admin, v, T, Caseload(2).enrolled(T), book.open)
    mon.follow(out, v, T, book, spells, follow)
    assert np.flatnonzero(out["medical_surge"]).tolist() == [0]
    assert admin.medical_oop[0] == 12_000.0
    assert book.source[0] == book.rank["medical_surge"]
    assert book.source[1] == NO_CASE
    assert book.warnings.tolist() == [1, 0]
    assert bool(spells.warned[0])
    assert (follow.month[0], follow.pending[0]) == (T, 1)


# ---------------------------------------------------------------- recall (§6)
def test_spells_of_eligibility_count_as_found_when_warned_while_they_lasted():
    spells = Spells.begin(np.zeros(3, dtype=bool))
    assert spells.track(np.array([True, True, False]), 1, since=0)[0].tolist() == [False] * 3
    assert spells.start.tolist() == [1, 1, -1]
    spells.warned[0] = True                         # a warning reached household 0 in month 1
    ended, found = spells.track(np.array([False, False, True]), 2, since=0)
    assert ended.tolist() == [True, True, False]    # recall 1 of 2
    assert found.tolist() == [True, False, False]
    ended, found = spells.track(np.array([False, False, True]), 3, since=0, final=True)
    assert ended.tolist() == [False, False, True]   # still open at the end: counted, not found
    assert found.tolist() == [False, False, False]


def test_spells_started_before_the_measured_months_are_not_counted():
    spells = Spells.begin(np.zeros(1, dtype=bool))
    spells.track(np.array([True]), 1, since=5)
    assert spells.track(np.array([False]), 6, since=5)[0].tolist() == [False]


# ---------------------------------------------------------------- led to help (§6)
def test_warning_led_to_help_within_followup_months_only():
    f = Followup.empty(2)
    f.raised(np.array([0, 1]), np.array([1, 2]), 0, 3)   # month 0: 1 and 2 warnings
    assert f.helped(np.array([0]), 3, 3).tolist() == [1]  # helped in month 3: 3 − 0 ≤ 3
    assert f.helped(np.array([1]), 4, 3).tolist() == [0]  # month 4 is too late
    assert f.helped(np.array([0]), 3, 3).tolist() == [0]  # counted once


def test_warnings_since_the_last_help_count_while_the_latest_is_within_reach():
    f = Followup.empty(1)
    f.raised(np.array([0]), np.array([1]), 0, 3)
    f.raised(np.array([0]), np.array([1]), 2, 3)    # within reach of month 0: 2 pending
    assert f.helped(np.array([0]), 5, 3).tolist() == [2]   # 5 − 2 ≤ 3
    f.raised(np.array([0]), np.array([1]), 10, 3)
    f.raised(np.array([0]), np.array([1]), 14, 3)   # month 10's is stale by 14: 1 pending
    assert f.helped(np.array([0]), 14, 3).tolist() == [1]


def visit_after_warning(truth_household, enrolled_tier, need=0.0):
    """A household warned in month T − 1, visited (accurately) in T: warnings that led to help.

    ``need``: a sudden hardship of last month (temporary assistance).
    """
    v = pinned(**{"policy.temporary_cap_months": 3.0, "casework.temporary_lookback_months": 3})
    truth = facts(truth_household)
    case = Caseload(1)
    case.tier[0] = enrolled_tier
    hardship = Hardship.empty(1)
    hardship.need[0], hardship.month[0] = need, T - 1
    follow = Followup.empty(1)
    follow.raised(np.array([0]), np.array([1]), T - 1, v.warnings.followup_months)
    out = visit(population(truth), facts(truth_household), case, hardship,
                np.zeros(1, dtype=bool), np.array([0]), v, np.zeros(1), T, np.zeros(1, bool))
    return follow.helped(np.array([0])[out.helped], T, v.warnings.followup_months).tolist()


def test_warning_followed_by_new_enrolment_led_to_help():
    assert visit_after_warning({"wages": 300, "members": [ADULT]}, 0) == [1]


def test_warning_followed_by_a_higher_paying_tier_led_to_help():
    assert visit_after_warning({"wages": 300, "members": [ADULT]}, 2) == [1]   # marginal → dibao


def test_warning_of_a_household_merely_kept_on_the_rolls_did_not_lead_to_help():
    assert visit_after_warning({"wages": 300, "members": [ADULT]}, DIBAO) == []


def test_warning_followed_by_new_one_off_aid_led_to_help():
    # kept on dibao, but paid min(2000, 3 × 1000) = 2000 of temporary assistance
    assert visit_after_warning({"wages": 300, "members": [ADULT]}, DIBAO, need=2000.0) == [1]


def test_warning_of_a_household_moved_down_a_tier_did_not_lead_to_help():
    assert visit_after_warning({"wages": 1500, "members": [ADULT]}, DIBAO) == []   # → marginal
