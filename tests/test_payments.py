"""Hand-computed cases for the month's payments (RULES.md §4, payments.py): one row per
programme, paid by the enrolled tier on the administration's view (medical on the true cost),
the gradual-exit top-up, one-off aid and what counts as leakage (§6).

Dibao line 1000 (destitute line 1500), minimum payment 100 a head, care allowance 800; special
programmes for every enrolled tier unless a test says otherwise.
"""

import numpy as np
import pytest

from casebuilder import facts, values
from reliefsim.caseload import Caseload
from reliefsim.indicators import PROGRAMMES
from reliefsim.payments import (
    ROW,
    entitlement,
    monthly_leak,
    monthly_payments,
    one_off_leak,
    one_off_payments,
    pending_payment,
)
from reliefsim.rules import DESTITUTE, DIBAO, MARGINAL, NONE, RIGID, assess

TIERS = ["destitute", "dibao", "marginal", "rigid_hardship"]
PINNED = {
    "policy.registration_required": True, "policy.individual_enrolment": True,
    "policy.individual_enrolment_multiplier": 2.0, "policy.temporary_while_pending": True,
    "special.medical": True, "special.medical_tiers": TIERS,
    "special.medical_rate.destitute": 1.0, "special.medical_rate.dibao": 0.7,
    "special.medical_rate.marginal": 0.6, "special.medical_rate.rigid_hardship": 0.5,
    "special.medical_cap_year": 60_000.0,
    "special.education": True, "special.education_tiers": TIERS,
    "special.education_grant.primary": 100.0, "special.education_grant.secondary": 200.0,
    "special.education_grant.tertiary": 500.0,
    "special.housing": True, "special.housing_tiers": TIERS, "special.housing_rate": 0.5,
    "special.rent_share_of_income": 0.25,
    "special.employment": True, "special.employment_tiers": ["dibao", "marginal"],
    "special.employment_cost": 500.0,
    "special.heating": True, "special.heating_tiers": TIERS, "special.heating_subsidy": 300.0,
    "special.heating_months": [11, 12, 1, 2, 3],
}
T = 10
JUNE = 6   # outside the heating season
ADULT = {"age": 40, "works": True, "wage": 0.0}   # counted as working: no employment service
OLD = {"age": 70}


def pinned(**changes):
    return values(**{**PINNED, **changes})


class Month:
    """One month of payments to households enrolled in ``tiers``."""

    def __init__(self, *households, tiers, truth=None, v=None):
        self.v = v or pinned()
        self.admin = facts(*households)
        self.truth = facts(*(truth or households))
        self.case = Caseload(len(tiers))
        self.case.tier[:] = tiers
        self.a = assess(self.admin, self.v)

    def pay(self, calendar_month=JUNE, t=T):
        return monthly_payments(self.truth, self.admin, self.a, self.case, self.v, t,
                                calendar_month)


def row(pay, programme):
    return pay[ROW[programme]].tolist()


def test_one_row_per_programme_in_the_published_order():
    pay = Month({"members": [ADULT]}, tiers=[DIBAO]).pay()
    assert pay.shape == (len(PROGRAMMES), 1)
    assert list(ROW) == ["basic_living", "gradual_exit", "medical", "education", "housing",
                         "employment", "heating", "temporary", "disaster"]


# ---------------------------------------------------------------- basic living
def test_basic_living_is_paid_by_the_enrolled_tier_on_the_admin_view():
    m = Month({"wages": 1000, "members": [ADULT, ADULT]},                  # 0 dibao, 500 a head
              {"wages": 600, "members": [ADULT, ADULT]},                   # 1 not enrolled
              {"pensions": 1200, "members": [{**OLD, "unable_self_care": True}]},  # 2 destitute
              {"wages": 3000, "members": [ADULT, ADULT]},                  # 3 marginal
              {"wages": 990, "members": [ADULT]},                          # 4 dibao, gap 10
              tiers=[DIBAO, NONE, DESTITUTE, MARGINAL, DIBAO],
              truth=[{"wages": 9000, "members": [ADULT, ADULT]}] * 5)  # nobody truly eligible
    pay = m.pay()
    # 0: (1000 − 500) × 2; 1: not enrolled; 2: (1500 − 1200) × 1 + 800 care allowance;
    # 3: marginal_basic_share 0; 4: max(10 × 1, 100 × 1) minimum payment
    assert row(pay, "basic_living") == pytest.approx([1000.0, 0.0, 1100.0, 0.0, 100.0])
    assert pay[:, 1].tolist() == [0.0] * len(PROGRAMMES)         # nothing to the unenrolled
    assert m.case.last_basic.tolist() == pytest.approx([1000.0, 0.0, 1100.0, 0.0, 100.0])


def test_dibao_add_ons_in_the_monthly_payment():
    m = Month({"pensions": 900, "has_capable_supporter": True,
               "members": [{"age": 65}, {"age": 10}, {"age": 40, "disability": "severe"}]},
              tiers=[DIBAO], v=pinned(**{"policy.addon_share.child": 0.15}))
    # (1000 − 300) × 3 + (0.1 elderly + 0.15 child + 0.2 severe disability) × 1000
    assert row(m.pay(), "basic_living") == pytest.approx([2100.0 + 450.0])


def test_individually_enrolled_members_are_paid_as_households_of_one():
    household = {"wages": 2400, "pensions": 950, "members": [
        {"age": 40, "works": True, "wage": 2400.0},
        {"age": 40, "disability": "severe", "pension": 950.0},
        {"age": 70, "serious_illness": True}]}
    # (2400 + 950) ÷ 3 = 1116.67 a head: over the marginal line 1.1 × 1000, under 2 × 1000
    v = pinned(**{"policy.marginal_multiplier": 1.1})
    m = Month(household, tiers=[NONE], v=v)
    assert (m.a.tier[0], m.a.individual[0]) == (NONE, 2)
    m.case.individual[0] = 2
    pay = m.pay()
    # severely disabled member: max(1000 − 950, 100) + 0.2 × 1000 = 300;
    # ill member of 70: max(1000 − 0, 100) + max(0.1, 0.3) × 1000 = 1300
    assert row(pay, "basic_living") == pytest.approx([1600.0])
    assert m.case.last_basic[0] == pytest.approx(1600.0)


# ---------------------------------------------------------------- gradual exit
def test_gradual_exit_tops_basic_living_up_to_the_amount_kept():
    m = Month({"wages": 3000, "members": [ADULT, ADULT]},     # 0 now marginal (basic 0)
              {"wages": 9000, "members": [ADULT]},            # 1 now none
              {"wages": 9000, "members": [ADULT]},            # 2 exit over
              {"wages": 1000, "members": [ADULT, ADULT]},     # 3 now dibao (basic 1000)
              {"wages": 1000, "members": [ADULT, ADULT]},     # 4 now dibao, kept less
              tiers=[MARGINAL, NONE, NONE, DIBAO, DIBAO])
    m.case.exit_until[:] = [T + 2, T + 1, T, T + 5, T + 5]
    m.case.exit_amount[:] = [800.0, 600.0, 600.0, 1500.0, 800.0]
    pay = m.pay()
    # max(kept − basic living, 0): 800 − 0, 600 − 0, exit ended in T, 1500 − 1000, 800 < 1000
    assert row(pay, "gradual_exit") == pytest.approx([800.0, 600.0, 0.0, 500.0, 0.0])
    assert row(pay, "basic_living") == pytest.approx([0.0, 0.0, 0.0, 1000.0, 1000.0])
    assert pay[:, 1].sum() == pytest.approx(600.0)   # tier none in exit: the top-up alone


# ---------------------------------------------------------------- medical
def test_medical_assistance_pays_the_enrolled_tiers_rate_of_the_true_cost():
    cost = {"wages": 9000, "medical_oop": 2000.0, "members": [ADULT]}
    m = Month(*[{"wages": 9000, "members": [ADULT]}] * 5, truth=[cost] * 5,
              tiers=[DESTITUTE, DIBAO, MARGINAL, RIGID, NONE])
    # the admin view shows no cost: medical assistance is settled on the true one
    assert row(m.pay(), "medical") == pytest.approx([2000.0, 1400.0, 1200.0, 1000.0, 0.0])
    assert m.case.medical_paid_year.tolist() == pytest.approx([2000.0, 1400.0, 1200.0, 1000.0,
                                                               0.0])


def test_medical_assistance_yearly_cap_per_person_resets_in_january():
    cost = {"medical_oop": 2000.0, "members": [ADULT, ADULT]}
    m = Month(cost, tiers=[DIBAO])
    m.case.medical_paid_year[0] = 119_500.0   # cap 60,000 × 2 members = 120,000
    assert row(m.pay(calendar_month=12), "medical") == pytest.approx([500.0])
    assert m.case.medical_paid_year[0] == pytest.approx(120_000.0)
    assert row(m.pay(calendar_month=12), "medical") == [0.0]
    assert row(m.pay(calendar_month=1), "medical") == pytest.approx([1400.0])   # 0.7 × 2000
    assert m.case.medical_paid_year[0] == pytest.approx(1400.0)


# ---------------------------------------------------------------- education, housing
STUDENTS = {"wages": 900, "members": [
    ADULT, {"age": 8, "student": "primary"}, {"age": 14, "student": "secondary"},
    {"age": 20, "student": "tertiary"}, {"age": 9, "student": "primary", "alive": False}]}


@pytest.mark.parametrize(("tiers", "expected"), [
    (TIERS, [800.0, 800.0, 800.0, 800.0, 0.0]),                # 100 + 200 + 500 (the dead: none)
    (["dibao"], [0.0, 800.0, 0.0, 0.0, 0.0]),
])
def test_education_grant_per_living_student_for_the_listed_tiers(tiers, expected):
    m = Month(*[STUDENTS] * 5, tiers=[DESTITUTE, DIBAO, MARGINAL, RIGID, NONE],
              v=pinned(**{"special.education_tiers": tiers}))
    assert row(m.pay(), "education") == pytest.approx(expected)


def test_housing_assistance_for_renters_of_enrolled_tiers():
    m = Month({"wages": 800, "rent": 2000.0, "members": [ADULT]},
              {"wages": 800, "rent": 2000.0, "members": [ADULT]},
              {"wages": 800, "rent": 0.0, "members": [ADULT]},
              {"wages": 800, "rent": 150.0, "members": [ADULT]},
              tiers=[DIBAO, NONE, DIBAO, MARGINAL])
    # 0.5 × (2000 − 0.25 × 800) = 900; not enrolled; owner; 150 < 0.25 × 800 = 200
    assert row(m.pay(), "housing") == pytest.approx([900.0, 0.0, 0.0, 0.0])


# ---------------------------------------------------------------- employment
def test_employment_service_costs_per_capable_working_age_member_not_at_work():
    members = [
        {"age": 40, "works": True}, {"age": 40}, {"age": 30},           # 2 not at work
        {"age": 10}, {"age": 70}, {"age": 19, "student": "tertiary"},
        {"age": 35, "disability": "severe"}, {"age": 45, "serious_illness": True},
        {"age": 50, "alive": False}]
    m = Month(*[{"wages": 500, "members": members}] * 4,
              tiers=[DESTITUTE, DIBAO, MARGINAL, NONE])
    # employment_tiers dibao and marginal: 2 participants × 500
    assert row(m.pay(), "employment") == pytest.approx([0.0, 1000.0, 1000.0, 0.0])


# ---------------------------------------------------------------- heating
@pytest.mark.parametrize("calendar_month", range(1, 13))
def test_heating_subsidy_in_the_heating_months_for_enrolled_tiers(calendar_month):
    m = Month(*[{"members": [ADULT]}] * 5, tiers=[DESTITUTE, DIBAO, MARGINAL, RIGID, NONE])
    season = calendar_month in (11, 12, 1, 2, 3)
    expected = [300.0 if season else 0.0] * 4 + [0.0]
    assert row(m.pay(calendar_month=calendar_month), "heating") == expected


@pytest.mark.parametrize("programme", ["medical", "education", "housing", "employment",
                                       "heating"])
def test_a_programme_switched_off_pays_nothing(programme):
    household = {"wages": 800, "rent": 2000.0, "medical_oop": 1000.0, "members": [
        {"age": 40}, {"age": 8, "student": "primary"}]}
    on = Month(household, tiers=[DIBAO]).pay(calendar_month=12)
    off = Month(household, tiers=[DIBAO],
                v=pinned(**{f"special.{programme}": False})).pay(calendar_month=12)
    assert row(on, programme)[0] > 0
    assert row(off, programme) == [0.0]


# ---------------------------------------------------------------- one-off aid
def test_temporary_payment_while_a_dibao_application_is_pending():
    admin = facts({"wages": 600, "members": [ADULT, ADULT]},    # dibao, 300 a head
                  {"wages": 600, "members": [ADULT, ADULT]},    # not pending
                  {"wages": 3000, "members": [ADULT, ADULT]},   # marginal
                  {"pensions": 600, "members": [OLD]})          # destitute, 600 a head
    a = assess(admin, pinned())
    pending = np.array([True, False, True, True])
    # (1000 − 300) × 2; nothing; marginal: nothing; (1500 − 600) × 1 (the destitute gap)
    assert pending_payment(a, pending, pinned()).tolist() == pytest.approx([1400.0, 0, 0, 900.0])
    off = pinned(**{"policy.temporary_while_pending": False})
    assert pending_payment(a, pending, off).tolist() == [0.0] * 4


def test_temporary_payment_while_pending_is_never_negative():
    admin = facts({"pensions": 1200, "members": [OLD]})   # destitute: 1200 < 1.5 × 1000
    a = assess(admin, pinned())
    assert a.tier[0] == DESTITUTE
    paid = pending_payment(a, np.array([True]), pinned())
    assert paid[0] == pytest.approx(300.0)   # the destitute gap: (1500 − 1200) × 1


def test_one_off_rows_add_pending_and_visit_decisions():
    pay = np.zeros((len(PROGRAMMES), 4))
    pending = np.array([0.0, 1400.0, 0.0, 0.0])
    one_off_payments(pay, pending, np.array([1, 3]), np.array([500.0, 3000.0]),
                     np.array([0.0, 5000.0]))
    assert row(pay, "temporary") == [0.0, 1900.0, 0.0, 3000.0]   # 1400 + 500; 3000
    assert row(pay, "disaster") == [0.0, 0.0, 0.0, 5000.0]


# ---------------------------------------------------------------- leakage (§6)
def test_one_off_leak_judged_against_the_true_shock():
    pay = np.zeros((len(PROGRAMMES), 4))
    pending = np.array([1400.0, 0.0, 700.0, 0.0])
    visited = np.array([0, 1, 3])
    one_off_payments(pay, pending, visited, np.array([500.0, 2000.0, 0.0]),
                     np.array([0.0, 0.0, 5000.0]))
    true_shock = np.array([False, True, False, False])
    true_dibao = np.array([False, False, True, False])
    true_disaster = np.array([False, False, False, False])
    leak = one_off_leak(pay, pending, visited, true_shock, true_dibao, true_disaster)
    # 0: 500 of temporary with no true shock, and 1400 pending though not truly dibao;
    # 1: a true shock; 2: pending, truly dibao; 3: 5000 of disaster aid with no true disaster
    assert leak.tolist() == pytest.approx([1900.0, 0.0, 0.0, 5000.0])


def test_monthly_leak_is_regular_aid_to_the_not_eligible_except_the_gradual_exit():
    pay = np.zeros((len(PROGRAMMES), 2))
    for prog, amount in (("basic_living", 1000.0), ("gradual_exit", 300.0), ("medical", 200.0),
                         ("heating", 300.0), ("temporary", 900.0), ("disaster", 5000.0)):
        pay[ROW[prog]] = amount
    leak = monthly_leak(pay, np.array([True, False]))
    assert leak.tolist() == pytest.approx([1000.0 + 200.0 + 300.0, 0.0])


def test_entitlement_is_what_the_true_tier_would_pay():
    v = pinned()
    truth = facts({"wages": 600, "rent": 2000.0, "medical_oop": 1000.0, "members": [
        {"age": 40}, {"age": 8, "student": "primary"}]},
        {"wages": 9000, "rent": 2000.0, "medical_oop": 1000.0, "members": [{"age": 40}]})
    got = entitlement(truth, assess(truth, v), v, 12)
    # dibao, 300 a head: (1000 − 300) × 2 + child add-on 0.15 × 1000 + medical 0.7 × 1000
    # + education 100 + housing 0.5 × (2000 − 0.25 × 600) + heating 300; the other: none
    assert got.tolist() == pytest.approx([1400.0 + 150.0 + 700.0 + 100.0 + 925.0 + 300.0, 0.0])
