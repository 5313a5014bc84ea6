"""Monthly payments by programme to enrolled households, and what households are entitled to."""

from __future__ import annotations

import numpy as np

from reliefsim.caseload import Caseload
from reliefsim.facts import Facts
from reliefsim.rules import (
    Assessment,
    basic_living,
    education_assistance,
    employment_participants,
    heating_assistance,
    housing_assistance,
    medical_assistance,
)
from reliefsim.scenario import Values

MONTHLY_PROGRAMMES: tuple[str, ...] = (
    "basic_living", "gradual_exit", "medical", "education", "housing", "employment", "heating",
)
ONE_OFF_PROGRAMMES: tuple[str, ...] = ("temporary", "disaster")
PROGRAMMES: tuple[str, ...] = MONTHLY_PROGRAMMES + ONE_OFF_PROGRAMMES


def monthly_payments(truth: Facts, admin: Facts, a_admin: Assessment, case: Caseload,
                     v: Values, t: int, calendar_month: int) -> dict[str, np.ndarray]:
    """Payments this month by programme (yuan per simulated household).

    Basic living, education, housing and employment are computed on the admin view; medical
    assistance is settled at the point of care on the true out-of-pocket cost (一站式结算).
    During the gradual-exit period the household's basic living is topped up to the amount it
    keeps (``gradual_exit`` line).
    """
    tier = case.tier
    basic = basic_living(admin, v, tier, a_admin)
    in_exit = case.in_exit(t)
    gradual = np.where(in_exit, np.maximum(case.exit_amount - basic, 0.0), 0.0)
    case.last_basic = np.where(tier > 0, basic, case.last_basic)
    if calendar_month == 1:
        case.medical_paid_year[:] = 0.0
    medical = medical_assistance(truth, v, tier, case.medical_paid_year, a_admin.size)
    case.medical_paid_year += medical
    participants = employment_participants(admin, v, tier)
    employment = v.special.employment_cost * admin.count(participants)  # participants live
    return {
        "basic_living": basic,
        "gradual_exit": gradual,
        "medical": medical,
        "education": education_assistance(admin, v, tier),
        "housing": housing_assistance(admin, v, tier),
        "employment": employment,
        "heating": heating_assistance(v, tier, calendar_month),
    }


def entitlement(truth: Facts, a_true: Assessment, v: Values, calendar_month: int
                ) -> np.ndarray:
    """What each household should get this month by its true tier (basic living + special)."""
    tier = a_true.tier
    no_cap_used = np.zeros(len(tier))
    return (basic_living(truth, v, tier, a_true)
            + medical_assistance(truth, v, tier, no_cap_used, a_true.size)
            + education_assistance(truth, v, tier) + housing_assistance(truth, v, tier)
            + heating_assistance(v, tier, calendar_month))
