"""Regression: a few small runs of a frozen scenario against committed values.

The runs use ``tests/scenarios/frozen.toml``, a self-contained copy of the baseline, so that
recalibrating the baseline changes nothing here. Every indicator, every monthly series of the
city and the per-district indicators must match the values committed in ``tests/golden/*.json``
to a relative tolerance (``RTOL``): NumPy versions may add numbers in another order, so results
agree to rounding, not bit for bit. (Bit-identity is promised only where it is a promise: the
same seed twice, and serial = processes = Dask; ``test_model`` and ``test_experiment`` check
those.)

When a change is *meant* to alter results (a rule, a metric, a random stream), regenerate the
files and commit them together with the change, saying why::

    RELIEFSIM_REGEN_GOLDEN=1 .venv/bin/pytest -q tests/test_golden.py
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from reliefsim.indicators import INDICATORS
from reliefsim.model import ReliefModel

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FROZEN = HERE / "scenarios" / "frozen.toml"
RTOL = 1e-6
"""Relative tolerance: far above rounding (1e-12), far below any change of behaviour."""
ATOL = 1e-6
"""Absolute tolerance, for values that are zero or nearly so."""
INTEGRATED = {f"departments.{d}.coverage": 1.0 for d in (
    "medical_insurance", "human_resources", "public_security", "education",
    "disability_federation", "emergency_management", "housing", "finance")}
INTEGRATED.update({"departments.medical_insurance.lag_months": 0, "warnings.rigid_ratio": True,
                   "warnings.screening": True, "policy.assisted_application": True})
CASES = {
    "frozen_3000x36_seed7": ({"households": 3000, "months": 36, "seed": 7}, {}),
    "frozen_integrated_2000x24_seed3": ({"households": 2000, "months": 24, "seed": 3},
                                        INTEGRATED),
    # one street office per street, as in towns of 400,000 households or more
    "frozen_12000x15_seed5_unpooled": ({"households": 12000, "months": 15, "seed": 5},
                                       {"casework.min_simulated_visits": 0}),
}


def snapshot(size: dict[str, int], overrides: dict) -> dict:
    model = ReliefModel(FROZEN, **size, overrides=overrides or None, story=False)
    summary = model.run()
    start = min(model.warmup, model.month - 1)
    by_district = model.ledger.by_district(start)
    return {
        **size,
        "indicators": summary,
        "series": {name: col.tolist() for name, col in sorted(model.ledger.city().items())},
        "districts": {ind.name: by_district[:, k].tolist()
                      for k, ind in enumerate(INDICATORS)},
    }


def close(a: object, b: object) -> bool:
    """Equal to the tolerances, NaN == NaN, through nested lists and dicts."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return bool(np.isclose(a, b, rtol=RTOL, atol=ATOL))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_output(case: str) -> None:
    size, overrides = CASES[case]
    path = GOLDEN / f"{case}.json"
    got = json.loads(json.dumps(snapshot(size, overrides)))  # through JSON, as stored
    if os.environ.get("RELIEFSIM_REGEN_GOLDEN"):
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    assert got.keys() == want.keys()
    for key in ("households", "months", "seed"):
        assert got[key] == want[key], key
    for part in ("indicators", "series", "districts"):
        assert got[part].keys() == want[part].keys(), part
        for name, value in want[part].items():
            assert close(got[part][name], value), f"{part} {name}: {got[part][name]!r} != {value!r}"


def test_the_tolerance_catches_a_real_change() -> None:
    """A change of one part in a hundred thousand fails; rounding does not."""
    assert close(1234.5, 1234.5 * (1 + 1e-12))
    assert not close(1234.5, 1234.5 * (1 + 1e-5))
    assert close([0.0, float("nan")], [1e-9, float("nan")])
