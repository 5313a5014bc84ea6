"""Build small Facts by hand for rule tests (the way OpenFisca tests state a case)."""

from __future__ import annotations

from typing import Any

import numpy as np

from reliefsim.codes import DISABILITY_LEVELS, STUDENT_LEVELS
from reliefsim.facts import Facts
from reliefsim.population import Population
from reliefsim.scenario import Values, load_scenario

HOUSEHOLD_DEFAULTS: dict[str, Any] = {
    "wages": 0.0, "pensions": 0.0, "other_income": 0.0, "financial_assets": 0.0,
    "homes_owned": 1, "floor_space_pc": 20.0, "car": False, "rent": 0.0,
    "has_capable_supporter": False, "registered": True, "medical_oop": 0.0, "care": 0.0,
    "rehab": 0.0, "education": 0.0, "damage": 0, "income_window": None, "rigid_window": 0.0,
}
MEMBER_DEFAULTS: dict[str, Any] = {
    "age": 40.0, "works": False, "wage": 0.0, "pension": 0.0, "disability": "none",
    "serious_illness": False, "unable_self_care": False, "student": "none",
    "alive": True, "smartphone": True, "wage_base": 0.0, "chronic": False,
    "disability_permanent": False, "tertiary_track": False, "seeking": False, "benefit": 0.0,
    "benefit_months": 0,
}
CODED_MEMBER_FIELDS = {"disability": DISABILITY_LEVELS, "student": STUDENT_LEVELS}


def facts(*households: dict[str, Any]) -> Facts:
    """Facts for households given as dicts; each has ``members``: a list of member dicts.

    ``income_window`` defaults to 12 × the monthly income. Household wages and pensions are
    taken as given (not summed from the members); the rings hold one month.
    """
    rows, mrows, hh = [], [], []
    for i, h in enumerate(households):
        row = {**HOUSEHOLD_DEFAULTS, **{k: v for k, v in h.items() if k != "members"}}
        if row["income_window"] is None:
            row["income_window"] = 12 * (row["wages"] + row["pensions"] + row["other_income"])
        rows.append(row)
        for m in h.get("members", [{}]):
            mrows.append({**MEMBER_DEFAULTS, **m})
            hh.append(i)
    n = len(rows)
    f = Facts.zeros(np.array(hh, dtype=np.int64), n, 1)
    for name in MEMBER_DEFAULTS:
        codes = CODED_MEMBER_FIELDS.get(name)
        getattr(f, name)[:] = [codes.index(r[name]) if codes else r[name] for r in mrows]
    for name in HOUSEHOLD_DEFAULTS:
        getattr(f, name)[:] = [r[name] for r in rows]
    return f


POLICY = {
    "policy.dibao_line": 1000.0, "policy.destitute_multiplier": 1.5,
    "policy.marginal_multiplier": 2.0, "policy.rigid_income_cap": 4000.0,
    "policy.rigid_ratio_threshold": 0.7, "policy.asset_limit_months": 24.0,
    "policy.floor_space_avg": 34.2, "policy.earned_income_disregard": 0.0,
    "policy.old_age": 60, "policy.working_age_min": 16, "policy.dibao_min_payment": 100.0,
    "policy.addon_share.elderly": 0.1, "policy.addon_share.severe_disability": 0.2,
    "policy.addon_share.serious_illness": 0.3, "policy.addon_share.child": 0.15,
    "policy.care_allowance": 800.0, "policy.marginal_basic_share": 0.0,
}


def values(**changes: Any) -> Values:
    """Baseline values with the test policy above (round numbers) and ``changes``.

    Keyword names use ``__`` for dots: ``policy__dibao_line=1200``.
    """
    overrides = {**POLICY, **{k.replace("__", "."): v for k, v in changes.items()}}
    return load_scenario("baseline", overrides).values(0)


def population(f: Facts, misreporter: list[bool] | None = None,
               district: list[int] | None = None) -> Population:
    """A population of the given facts: weight 1 each, identifiers 0, 1, …, one street per district.

    Args:
        f: the true facts.
        misreporter: per household, whether it under-declares (default: nobody).
        district: per household, its district (ascending; default: all in district 0).
    """
    n = f.n_households
    d = np.zeros(n, dtype=np.int32) if district is None else np.asarray(district, dtype=np.int32)
    cheats = np.zeros(n, dtype=bool) if misreporter is None else np.asarray(misreporter, bool)
    return Population(f, np.ones(n), d.copy(), d, cheats, np.arange(n, dtype=np.int64),
                      np.zeros(n, dtype=np.float32))
