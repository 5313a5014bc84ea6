"""Golden output: the same seeds give exactly the same indicators and monthly series.

Guards speed work on the engine: every headline indicator, every monthly ledger series and the
confusion matrix of a few small runs must equal, bit for bit, the values committed in
``tests/golden/*.json`` (NaN equals NaN).

When a change is *meant* to alter results (a rule, a metric, a random stream), regenerate the
files and commit them together with the change, saying why::

    RELIEFSIM_REGEN_GOLDEN=1 .venv/bin/pytest -q tests/test_golden.py

Regeneration rewrites the files and then compares against them (so it passes); never regenerate
to make a speed-only change pass.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from reliefsim.model import ReliefModel

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "baseline_3000x36_seed7": ("baseline", {"households": 3000, "months": 36, "seed": 7}),
    "integrated_data_2000x24_seed3": ("integrated_data",
                                      {"households": 2000, "months": 24, "seed": 3}),
    # large enough for the paths taken only by big towns (e.g. the radix sort of the deciles)
    "baseline_12000x15_seed5": ("baseline", {"households": 12000, "months": 15, "seed": 5}),
    # one street office per street, as in towns of 400,000 households or more (small towns
    # pool them); its file is the one committed for baseline_12000x15_seed5 before pooling
    "baseline_12000x15_seed5_unpooled": ("baseline", {"households": 12000, "months": 15,
                                                      "seed": 5},
                                         {"casework.min_simulated_visits": 0}),
}


def snapshot(scenario: str, size: dict[str, int], overrides: dict | None = None) -> dict:
    model = ReliefModel(scenario, **size, overrides=overrides, story=False)
    indicators = {i.name: i.value for i in model.run()}
    return {
        "scenario": scenario,
        **size,
        "indicators": indicators,
        "series": {name: list(col) for name, col in sorted(model.ledger.series.items())},
        "confusion": model.ledger.confusion.tolist(),
        "spells": [model.ledger.spells_total, model.ledger.spells_found],
    }


def same(a: object, b: object) -> bool:
    """Exact equality, NaN == NaN, through nested lists and dicts."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_output(case: str) -> None:
    scenario, size, *overrides = CASES[case]
    path = GOLDEN / f"{case}.json"
    got = json.loads(json.dumps(snapshot(scenario, size, *overrides)))  # through JSON, as stored
    if os.environ.get("RELIEFSIM_REGEN_GOLDEN"):
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    assert got.keys() == want.keys()
    for key in ("scenario", "households", "months", "seed", "spells", "confusion"):
        assert same(got[key], want[key]), key
    assert got["indicators"].keys() == want["indicators"].keys()
    for name, value in want["indicators"].items():
        found = got["indicators"][name]
        assert same(found, value), f"indicator {name}: {found!r} != {value!r}"
    assert got["series"].keys() == want["series"].keys()
    for name, column in want["series"].items():
        assert same(got["series"][name], column), f"monthly series {name}"
