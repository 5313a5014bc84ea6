"""What is paid each month, by programme (RULES.md §4), and what households are entitled to.

Payments come as one array per programme, stacked in :data:`~reliefsim.indicators.PROGRAMMES`
order: basic living, gradual exit and the special programmes computed here, and the one-off
temporary and disaster aid decided at the month's visits.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from reliefsim.aggregates import sum_rows
from reliefsim.caseload import Caseload
from reliefsim.facts import Facts
from reliefsim.indicators import PROGRAMMES
from reliefsim.kernels import flatnonzero
from reliefsim.rules import (
    DIBAO,
    Assessment,
    basic_living,
    education_assistance,
    employment_members,
    heating_assistance,
    housing_assistance,
    individual_dibao,
    medical_assistance,
    tier_line,
)
from reliefsim.scenario import Values
from reliefsim.threads import together

ROW = {prog: k for k, prog in enumerate(PROGRAMMES)}
"""Programme → its row in the month's payments."""


def monthly_payments(truth: Facts, admin: Facts, a_admin: Assessment, case: Caseload,
                     v: Values, t: int, calendar_month: int) -> np.ndarray:
    """This month's payments, one row per programme (yuan per simulated household).

    Basic living, education, housing and employment are computed on the admin view; medical
    assistance is settled at the point of care on the true out-of-pocket cost (一站式结算).
    During the gradual-exit period the household's basic living is topped up to the amount it
    keeps (``gradual_exit`` row). The one-off rows (temporary, disaster) are left at zero for
    :func:`one_off_payments`.
    """
    pay = np.empty((len(PROGRAMMES), len(case.tier)))  # every row written below
    # basic living (with the one-off rows, set to zero) beside the special assistance: each
    # writes its own rows and case fields
    together(partial(_basic_rows, pay, admin, a_admin, case, v, t),
             partial(_special_rows, pay, truth, admin, a_admin, case, v, calendar_month))
    return pay


def _basic_rows(pay: np.ndarray, admin: Facts, a_admin: Assessment, case: Caseload, v: Values,
                t: int) -> None:
    """Basic living and its gradual-exit top-up into ``pay``; the last basic amount noted.

    The one-off rows are set to zero here, for :func:`one_off_payments`.
    """
    pay[ROW["temporary"]] = 0.0
    pay[ROW["disaster"]] = 0.0
    tier = case.tier
    basic = basic_living(admin, v, tier, a_admin)
    alone = flatnonzero((case.individual > 0) & (tier == 0))
    basic[alone] = individual_dibao(admin, v, alone)
    pay[ROW["basic_living"]] = basic
    in_exit = case.in_exit(t)
    pay[ROW["gradual_exit"]] = np.where(in_exit, np.maximum(case.exit_amount - basic, 0.0), 0.0)
    case.last_basic = np.where((tier > 0) | (case.individual > 0), basic, case.last_basic)


def _special_rows(pay: np.ndarray, truth: Facts, admin: Facts, a_admin: Assessment,
                  case: Caseload, v: Values, calendar_month: int) -> None:
    """Medical, education, housing, employment and heating assistance into ``pay``."""
    tier = case.tier
    if calendar_month == 1:
        case.medical_paid_year[:] = 0.0
    medical = medical_assistance(truth, v, tier, case.medical_paid_year, a_admin.size)
    case.medical_paid_year += medical
    pay[ROW["medical"]] = medical
    pay[ROW["education"]] = education_assistance(admin, v, tier)
    pay[ROW["housing"]] = housing_assistance(admin, v, tier)
    participants = np.bincount(admin.hh[employment_members(admin, v, tier)],  # all living
                               minlength=len(tier)).astype(np.float64)
    pay[ROW["employment"]] = v.special.employment_cost * participants
    pay[ROW["heating"]] = heating_assistance(v, tier, calendar_month)


def pending_payment(a_admin: Assessment, pending: np.ndarray, v: Values) -> np.ndarray:
    """Temporary assistance while a dibao application is pending (``temporary_while_pending``).

    A household whose open case holds an application and whose admin facts put it in dibao or
    destitute gets its tier's gap for the month: (its line − income per capita) × size, the
    destitute line for the destitute.
    """
    out = np.zeros(len(pending))
    if not v.policy.temporary_while_pending:
        return out
    owed = flatnonzero(pending & (a_admin.tier >= DIBAO))
    line = tier_line(a_admin.tier[owed], v)
    out[owed] = np.maximum(line - a_admin.income_pc[owed], 0.0) * a_admin.size[owed]
    return out


def one_off_payments(pay: np.ndarray, pending: np.ndarray, visited: np.ndarray,
                     temporary: np.ndarray, disaster: np.ndarray) -> None:
    """Add the month's one-off aid to ``pay``: the pending payment and the visits' decisions."""
    pay[ROW["temporary"]] = pending
    np.add.at(pay[ROW["temporary"]], visited, temporary)
    np.add.at(pay[ROW["disaster"]], visited, disaster)


def one_off_leak(pay: np.ndarray, pending: np.ndarray, visited: np.ndarray,
                 true_shock: np.ndarray, true_dibao: np.ndarray,
                 true_disaster: np.ndarray) -> np.ndarray:
    """Per household, temporary and disaster aid paid without the true grounds for it (yuan).

    Temporary aid beyond the pending-application payment is a leak without a true recent
    shock; the pending payment is a leak unless the true tier is dibao or destitute; disaster
    aid is a leak without a true disaster.
    """
    out = np.zeros(len(pending))
    temporary, disaster = pay[ROW["temporary"]], pay[ROW["disaster"]]
    out[visited] = np.where(true_shock[visited], 0.0, temporary[visited] - pending[visited])
    owed = flatnonzero(pending)
    out[owed] += np.where(true_dibao[owed], 0.0, pending[owed])
    granted = flatnonzero(disaster)
    out[granted] += np.where(true_disaster[granted], 0.0, disaster[granted])
    return out


def monthly_leak(pay: np.ndarray, not_eligible: np.ndarray) -> np.ndarray:
    """Per household, the month's regular aid to a household not truly eligible (yuan).

    Everything but the one-off rows and the gradual exit, which the rules entitle.
    """
    regular = sum_rows(pay, range(ROW["temporary"])) - pay[ROW["gradual_exit"]]
    return np.where(not_eligible, regular, 0.0)


def entitlement(truth: Facts, a_true: Assessment, v: Values, calendar_month: int
                ) -> np.ndarray:
    """What each household should get this month by its true tier (basic living + special)."""
    tier = a_true.tier
    no_cap_used = np.zeros(len(tier))
    basic = basic_living(truth, v, tier, a_true)
    alone = flatnonzero((a_true.individual > 0) & (tier == 0))
    basic[alone] = individual_dibao(truth, v, alone)
    return (basic
            + medical_assistance(truth, v, tier, no_cap_used, a_true.size)
            + education_assistance(truth, v, tier) + housing_assistance(truth, v, tier)
            + heating_assistance(v, tier, calendar_month))
