"""Expected-value cases in YAML files, checked against the rules (``reliefsim check``).

As OpenFisca users write YAML tests, a case states a household's facts, the month whose rules
apply, and the tier and amounts expected; :func:`check_file` runs each through the calculator
(:mod:`reliefsim.explain`, which calls the rules' functions) and reports every difference with
its numbers. A file is either a list of cases or a mapping with defaults for its cases::

    scenario: baseline            # default baseline
    period: 2024-01               # the month whose values apply (default the scenario's start)
    set:                          # reforms from the start, as --set gives them
      policy.dibao_line: 1000
    tolerance: 0.01               # yuan (default 0.005)
    cases:
      - name: a dibao couple
        household: {wages: 1200}
        members: [{age: 40}, {age: 38}]
        expected:
          tier: dibao
          income_pc: 600
          basic_living: 800

Each case may set its own ``scenario``, ``period``, ``set`` (merged over the file's),
``tolerance`` and ``medical_paid_year``. ``expected`` takes any name of
:meth:`reliefsim.explain.Explanation.amounts`: ``tier``, numbers (yuan per month), booleans
(``assets_ok``, ``rigid_test``…) and lists per member (``addons_by_member``,
``no_labour_capacity``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reliefsim.errors import ReliefsimError
from reliefsim.explain import Explanation, explain, household_facts

CASE_KEYS = {"name", "scenario", "period", "set", "tolerance", "household", "members",
             "expected", "medical_paid_year", "description"}
FILE_KEYS = {"scenario", "period", "set", "tolerance", "cases", "description"}
DEFAULT_TOLERANCE = 0.005


@dataclass
class Failure:
    """One expected value that the rules do not give."""

    key: str
    expected: Any
    got: Any

    def text(self) -> str:
        """``basic_living: expected 1,650.00, got 1,600.00 (difference −50.00)``."""
        if isinstance(self.expected, int | float) and not isinstance(self.expected, bool) and (
                isinstance(self.got, int | float)):
            return (f"{self.key}: expected {self.expected:,.2f}, got {self.got:,.2f} "
                    f"(difference {self.got - self.expected:+,.2f})")
        return f"{self.key}: expected {self.expected!r}, got {self.got!r}"


@dataclass
class Result:
    """A case and what checking it found."""

    file: str
    name: str
    period: str
    failures: list[Failure]
    explanation: Explanation | None = None

    @property
    def passed(self) -> bool:
        """No expected value differs."""
        return not self.failures


def load_cases(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The file's defaults and its cases.

    Raises:
        ReliefsimError: when the file is missing, not YAML, or not shaped as a case file.
    """
    import yaml

    from reliefsim.outputs import check_input

    path = check_input(path)  # a pipe or a device is never read (it may never end)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReliefsimError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ReliefsimError(f"{path}: not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        raise ReliefsimError(f"{path}: not valid YAML ({exc})".replace("\n", " ")) from None
    if isinstance(data, list):
        defaults, cases = {}, data
    elif isinstance(data, Mapping) and isinstance(data.get("cases"), list):
        unknown = sorted(set(data) - FILE_KEYS)
        if unknown:
            raise ReliefsimError(f"{path}: unknown key {unknown[0]!r}; expected some of "
                                 f"{', '.join(sorted(FILE_KEYS))}")
        defaults, cases = {k: v for k, v in data.items() if k != "cases"}, data["cases"]
    else:
        raise ReliefsimError(f"{path}: expected a list of cases, or a mapping with 'cases:'")
    for k, case in enumerate(cases, start=1):
        if not isinstance(case, Mapping):
            raise ReliefsimError(f"{path}, case {k}: expected a mapping with household, members "
                                 "and expected")
        unknown = sorted(set(case) - CASE_KEYS)
        if unknown:
            raise ReliefsimError(f"{path}, case {k} ({case.get('name', '')}): unknown key "
                                 f"{unknown[0]!r}; expected some of {', '.join(sorted(CASE_KEYS))}")
        for key in ("members", "expected"):
            if key not in case:
                raise ReliefsimError(f"{path}, case {k} ({case.get('name', '')}): no {key!r}")
    return dict(defaults), [dict(c) for c in cases]


def _values(scenario: str, reforms: Mapping[str, Any], period: str | None, where: str) -> Any:
    from reliefsim.api import scenario as load
    from reliefsim.parameters import MONTH_PATTERN

    sc = load(scenario, dict(reforms) or None)
    month = str(period) if period is not None else sc.start
    if not MONTH_PATTERN.match(month):
        raise ReliefsimError(f"{where}: period {period!r}; expected YYYY-MM")
    return sc.values_at(month), month


def check_case(case: Mapping[str, Any], defaults: Mapping[str, Any], where: str) -> Result:
    """Run one case through the calculator and compare each expected value."""
    name = str(case.get("name", where))
    reforms = {**(defaults.get("set") or {}), **(case.get("set") or {})}
    v, period = _values(str(case.get("scenario", defaults.get("scenario", "baseline"))),
                        reforms, case.get("period", defaults.get("period")), f"{where} ({name})")
    members = case["members"]
    if not isinstance(members, list) or not all(isinstance(m, Mapping) for m in members):
        raise ReliefsimError(f"{where} ({name}): members must be a list of mappings")
    household = case.get("household") or {}
    if not isinstance(household, Mapping):
        raise ReliefsimError(f"{where} ({name}): household must be a mapping of fields")
    f = household_facts([household], [members], [f"{where} ({name})"],
                        tuple(v.policy.rigid_items))
    paid = np.array([float(case.get("medical_paid_year", 0.0))])
    e = explain(f, v, period, paid)
    got = e.amounts(0)
    tolerance = float(case.get("tolerance", defaults.get("tolerance", DEFAULT_TOLERANCE)))
    expected = case["expected"]
    if not isinstance(expected, Mapping) or not expected:
        raise ReliefsimError(f"{where} ({name}): expected must name at least one value")
    failures = []
    for key, want in expected.items():
        if key not in got:
            raise ReliefsimError(f"{where} ({name}): expected.{key} is not a result; expected "
                                 f"some of {', '.join(got)}")
        if not _same(want, got[key], tolerance):
            failures.append(Failure(key, want, got[key]))
    return Result(where, name, period, failures, e)


def _same(want: Any, got: Any, tolerance: float) -> bool:
    if isinstance(got, list):
        return (isinstance(want, list) and len(want) == len(got)
                and all(_same(w, g, tolerance) for w, g in zip(want, got, strict=True)))
    if isinstance(got, bool):
        return isinstance(want, bool | int) and bool(want) == got
    if isinstance(got, int | float):
        if isinstance(want, str) and want in ("inf", ".inf"):
            want = math.inf
        if not isinstance(want, int | float) or isinstance(want, bool):
            return False
        if math.isinf(got) or math.isinf(want):
            return got == want
        return abs(float(want) - float(got)) <= tolerance
    return str(want) == str(got)


def check_file(path: str | Path) -> list[Result]:
    """Check every case of a file (each as ``FILE, case N``)."""
    defaults, cases = load_cases(path)
    return [check_case(c, defaults, f"{path}, case {k}") for k, c in enumerate(cases, start=1)]


def format_results(results: list[Result], verbose: bool = False) -> str:
    """One line per case (``ok`` or ``FAIL`` with each difference), then a count."""
    lines = []
    for r in results:
        if r.passed:
            if verbose:
                lines.append(f"ok    {r.file} — {r.name} ({r.period})")
            continue
        lines.append(f"FAIL  {r.file} — {r.name} ({r.period})")
        lines.extend(f"        {f.text()}" for f in r.failures)
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return "\n".join(lines)
