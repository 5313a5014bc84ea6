"""Calibration and validation against published figures (method of simulated moments).

A calibration file (``calibration/*.toml``) lists

- *targets*: a published value with its source, a tolerance (read as the figure's standard
  error: a miss of one tolerance counts as z = 1) and the indicator it maps to, in a named
  *setting* (a set of overrides, such as "siloed data" or "measured in 2023"); a target with
  ``fit = false`` is checked out of sample and never fitted;
- *parameters* to estimate, each with a range that is a published plausible range (its
  ``range_source`` says where the range comes from);
- a *backcast*: the city started earlier with that year's lines, run forward, and compared with
  later published figures.

The objective is Σ z² over the fitted targets, every evaluation on the same random streams
(common random numbers). A Latin-hypercube search finds a start; a bounded least-squares solver
(trust region reflective, finite-difference Jacobian) refines it. The Jacobian J of the z-scores
at the estimate gives the estimates' covariance, (JᵀJ)⁻¹ (the tolerances as the targets'
standard errors); a parameter whose column of J is zero, or nearly collinear with others, is not
identified, and the fit says so.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
    """A published figure the model should reproduce (or, with ``fit`` false, is checked on)."""

    name: str
    value: float
    tolerance: float
    source: str
    indicator: tuple[str, ...] = ()
    parameter: str = ""
    scale: float = 1.0
    setting: str = "as_is"
    fit: bool = True


@dataclass(frozen=True)
class FreeParameter:
    """A parameter to estimate, with its plausible range and where that range comes from."""

    key: str
    low: float
    high: float
    range_source: str = ""


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
    backcast: dict[str, Any] = field(default_factory=dict)
    step: float = 0.1
    """Finite-difference step, as a share of each parameter's range: wide enough that the
    simulated households' discreteness does not make the differences noise."""

    @property
    def fitted(self) -> list[Target]:
        """The targets the fit uses."""
        return [t for t in self.targets if t.fit]


def _need(table: dict, key: str, kind: type | tuple, where: str) -> Any:
    if key not in table:
        raise ReliefsimError(f"{where}: missing '{key}'")
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ReliefsimError(f"{where}: '{key}' has the wrong type ({value!r})")
    return value


def _check_overrides(sc: Scenario, overrides: dict[str, Any], where: str) -> dict[str, Any]:
    for key, value in overrides.items():
        sc.check_key(key, where)
        spec = sc.spec(key)
        if spec.problem(spec.coerce(value)) is not None:
            raise ReliefsimError(f"{where}: {key} = {value!r}: expected {spec.describe()}")
    return dict(overrides)


def _target(t: dict, k: int, path: Path, settings: dict, sc: Scenario) -> Target:
    where = f"{path}: target {t.get('name', k + 1)}"
    name = _need(t, "name", str, where)
    tol = float(_need(t, "tolerance", (int, float), where))
    if not tol > 0:
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
    fit = t.get("fit", True)
    if not isinstance(fit, bool):
        raise ReliefsimError(f"{where}: 'fit' must be true or false")
    return Target(name, float(_need(t, "value", (int, float), where)), tol,
                  _need(t, "source", str, where), names, parameter,
                  float(t.get("scale", 1.0)), setting, fit)


def _whole(value: Any, where: str) -> int:
    """A whole number ≥ 0 from a calibration file, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReliefsimError(f"{where} = {value!r}: expected a whole number ≥ 0")
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
    except (OSError, UnicodeDecodeError) as exc:
        raise ReliefsimError(f"{path}: cannot read the calibration file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReliefsimError(f"{path}: not valid TOML: {exc}") from None
    run = data.get("run", {})
    settings: dict[str, dict[str, Any]] = {"as_is": {}}
    for name, overrides in data.get("setting", {}).items():
        settings[name] = _check_overrides(sc, overrides, f"{path}: setting {name}")
    base = _check_overrides(sc, run.get("set", {}), f"{path}: [run.set]")
    targets = [_target(t, k, path, settings, sc) for k, t in enumerate(data.get("target", []))]
    if not any(t.fit for t in targets):
        raise ReliefsimError(f"{path}: no [[target]] to fit")
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
        params.append(FreeParameter(key, low, high, str(p.get("range_source", ""))))
    backcast = dict(data.get("backcast", {}))
    if backcast:
        where = f"{path}: [backcast]"
        backcast["set"] = _check_overrides(sc, backcast.get("set", {}), where)
        backcast["targets"] = [
            _target(t, k, path, {"as_is": {}}, sc)
            for k, t in enumerate(backcast.get("target", []))]
        for key in ("households", "months", "reps"):
            _need(backcast, key, int, where)
    sizes = {name: _whole(run[name], f"{path}: [run] {name}")
             for name in ("households", "months", "reps", "seed", "validation_seed",
                          "validation_reps")
             if name in run}
    step = float(run.get("step", 0.1))
    if not 0 < step <= 0.5:
        raise ReliefsimError(f"{path}: [run] step {step:g}: expected a share of the range in "
                             "(0, 0.5]")
    return CalibrationSpec(path, targets, params, settings, base=base, backcast=backcast,
                           step=step, **sizes)


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
             workers: int = 1, dask: str | None = None, targets: list[Target] | None = None
             ) -> list[TargetResult]:
    """Simulate every setting the targets need at ``point`` and compare with the targets.

    Args:
        spec: the calibration.
        scenario: the scenario to evaluate.
        point: parameter values to try (``{key: value}``).
        seed: root seed.
        workers: local processes.
        dask: Dask scheduler address.
        targets: the targets to evaluate (default all of the file's, fitted or not).
    """
    targets = spec.targets if targets is None else targets
    needed = sorted({t.setting for t in targets if t.indicator})
    specs = [RunSpec(scenario, spec.households, spec.months, seed, r,
                     _overrides(spec, setting, point))
             for setting in needed for r in range(spec.reps)]
    results = run_all(specs, workers, dask, progress=False)  # in spec order
    by_setting = {s: [r.summary for r in results[k * spec.reps:(k + 1) * spec.reps]]
                  for k, s in enumerate(needed)}
    out = []
    for t in targets:
        if t.parameter:
            value = scenario.with_overrides(_overrides(spec, t.setting, point)).value(t.parameter)
            out.append(TargetResult(t, Interval(float(value), float(value), float(value))))
            continue
        values = [t.scale * sum(s[i] for i in t.indicator) for s in by_setting[t.setting]]
        out.append(TargetResult(t, mean_interval(values)))
    return out


def backcast(spec: CalibrationSpec, scenario: Scenario, seed: int, workers: int = 1,
             dask: str | None = None) -> list[TargetResult]:
    """The backcast: the city started earlier (``[backcast.set]``) and compared later on."""
    if not spec.backcast:
        return []
    b = spec.backcast
    sub = replace(spec, households=b["households"], months=b["months"], reps=b["reps"],
                  base={**spec.base, **b["set"]}, settings={"as_is": {}})
    return evaluate(sub, scenario, {}, seed, workers, dask, b["targets"])


def _overrides(spec: CalibrationSpec, setting: str, point: dict[str, Any]) -> dict[str, Any]:
    """The overrides of one setting at ``point``: the run's, the setting's, then the point's."""
    return {**spec.base, **spec.settings[setting], **point}


def objective(results: list[TargetResult]) -> float:
    """Σ z² over the fitted targets (NaN counts as a large miss)."""
    return float(sum(min(r.z ** 2, 1e4) if np.isfinite(r.z) else 1e4
                     for r in results if r.target.fit))


def residuals(results: list[TargetResult]) -> np.ndarray:
    """The fitted targets' z-scores (a NaN as a miss of 100 tolerances)."""
    return np.array([r.z if np.isfinite(r.z) else 100.0 for r in results if r.target.fit])


@dataclass
class Fit:
    """The result of a calibration.

    Attributes:
        point: the estimates, ``{key: value}``.
        objective: Σ z² at the estimates.
        evaluations: how many times the model was evaluated.
        results: every target at the estimates.
        se: per parameter, the standard error ((JᵀJ)⁻¹'s diagonal, square-rooted); NaN where
            the parameter is not identified.
        covariance: the estimates' covariance matrix (parameters in the file's order).
        jacobian: ∂z/∂θ at the estimates (targets × parameters).
        identified: per parameter, whether the targets pin it down.
    """

    point: dict[str, Any]
    objective: float
    evaluations: int
    results: list[TargetResult]
    se: dict[str, float] = field(default_factory=dict)
    covariance: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    jacobian: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    identified: dict[str, bool] = field(default_factory=dict)


def calibrate(spec: CalibrationSpec, scenario: Scenario | str = "baseline",
              global_points: int = 12, local_iterations: int = 30, workers: int = 1,
              dask: str | None = None, log: Callable[[str], None] = print) -> Fit:
    """A global search, then bounded least squares on the z-scores from its best point.

    The global search tries the scenario's own values and a Latin hypercube over the ranges;
    the fit ends with the estimates' standard errors.

    Args:
        spec: the calibration.
        scenario: the scenario to calibrate.
        global_points: Latin-hypercube points of the global search.
        local_iterations: most evaluations of the least-squares refinement.
        workers: local processes.
        dask: Dask scheduler address.
        log: where progress lines go.
    """
    from scipy.optimize import least_squares
    from scipy.stats import qmc

    if not spec.parameters:
        raise ReliefsimError(f"{spec.path}: no [[parameter]] to calibrate")
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    lows = np.array([p.low for p in spec.parameters])
    highs = np.array([p.high for p in spec.parameters])
    count = [0]
    fitted = spec.fitted

    def point_of(u: np.ndarray) -> dict[str, Any]:
        x = lows + np.clip(u, 0.0, 1.0) * (highs - lows)
        return {p.key: as_value(scen, p.key, v) for p, v in zip(spec.parameters, x, strict=True)}

    seen: dict[tuple[float, ...], np.ndarray] = {}

    def z(u: np.ndarray) -> np.ndarray:
        key = tuple(np.round(u, 12))
        if key not in seen:
            count[0] += 1
            seen[key] = residuals(evaluate(spec, scen, point_of(u), spec.seed, workers, dask,
                                           fitted))
        return seen[key]

    def forward(u: np.ndarray) -> np.ndarray:
        """Forward differences of ``spec.step`` of each range (backward at the top)."""
        z0, jac = z(u), np.zeros((len(fitted), len(u)))
        for k in range(len(u)):
            moved = u.copy()
            moved[k] = u[k] + spec.step if u[k] + spec.step <= 1.0 else u[k] - spec.step
            jac[:, k] = (z(moved) - z0) / (moved[k] - u[k])
        return jac

    # the scenario's own values first, then a Latin hypercube over the ranges
    own = np.array([(float(scen.value(p.key)) - p.low) / (p.high - p.low)
                    for p in spec.parameters])
    starts = np.vstack([np.clip(own, 0.0, 1.0)[None, :],
                        qmc.LatinHypercube(d=len(lows), seed=spec.seed).random(global_points)])
    scores = []
    for k, u in enumerate(starts):
        scores.append(float(np.sum(z(u) ** 2)))
        where = "the scenario's values" if k == 0 else f"global {k}/{global_points}"
        log(f"{where}: objective {scores[-1]:.3f}")
    best = starts[int(np.argmin(scores))]
    log(f"best start: objective {min(scores):.3f}; least squares …")
    res = least_squares(z, best, jac=forward, bounds=(0.0, 1.0), method="trf",
                        max_nfev=local_iterations, x_scale=1.0)
    u = res.x if 2 * res.cost <= min(scores) else best
    point = point_of(u)
    results = evaluate(spec, scen, point, spec.seed, workers, dask)
    log(f"least squares: objective {objective(results):.3f}; the Jacobian for the standard "
        "errors …")
    jac = _jacobian(z, u, residuals(results), spec.step)
    fit = Fit(point, objective(results), count[0], results)
    _standard_errors(fit, spec, jac, highs - lows)
    return fit


def _jacobian(z: Callable[[np.ndarray], np.ndarray], u: np.ndarray, z0: np.ndarray,
              step: float = 0.1) -> np.ndarray:
    """∂z/∂u by central differences of ``step`` of each range (one-sided at a bound)."""
    jac = np.zeros((len(z0), len(u)))
    for k in range(len(u)):
        up, down = u.copy(), u.copy()
        up[k] = min(u[k] + step, 1.0)
        down[k] = max(u[k] - step, 0.0)
        jac[:, k] = (z(up) - z(down)) / (up[k] - down[k])
    return jac


def _standard_errors(fit: Fit, spec: CalibrationSpec, jac_u: np.ndarray,
                     width: np.ndarray) -> None:
    """Covariance (JᵀJ)⁻¹ in the parameters' own units, and which parameters are identified.

    The inverse is taken on the ranges' unit scale (each parameter as its share of its range),
    where the columns are comparable, and then carried to the parameters' units; a parameter
    is identified when the targets move with it and its standard error is below its range.
    """
    fit.jacobian = jac_u / width  # ∂z/∂θ
    info = jac_u.T @ jac_u
    names = [p.key for p in spec.parameters]
    strength = np.sqrt(np.diag(info))
    cov_u = np.linalg.pinv(info, rcond=1e-10)
    fit.covariance = cov_u * np.outer(width, width)
    for k, name in enumerate(names):
        se = float(np.sqrt(max(fit.covariance[k, k], 0.0)))
        ok = bool(strength[k] > 0 and np.isfinite(se) and se < width[k])
        fit.se[name] = se if ok else float("nan")
        fit.identified[name] = ok


CALIBRATED_MARKER = "# Written by `reliefsim calibrate"
"""First line of a file :func:`write_calibrated` wrote (such a file is replaced freely)."""


def check_calibrated_target(path: Path, calibration: Path, scenario: str | Path,
                            force: bool = False) -> Path:
    """Check where ``calibrate`` will write (the file and its fit record), before it runs.

    The file may be the calibrated-values file the scenario includes (replacing it is what
    ``calibrate`` is for) but never the calibration file or a scenario file of the ``extends``
    chain; an existing file that ``calibrate`` did not write is replaced only with ``force``.

    Raises:
        ReliefsimError: naming ``--write``, the path and the reason.
    """
    import os

    from reliefsim.outputs import check_file
    from reliefsim.scenario import source_files

    chain, _ = source_files(scenario)
    inputs = {"calibration": [calibration], "scenario": chain}
    ours = False
    if os.path.isfile(path) and not os.path.islink(path):  # never open a pipe or a device
        try:
            with open(path, "rb") as fh:
                ours = fh.read(len(CALIBRATED_MARKER)) == CALIBRATED_MARKER.encode()
        except OSError:
            ours = False
    expect = "a scenario file name (NAME.toml)"
    check_file(path, "--write", inputs=inputs, force=force or ours, expect=expect)
    check_file(fit_path(Path(path)), "--write", inputs=inputs, force=force or ours,
               expect="the fit record's file name")
    return Path(path)


def write_calibrated(fit: Fit, spec: CalibrationSpec, path: Path, scenario: Scenario,
                     validation: list[TargetResult] | None = None) -> Path:
    """Write the calibrated values as a scenario file that ``baseline.toml`` includes.

    Beside it, ``NAME.fit.json`` keeps the estimates' covariance for the forecast's
    parameter uncertainty (:func:`load_fit`) and each target's validation status (fresh
    seeds: ``validation``; the fit's own results when none is given).
    """
    from reliefsim.parameters import to_toml

    stamp = dt.date.today().isoformat()
    lines = [f"{CALIBRATED_MARKER} {spec.path}` on {stamp}.",
             f"# Objective Σ z² = {fit.objective:.3f} over {len(spec.fitted)} fitted targets "
             f"after {fit.evaluations} evaluations ({spec.households} households × "
             f"{spec.months} months × {spec.reps} reps, seed {spec.seed}).",
             'description = "Calibrated values (method of simulated moments)"', ""]
    ranges = {p.key: p for p in spec.parameters}
    for key, value in sorted(fit.point.items()):
        unit = scenario.params[key].unit
        r = ranges[key]
        se = fit.se.get(key, float("nan"))
        shown = f"standard error {se:.4g}" if np.isfinite(se) else "not identified"
        note = f"Estimate, {shown}; searched in [{r.low:g}, {r.high:g}]: {r.range_source}"
        source = f"calibrated to {spec.path.name} ({stamp}); see calibration/README.md"
        lines += [f"[{key}]", f"value = {to_toml(value)}", f"unit = {to_toml(unit)}",
                  f"source = {to_toml(source)}", f"description = {to_toml(note)}", ""]
    _atomic_write(path, "\n".join(lines))
    record = {"written": stamp, "calibration": str(spec.path), "objective": fit.objective,
              "parameters": list(fit.point),
              "estimates": [float(v) for v in fit.point.values()],
              "low": [ranges[k].low for k in fit.point],
              "high": [ranges[k].high for k in fit.point],
              "covariance": fit.covariance.tolist(),
              "identified": [fit.identified.get(k, False) for k in fit.point],
              "targets": [_status(r) for r in (validation or fit.results)]}
    _atomic_write(fit_path(path), json.dumps(record, indent=1))
    return path


def _status(r: TargetResult) -> dict[str, Any]:
    t = r.target
    return {"name": t.name, "indicator": list(t.indicator), "setting": t.setting,
            "published": t.value, "tolerance": t.tolerance, "simulated": r.simulated.mean,
            "within": r.within, "fitted": t.fit, "source": t.source}


def fit_path(calibrated: Path) -> Path:
    """The fit record beside a calibrated scenario file: ``NAME.toml`` → ``NAME.fit.json``."""
    return calibrated.with_name(calibrated.stem + ".fit.json")


def _atomic_write(path: Path, text: str) -> None:
    """Write beside ``path`` and rename it into place (:mod:`reliefsim.outputs`).

    The command checked ``path`` before calibrating (:func:`check_calibrated_target`).
    """
    from reliefsim.outputs import write_text

    write_text(path, text, force=True)


@dataclass
class FitRecord:
    """A calibration's estimates and their covariance (for drawing parameter sets)."""

    parameters: list[str]
    estimates: np.ndarray
    low: np.ndarray
    high: np.ndarray
    covariance: np.ndarray
    identified: np.ndarray
    targets: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None

    def spending_targets(self) -> list[dict[str, Any]]:
        """The validation status of the targets on spending (indicators ``spend.*``)."""
        return [t for t in self.targets if any(i.startswith("spend.") for i in t["indicator"])]

    def draw(self, n: int, seed: int) -> list[dict[str, float]]:
        """``n`` parameter sets from the estimates' sampling distribution.

        Normal about the estimates with their covariance, cut to the ranges; parameters not
        identified stay at their estimates. The normals come from the common-random-number
        streams of ``seed`` (purpose ``parameter-sets``).
        """
        from reliefsim.rng import Streams

        keep = np.flatnonzero(self.identified)
        draws = np.tile(self.estimates, (n, 1))
        if len(keep):
            # z ~ N(0, I) from the run's own streams, carried by the covariance's square root
            values, vectors = np.linalg.eigh(self.covariance[np.ix_(keep, keep)])
            root = vectors * np.sqrt(np.maximum(values, 0.0))
            z = Streams(seed).normal("parameter-sets", -1, n * len(keep)).reshape(n, len(keep))
            draws[:, keep] = self.estimates[keep] + z @ root.T
        draws = np.clip(draws, self.low, self.high)
        return [dict(zip(self.parameters, row.tolist(), strict=True)) for row in draws]


def load_fit(path: str | Path) -> FitRecord:
    """Read a fit record written by :func:`write_calibrated`.

    Raises:
        ReliefsimError: when the file is missing or not a fit record.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return FitRecord(list(data["parameters"]), np.array(data["estimates"], dtype=float),
                         np.array(data["low"], dtype=float), np.array(data["high"], dtype=float),
                         np.array(data["covariance"], dtype=float),
                         np.array(data["identified"], dtype=bool), list(data.get("targets", [])),
                         path)
    except FileNotFoundError:
        raise ReliefsimError(f"{path}: no calibration fit record (run `reliefsim calibrate` "
                             "first)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReliefsimError(f"{path}: not a calibration fit record ({exc})") from None


def fit_of(scenario: Scenario) -> FitRecord | None:
    """The fit record of the calibrated values ``scenario`` includes, if it has one.

    A calibrated file ``NAME.toml`` that the scenario's files include, found in a scenarios
    folder's ``calibrated/``, with ``NAME.fit.json`` beside it.
    """
    from reliefsim.scenario import SCENARIO_DIRS

    for folder in SCENARIO_DIRS:
        for record in sorted((folder / "calibrated").glob("*.fit.json")):
            name = record.name[: -len(".fit.json")] + ".toml"
            if f"# ---- {name} (included by" in scenario.text:
                return load_fit(record)
    return None


def format_validation(results: list[TargetResult], title: str,
                      backcast_results: list[TargetResult] | None = None,
                      backcast_title: str = "") -> str:
    """The validation table: fitted targets, then those not fitted, then the backcast."""
    lines = [title, ""]

    def block(rows: list[TargetResult], heading: str) -> None:
        if not rows:
            return
        lines.append(heading)
        for r in rows:
            t = r.target
            ok = "yes" if r.within else "NO"
            sim = r.simulated
            ci = ("" if not np.isfinite(sim.low) or sim.low == sim.high
                  else f" [{_n(sim.low)}, {_n(sim.high)}]")
            lines.append(f"  {t.name}  ({t.setting})")
            lines.append(f"      published {_n(t.value)} ± {_n(t.tolerance)}   simulated "
                         f"{_n(sim.mean)}{ci}   within: {ok}")
            lines.append(f"      source: {t.source}")
        lines.append("")

    fitted = [r for r in results if r.target.fit]
    block(fitted, "Fitted targets")
    block([r for r in results if not r.target.fit], "Not fitted (checked out of sample)")
    if backcast_results:
        block(backcast_results, backcast_title or "Backcast")
    n_ok = sum(r.within for r in fitted)
    lines.append(f"{n_ok} of {len(fitted)} targets within tolerance")
    return "\n".join(lines)


def format_fit(fit: Fit, spec: CalibrationSpec) -> str:
    """The estimates with their standard errors and ranges, the objective and the weights."""
    lines = [f"calibrated after {fit.evaluations} evaluations; objective Σ z² = "
             f"{fit.objective:.3f} over {len(spec.fitted)} fitted targets (each weighted by "
             "1 / tolerance²)", "", f"{'parameter':<42}{'estimate':>12}{'s.e.':>11}  range"]
    for p in spec.parameters:
        value = fit.point[p.key]
        se = fit.se.get(p.key, float("nan"))
        shown = f"{se:>11.4g}" if np.isfinite(se) else f"{'not ident.':>11}"
        edge = min(value - p.low, p.high - value) / (p.high - p.low)
        flag = "  (within 2 % of a bound)" if edge < 0.02 else ""
        lines.append(f"{p.key:<42}{value:>12.5g}{shown}  [{p.low:g}, {p.high:g}]{flag}")
    return "\n".join(lines)


def _n(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"
