"""Calibration and validation against published figures (method of simulated moments).

A calibration file (``calibration/*.toml``) lists *targets* — a published value with its source,
a tolerance and the indicator (or scenario parameter) it maps to, in a named *setting* (a set of
overrides such as "siloed data") — and the *parameters* to estimate with their bounds.

The objective is Σ ((simulated mean − target) ÷ tolerance)² over targets, each evaluation on the
same random streams (common random numbers), so the objective is a smooth-ish deterministic
function of the parameters. A Latin-hypercube search through the experiment executor finds a start;
Nelder–Mead refines it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reliefsim.api import run_all
from reliefsim.designs import as_value
from reliefsim.errors import ReliefsimError
from reliefsim.indicators import BY_NAME, indicator
from reliefsim.results import RunSpec
from reliefsim.scenario import Scenario, load_scenario
from reliefsim.statistics import Interval, mean_interval


@dataclass(frozen=True)
class Target:
    """A published figure the model should reproduce."""

    name: str
    value: float
    tolerance: float
    source: str
    indicator: tuple[str, ...] = ()
    parameter: str = ""
    scale: float = 1.0
    setting: str = "as_is"


@dataclass(frozen=True)
class FreeParameter:
    """A parameter to estimate, with its search bounds."""

    key: str
    low: float
    high: float


@dataclass
class CalibrationSpec:
    """A parsed calibration file."""

    path: Path
    targets: list[Target]
    parameters: list[FreeParameter]
    settings: dict[str, dict[str, Any]]
    households: int = 4000
    months: int = 30
    reps: int = 2
    seed: int = 101
    validation_seed: int = 202
    base: dict[str, Any] = field(default_factory=dict)
    validation_reps: int = 6


def _need(table: dict, key: str, kind: type | tuple, where: str) -> Any:
    if key not in table:
        raise ReliefsimError(f"{where}: missing '{key}'")
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ReliefsimError(f"{where}: '{key}' has the wrong type ({value!r})")
    return value


def load_calibration(path: str | Path, scenario: Scenario | None = None) -> CalibrationSpec:
    """Read and check a calibration file.

    Args:
        path: the calibration file.
        scenario: the scenario whose declarations the keys and bounds are checked against
            (default the baseline).

    Raises:
        ReliefsimError: naming the file, the target and what is wrong (unknown indicator,
            tolerance ≤ 0, unknown setting or parameter, bad bounds).
    """
    path = Path(path)
    sc = scenario or load_scenario("baseline")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReliefsimError(f"{path}: calibration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReliefsimError(f"{path}: not valid TOML: {exc}") from None
    run = data.get("run", {})
    settings = {"as_is": {}}
    for name, overrides in data.get("setting", {}).items():
        for key, value in overrides.items():
            sc.check_key(key, f"{path}: setting {name}")
            spec = sc.spec(key)
            if spec.problem(spec.coerce(value)) is not None:
                raise ReliefsimError(f"{path}: setting {name}: {key} = {value!r}: expected "
                                     f"{spec.describe()}")
        settings[name] = dict(overrides)
    base = dict(run.get("set", {}))
    for key in base:
        sc.check_key(key, f"{path}: [run.set]")
    targets = []
    for k, t in enumerate(data.get("target", [])):
        where = f"{path}: target {t.get('name', k + 1)}"
        name = _need(t, "name", str, where)
        tol = float(_need(t, "tolerance", (int, float), where))
        if tol <= 0:
            raise ReliefsimError(f"{where}: tolerance {tol:g} must be > 0")
        names = t.get("indicator", ())
        names = (names,) if isinstance(names, str) else tuple(names)
        parameter = t.get("parameter", "")
        if bool(names) == bool(parameter):
            raise ReliefsimError(f"{where}: give exactly one of 'indicator' or 'parameter'")
        for ind in names:
            if ind not in BY_NAME:
                try:
                    indicator(ind)
                except ReliefsimError as exc:
                    raise ReliefsimError(f"{where}: {exc}") from None
        if parameter:
            sc.check_key(parameter, where)
        setting = t.get("setting", "as_is")
        if setting not in settings:
            raise ReliefsimError(f"{where}: unknown setting {setting!r} (defined: "
                                 f"{', '.join(settings)})")
        targets.append(Target(name, float(_need(t, "value", (int, float), where)), tol,
                              _need(t, "source", str, where), names, parameter,
                              float(t.get("scale", 1.0)), setting))
    if not targets:
        raise ReliefsimError(f"{path}: no [[target]] tables")
    params = []
    for p in data.get("parameter", []):
        where = f"{path}: parameter {p.get('key', '?')}"
        key = _need(p, "key", str, where)
        sc.check_key(key, where)
        low, high = float(_need(p, "low", (int, float), where)), float(
            _need(p, "high", (int, float), where))
        if not low < high:
            raise ReliefsimError(f"{where}: low must be < high")
        spec = sc.spec(key)
        for bound in (low, high):
            if spec.problem(spec.coerce(as_value(sc, key, bound))) is not None:
                raise ReliefsimError(f"{where}: bound {bound:g}: expected {spec.describe()}")
        params.append(FreeParameter(key, low, high))
    sizes = {name: int(run[name]) for name in ("households", "months", "reps", "seed",
                                                 "validation_seed", "validation_reps")
             if name in run}  # the others keep CalibrationSpec's defaults
    return CalibrationSpec(path, targets, params, settings, base=base, **sizes)


@dataclass
class TargetResult:
    """One target against the model."""

    target: Target
    simulated: Interval

    @property
    def within(self) -> bool:
        """Simulated mean within the tolerance of the published value."""
        return bool(abs(self.simulated.mean - self.target.value) <= self.target.tolerance)

    @property
    def z(self) -> float:
        """(simulated − target) ÷ tolerance."""
        return (self.simulated.mean - self.target.value) / self.target.tolerance


def evaluate(spec: CalibrationSpec, scenario: Scenario, point: dict[str, Any], seed: int,
             workers: int = 1, dask: str | None = None) -> list[TargetResult]:
    """Simulate every setting the targets need at ``point`` and compare with the targets."""
    needed = sorted({t.setting for t in spec.targets if t.indicator})
    specs = [RunSpec(scenario, spec.households, spec.months, seed, r,
                     _overrides(spec, setting, point))
             for setting in needed for r in range(spec.reps)]
    results = run_all(specs, workers, dask, progress=False)  # in spec order
    by_setting = {s: [r.summary for r in results[k * spec.reps:(k + 1) * spec.reps]]
                  for k, s in enumerate(needed)}
    out = []
    for t in spec.targets:
        if t.parameter:
            value = scenario.with_overrides(_overrides(spec, t.setting, point)).value(t.parameter)
            out.append(TargetResult(t, Interval(float(value), float(value), float(value))))
            continue
        values = [t.scale * sum(s[i] for i in t.indicator) for s in by_setting[t.setting]]
        out.append(TargetResult(t, mean_interval(values)))
    return out


def _overrides(spec: CalibrationSpec, setting: str, point: dict[str, Any]) -> dict[str, Any]:
    """The overrides of one setting at ``point``: the run's, the setting's, then the point's."""
    return {**spec.base, **spec.settings[setting], **point}


def objective(results: list[TargetResult]) -> float:
    """Σ z² over targets (NaN counts as a large miss)."""
    return float(sum(min(r.z ** 2, 1e4) if np.isfinite(r.z) else 1e4 for r in results))


@dataclass
class Fit:
    """The result of a calibration."""

    point: dict[str, Any]
    objective: float
    evaluations: int
    results: list[TargetResult]


def calibrate(spec: CalibrationSpec, scenario: Scenario | str = "baseline", global_points: int = 12,
              local_iterations: int = 30, workers: int = 1, dask: str | None = None,
              log: Callable[[str], None] = print) -> Fit:
    """Latin-hypercube global search, then Nelder–Mead, on common random numbers."""
    from scipy.optimize import minimize
    from scipy.stats import qmc

    if not spec.parameters:
        raise ReliefsimError(f"{spec.path}: no [[parameter]] to calibrate")
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    lows = np.array([p.low for p in spec.parameters])
    highs = np.array([p.high for p in spec.parameters])
    count = [0]

    def point_of(u: np.ndarray) -> dict[str, Any]:
        x = lows + np.clip(u, 0.0, 1.0) * (highs - lows)
        return {p.key: as_value(scen, p.key, v) for p, v in zip(spec.parameters, x, strict=True)}

    def f(u: np.ndarray) -> float:
        count[0] += 1
        return objective(evaluate(spec, scen, point_of(u), spec.seed, workers, dask))

    starts = qmc.LatinHypercube(d=len(lows), seed=spec.seed).random(global_points)
    scores = []
    for k, u in enumerate(starts):
        scores.append(f(u))
        log(f"global {k + 1}/{global_points}: objective {scores[-1]:.3f}")
    best = starts[int(np.argmin(scores))]
    log(f"best start: objective {min(scores):.3f}; Nelder–Mead …")
    res = minimize(f, best, method="Nelder-Mead",
                   options={"maxfev": local_iterations, "xatol": 1e-3, "fatol": 1e-3,
                            "initial_simplex": _simplex(best)})
    u = res.x if res.fun <= min(scores) else best
    point = point_of(u)
    results = evaluate(spec, scen, point, spec.seed, workers, dask)
    return Fit(point, objective(results), count[0], results)


def _simplex(u: np.ndarray) -> np.ndarray:
    step = 0.15
    pts = [u]
    for k in range(len(u)):
        v = u.copy()
        v[k] = v[k] + step if v[k] + step <= 1 else v[k] - step
        pts.append(v)
    return np.array(pts)


def write_calibrated(fit: Fit, spec: CalibrationSpec, path: Path, scenario: Scenario) -> Path:
    """Write the calibrated values as a scenario file that ``baseline.toml`` includes."""
    stamp = dt.date.today().isoformat()
    lines = ["# Written by `reliefsim calibrate " + str(spec.path) + f"` on {stamp}.",
             f"# Objective Σ z² = {fit.objective:.3f} after {fit.evaluations} evaluations "
             f"({spec.households} households × {spec.months} months × {spec.reps} reps, "
             f"seed {spec.seed}).",
             'description = "Calibrated values (method of simulated moments)"', ""]
    for key, value in sorted(fit.point.items()):
        unit = scenario.params[key].unit
        lines += [f"[{key}]", f"value = {value!r}", f'unit = "{unit}"',
                  f'source = "calibrated to {spec.path.name} ({stamp}); see calibration/README.md"',
                  ""]
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)
    return path


def format_validation(results: list[TargetResult], title: str) -> str:
    """The validation table: source, published value, simulated mean [95 % CI], within?"""
    lines = [title, ""]
    for r in results:
        t = r.target
        ok = "yes" if r.within else "NO"
        sim = r.simulated
        ci = ("" if not np.isfinite(sim.low) or sim.low == sim.high
              else f" [{_n(sim.low)}, {_n(sim.high)}]")
        lines.append(f"{t.name}  ({t.setting})")
        lines.append(f"    published {_n(t.value)} ± {_n(t.tolerance)}   simulated "
                     f"{_n(sim.mean)}{ci}   within: {ok}")
        lines.append(f"    source: {t.source}")
    n_ok = sum(r.within for r in results)
    lines += ["", f"{n_ok} of {len(results)} targets within tolerance"]
    return "\n".join(lines)


def _n(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"
