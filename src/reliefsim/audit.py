"""The dead-parameter audit: does every parameter of a scenario move something?

Each parameter is moved to both ends of its declared range (a switch is flipped; a list is
replaced by its extreme forms, see :func:`probes`) and the scenario is run on the same random
numbers as the unchanged one. A parameter is *dead* when no probe changes any indicator of the
run: its mechanism is missing, or it should go. A few parameters are exempt, each for a stated
reason (:data:`EXEMPT`); a probe the scenario refuses (its months would leave a range) is
reported, not run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reliefsim.errors import ReliefsimError
from reliefsim.parameters import Param
from reliefsim.results import RunSpec
from reliefsim.scenario import Scenario

EXEMPT: dict[str, str] = {
    "run.households": "the sample's size, not the city",
    "run.months": "the run's length, not the city",
    "run.seed": "the random numbers themselves",
    "run.start": "the calendar the dated values are read on",
    "run.warmup_months": "which months are measured, not what happens in them",
    "population.district_names": "labels",
}
"""Parameters the audit does not probe, and why."""
CONDITIONS: dict[str, dict[str, Any]] = {
    # parameters of a mechanism the baseline leaves switched off: probed with it on
    "behaviour.assisted_factor": {"policy.assisted_application": True},
    "warnings.screening_months": {"warnings.screening": True},
    "departments.finance.lag_months": {"warnings.screening": True,
                                       "population.misreporter_share": 0.3},
    # rare events, made common enough to show in a small city
    "departments.emergency_management.lag_months": {"shocks.disaster_district": 0.2},
    "warnings.disaster_hit": {"shocks.disaster_district": 0.2},
    "economy.home_purchase": {"economy.home_deposit": 50000.0},
    "economy.home_deposit": {"economy.home_purchase": 0.05},
    "shocks.disaster_cost.damaged": {"shocks.disaster_district": 0.2,
                                     "shocks.disaster_share_hit": 0.2},
    "special.disaster_grant.damaged": {"shocks.disaster_district": 0.2,
                                       "shocks.disaster_share_hit": 0.2},
    "shocks.disaster_cost.collapsed": {"shocks.disaster_district": 0.2,
                                       "shocks.disaster_damage_probs": [0.2, 0.3, 0.5]},
    "special.disaster_grant.collapsed": {"shocks.disaster_district": 0.2,
                                         "shocks.disaster_damage_probs": [0.2, 0.3, 0.5]},
    "warnings.disability_onset": {"shocks.disability_onset_under60": 0.01,
                                  "shocks.disability_onset_60plus": 0.01},
    "policy.care_allowance": {"population.capable_supporter_share": 0.0,
                              "population.unable_self_care_share_75plus": 0.6},
    "economy.home_sale_value": {"economy.home_sale": 0.3},
    "demography.leaver_asset_share": {"demography.leave_home": 0.1},
    # a pending application needs a queue
    "policy.temporary_while_pending": {"casework.visits_per_month": 20.0},
}
"""Parameters probed in a setting where their mechanism runs (the same for the unchanged run)."""
RELATIVE = 1e-9
"""Indicators differing by less than this (relative) count as unchanged."""


@dataclass
class AuditResult:
    """What the audit found.

    Attributes:
        checked: parameters probed.
        dead: parameters no probe changed anything with (key → the probes tried).
        refused: probes the scenario refused (key → reason), not run.
        failed: probes whose run broke (key=value → the error): the range admits a value the
            model cannot run.
        exempt: parameters not probed (key → reason).
        moved: per probed parameter, how many indicators its strongest probe changed.
    """

    checked: list[str] = field(default_factory=list)
    dead: dict[str, list[str]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    exempt: dict[str, str] = field(default_factory=dict)
    moved: dict[str, int] = field(default_factory=dict)


def probes(param: Param, current: Any) -> list[Any]:
    """The extreme values to try for one parameter (valid ones only, none equal to ``current``).

    Numbers: both ends of the range. Switches: the other setting. Lists of numbers that sum to a
    total: all of it on the first element, then on the last; other number lists: each element
    at 0.8 and 1.2 times its value (within the range). Lists of choices: none, and all of them.
    """
    spec = param.spec
    out: list[Any] = []
    if spec.kind == "bool":
        out = [not current]
    elif spec.kind in ("float", "int"):
        cast: Callable[[float], Any] = int if spec.kind == "int" else float
        out = [cast(x) for x in (spec.low, spec.high) if x is not None and math.isfinite(x)]
    elif spec.kind == "list[float]" and spec.sums_to is not None:
        n = len(current)
        out = [[spec.sums_to] + [0.0] * (n - 1), [0.0] * (n - 1) + [spec.sums_to]]
    elif spec.kind in ("list[float]", "list[int]") and spec.choices is None:
        lo = spec.low if spec.low is not None else -math.inf
        hi = spec.high if spec.high is not None else math.inf
        cast = int if spec.kind == "list[int]" else float
        if spec.kind == "list[int]" and spec.low is not None and spec.high is not None:
            out = [[], list(range(int(spec.low), int(spec.high) + 1))]
        else:
            out = [[cast(min(max(x * f, lo), hi)) for x in current] for f in (0.8, 1.2)]
    elif spec.kind == "list[str]" and spec.choices:
        out = [[], list(spec.choices)]
    return [p for p in out if p != current and spec.problem(p) is None]


def run_audit(scenario: Scenario, households: int, months: int, seed: int, workers: int = 1,
              dask: str | None = None, only: list[str] | None = None) -> AuditResult:
    """Probe every parameter of ``scenario`` (or those in ``only``) and compare with it.

    Args:
        scenario: the scenario to audit.
        households: simulated households per run.
        months: months per run (every month is measured: no warm-up).
        seed: root seed (the same for every run: common random numbers).
        workers: local processes.
        dask: Dask scheduler address.
        only: parameter keys to probe (default all).
    """
    from reliefsim.api import run_all

    base = scenario.with_overrides({"run.warmup_months": 0}, origin="audit")
    result = AuditResult()
    specs = [RunSpec(base, households, months, seed)]
    reference_of: dict[str, int] = {}  # probed parameter → its unchanged run
    tried: dict[str, list[tuple[str, int]]] = {}
    for key in sorted(only or base.params):
        if key in EXEMPT:
            result.exempt[key] = EXEMPT[key]
            continue
        setting = {k: v for k, v in CONDITIONS.get(key, {}).items() if k in base.params}
        if setting:
            reference_of[key] = len(specs)
            specs.append(RunSpec(base, households, months, seed, point=setting))
        current = base.value(key)
        for value in probes(base.params[key], current):
            point = _accepted(base, {**setting, key: value}, key, current, months, result)
            if point is None:
                continue
            tried.setdefault(key, []).append((repr(point[key]), len(specs)))
            specs.append(RunSpec(base, households, months, seed, point=point))
    try:
        summaries: list[dict[str, float] | str] = [
            r.summary for r in run_all(specs, workers, dask, label="audit runs", progress=False)]
    except Exception:  # some probe breaks a run: find which, one run at a time
        summaries = [_one(spec) for spec in specs]
    if isinstance(summaries[0], str):
        raise ReliefsimError(f"{scenario.name}: the scenario itself fails to run "
                             f"({summaries[0]})")
    for key, items in tried.items():
        result.checked.append(key)
        reference = summaries[reference_of.get(key, 0)]
        if isinstance(reference, str):
            result.failed[f"{key} (its setting)"] = reference
            continue
        changed = []
        for text, k in items:
            outcome = summaries[k]
            if isinstance(outcome, str):
                result.failed[f"{key}={text}"] = outcome
                changed.append(len(reference))
            else:
                changed.append(_changes(reference, outcome))
        result.moved[key] = max(changed)
        if not any(changed):
            result.dead[key] = [text for text, _ in items]
    return result


def _accepted(base: Scenario, point: dict[str, Any], key: str, current: Any, months: int,
              result: AuditResult) -> dict[str, Any] | None:
    """``point``, or a number probe moved back towards ``current`` until the scenario takes it.

    A range's end may break a rule joining it with other parameters (a minimum age above its
    maximum, event probabilities that add up to more than one): the probe is halved towards the
    current value up to four times; what the scenario still refuses is recorded, not run.
    """
    value = point[key]
    for _ in range(5):
        try:
            base.with_overrides(point, origin="audit").check_months(months)
            return point
        except ReliefsimError as exc:
            problem = str(exc)
        if not isinstance(value, int | float) or isinstance(value, bool):
            break
        value = type(value)((value + current) / 2)
        if value == current:
            break
        point = {**point, key: value}
    result.refused[f"{key}={point[key]!r}"] = problem
    return None


def _one(spec: RunSpec) -> dict[str, float] | str:
    """One run's summary, or what went wrong (a probe at a range's end may break the model)."""
    from reliefsim.experiment import run_spec

    try:
        return run_spec(spec).summary
    except Exception as exc:  # reported by the audit, not raised
        return f"{type(exc).__name__}: {exc}"


def _changes(a: dict[str, float], b: dict[str, float]) -> int:
    """How many indicators differ between two summaries (NaN equals NaN)."""
    out = 0
    for name, x in a.items():
        y = b.get(name, math.nan)
        if math.isnan(x) and math.isnan(y):
            continue
        if math.isnan(x) or math.isnan(y) or abs(x - y) > RELATIVE * max(abs(x), abs(y), 1e-300):
            out += 1
    return out


def format_audit(result: AuditResult, title: str) -> str:
    """The audit as text: what was checked, the exempt with their reasons, the dead, refusals."""
    lines = [title, "",
             f"{len(result.checked)} parameter(s) moved to the ends of their ranges; "
             f"{len(result.dead)} changed nothing.", ""]
    if result.exempt:
        lines.append("Not probed:")
        lines += [f"  {k}: {reason}" for k, reason in sorted(result.exempt.items())]
    if result.refused:
        lines += ["", "Probes the scenario refused (not run):"]
        lines += [f"  {k}: {reason}" for k, reason in sorted(result.refused.items())]
    if result.failed:
        lines += ["", "Probes that broke the run (the range admits a value the model cannot run):"]
        lines += [f"  {k}: {reason}" for k, reason in sorted(result.failed.items())]
    lines += ["", "Dead (no indicator moved at either end):" if result.dead
              else "Dead: none"]
    lines += [f"  {k} (tried {', '.join(v)})" for k, v in sorted(result.dead.items())]
    return "\n".join(lines)
