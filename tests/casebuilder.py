"""Build small Facts by hand for rule tests (the way OpenFisca tests state a case)."""

from __future__ import annotations

from typing import Any

import numpy as np

from reliefsim.codes import DISABILITY_LEVELS, STUDENT_LEVELS
from reliefsim.facts import Facts
from reliefsim.scenario import Values, load_scenario

HOUSEHOLD_DEFAULTS: dict[str, Any] = {
    "wages": 0.0, "pensions": 0.0, "other_income": 0.0, "financial_assets": 0.0,
    "homes_owned": 1, "floor_space_pc": 20.0, "car": False, "rent": 0.0,
    "has_capable_supporter": False, "medical_oop": 0.0, "care": 0.0, "rehab": 0.0,
    "education": 0.0, "income_window": None, "rigid_window": 0.0,
}
MEMBER_DEFAULTS: dict[str, Any] = {
    "age": 40.0, "works": False, "disability": "none", "serious_illness": False,
    "unable_self_care": False, "student": "none",
}


def facts(*households: dict[str, Any]) -> Facts:
    """Facts for households given as dicts; each has ``members``: a list of member dicts.

    ``income_window`` defaults to 12 × the monthly income.
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
    n, m = len(rows), len(mrows)

    def col(name: str, dtype: type = float) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=dtype)

    def mcol(name: str, dtype: type = float) -> np.ndarray:
        return np.array([r[name] for r in mrows], dtype=dtype)

    return Facts(
        hh=np.array(hh), age=mcol("age"), alive=np.ones(m, dtype=bool),
        works=mcol("works", bool), wage=np.zeros(m), pension=np.zeros(m),
        disability=np.array([DISABILITY_LEVELS.index(r["disability"]) for r in mrows],
                            dtype=np.int8),
        serious_illness=mcol("serious_illness", bool), chronic=np.zeros(m, dtype=bool),
        unable_self_care=mcol("unable_self_care", bool),
        student=np.array([STUDENT_LEVELS.index(r["student"]) for r in mrows], dtype=np.int8),
        tertiary_track=np.zeros(m, dtype=bool), smartphone=np.ones(m, dtype=bool),
        benefit=np.zeros(m), benefit_months=np.zeros(m, dtype=np.int16),
        seeking=np.zeros(m, dtype=bool),
        wages=col("wages"), pensions=col("pensions"), other_income=col("other_income"),
        financial_assets=col("financial_assets"), homes_owned=col("homes_owned", np.int8),
        floor_space_pc=col("floor_space_pc"), car=col("car", bool), rent=col("rent"),
        has_capable_supporter=col("has_capable_supporter", bool),
        medical_oop=col("medical_oop"), care=col("care"), rehab=col("rehab"),
        education=col("education"), damage=np.zeros(n, dtype=np.int8),
        income_window=col("income_window"), rigid_window=col("rigid_window"),
        income_ring=np.zeros((1, n)), rigid_ring=np.zeros((1, n)),
    )


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
