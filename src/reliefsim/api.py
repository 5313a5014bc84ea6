"""The Python API, mirroring the command line: compare, sweep, forecast, sensitivity.

Results come back as pandas DataFrames. Every function takes scenarios by name, path or object,
and ``overrides`` like ``--set``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reliefsim.errors import ReliefsimError
from reliefsim.experiment import (
    HEADLINE,
    UNPAIRED_OFFSET,
    Interval,
    Progress,
    RunResult,
    RunSpec,
    as_value,
    check_vary,
    design_points,
    execute,
    mean_interval,
    parse_vary,
    stable_hash,
    welch_interval,
)
from reliefsim.scenario import Scenario, load_scenario, settings_text
from reliefsim.store import done_cells, experiment_id, metrics_frame, open_store, save_result


def _scenario(s: Scenario | str | Path, overrides: dict[str, Any] | None) -> Scenario:
    if isinstance(s, Scenario):
        return s.with_overrides(overrides) if overrides else s
    return load_scenario(s, overrides)


def _settings(scenario: Scenario, households: int | None, months: int | None,
              seed: int | None) -> tuple[int, int, int]:
    v = scenario.values(0)
    return (int(households or v.run.households), int(months or v.run.months),
            int(seed if seed is not None else v.run.seed))


def _check_count(name: str, value: int, low: int = 1) -> None:
    if value < low:
        raise ReliefsimError(f"{name} {value}: expected a whole number ≥ {low}")


def run_all(specs: Sequence[RunSpec], workers: int = 1, dask: str | None = None,
            label: str = "runs", progress: bool = True) -> list[RunResult]:
    """Run specs with an executor and return results in spec order (identical specs run once)."""
    def key(s: RunSpec) -> tuple:
        return (s.scenario.hash, s.point_key, s.replication, s.households, s.months, s.seed)

    unique = list({key(s): s for s in specs}.values())
    bar = Progress(len(unique), label) if progress and unique else None
    done: dict[tuple, RunResult] = {}
    for result in execute(unique, workers, dask):
        done[key(result.spec)] = result
        if bar:
            bar.step()
    return [done[key(s)] for s in specs]


# ---------------------------------------------------------------- compare
@dataclass
class Comparison:
    """A paired comparison of two scenarios on common random numbers."""

    a: str
    b: str
    reps: int
    table: Any  # DataFrame: indicator, a, b, diff, low, high, (unpaired_low, unpaired_high)
    results_a: list[RunResult]
    results_b: list[RunResult]
    experiment_id: int | None = None  # where it was stored (``db``), if anywhere


def named(text: str, overrides: dict[str, Any] | None) -> str:
    """An experiment's name with its ``--set`` overrides, e.g. ``run baseline [policy.x=2.0]``."""
    if not overrides:
        return text
    return f"{text} [{settings_text(overrides)}]"


def compare(a: Scenario | str | Path, b: Scenario | str | Path, reps: int = 10,
            households: int | None = None, months: int | None = None, seed: int | None = None,
            overrides: dict[str, Any] | None = None, workers: int = 1,
            dask: str | None = None, unpaired: bool = False, db: str | None = None,
            indicators: Sequence[str] = HEADLINE, progress: bool = True) -> Comparison:
    """Compare B with A, replication by replication, on the same random streams.

    B − A comes with a 95 % interval from the paired differences (and, with ``unpaired``, from
    B run on independent seeds, to show what pairing buys).
    """
    import pandas as pd

    _check_count("--reps", reps, 2)
    sa, sb = _scenario(a, overrides), _scenario(b, overrides)
    if sa.hash == sb.hash:
        raise ReliefsimError(f"{sa.name} and {sb.name} are the same scenario: nothing to compare")
    n, m, s = _settings(sa, households, months, seed)
    engine = open_store(db) if db else None
    exp = None
    specs = [RunSpec(sc, n, m, s, r) for r in range(reps) for sc in (sa, sb)]
    if unpaired:
        specs += [RunSpec(sb, n, m, s, UNPAIRED_OFFSET + r) for r in range(reps)]
    results = run_all(specs, workers, dask, f"compare {sa.name} vs {sb.name}", progress)
    ra = [r for r in results if r.spec.scenario.hash == sa.hash and r.spec.replication < reps]
    rb = [r for r in results if r.spec.scenario.hash == sb.hash and r.spec.replication < reps]
    rb_free = [r for r in results if r.spec.replication >= UNPAIRED_OFFSET]
    if engine is not None:
        key = stable_hash(("compare", sa.hash, sb.hash, n, m, s, reps))
        exp = experiment_id(engine, key, named(f"compare {sa.name} vs {sb.name}", overrides),
                            "compare", {"reps": reps, "households": n, "months": m, "seed": s,
                                        "a": sa.name, "b": sb.name, "start": sa.start,
                                        "overrides": dict(overrides or {})})
        for r in results:
            save_result(engine, exp, r)
    rows = []
    for name in indicators:
        xa = [r.summary[name] for r in ra]
        xb = [r.summary[name] for r in rb]
        paired = mean_interval([y - x for x, y in zip(xa, xb, strict=True)])
        row = {"indicator": name, "a": mean_interval(xa).mean, "b": mean_interval(xb).mean,
               "diff": paired.mean, "low": paired.low, "high": paired.high}
        if unpaired:
            free = welch_interval(xa, [r.summary[name] for r in rb_free])
            row.update({"unpaired_diff": free.mean, "unpaired_low": free.low,
                        "unpaired_high": free.high})
        rows.append(row)
    return Comparison(sa.name, sb.name, reps, pd.DataFrame(rows), ra, rb, exp)


# ---------------------------------------------------------------- sweep
@dataclass
class Sweep:
    """A finished (or resumed) sweep."""

    experiment_id: int
    ran: int
    skipped: int
    db: str

    def frame(self, summary_only: bool = True) -> Any:
        """The sweep's metrics as a DataFrame (one row per run and indicator)."""
        return metrics_frame(open_store(self.db), self.experiment_id, summary_only)


def sweep(scenario: Scenario | str | Path, vary: dict[str, Any] | Sequence[str],
          reps: int = 1, sample: str | None = None, households: int | None = None,
          months: int | None = None, seed: int | None = None,
          overrides: dict[str, Any] | None = None, workers: int = 1, dask: str | None = None,
          db: str = "sqlite:///reliefsim.db", name: str | None = None,
          progress: bool = True) -> Sweep:
    """Run a design (grid of levels, or LHS over ranges) × replications into the store.

    Each finished run is stored at once; a second call with the same arguments skips what is
    already stored, so a killed sweep resumes where it stopped.

    Args:
        scenario: the base scenario.
        vary: levels as a list and ranges (for ``sample``) as a ``(low, high)`` tuple, e.g.
            ``{"policy.exit_period_months": [0, 6, 12], "policy.dibao_line": (1200, 1600)}``,
            or the command line's ``["KEY=v1,v2", "KEY=lo:hi"]``.
        reps: replications per design point.
        sample: ``"lhs:N"`` for Latin-hypercube sampling of ranges.
        households: simulated households (default ``run.households``).
        months: months (default ``run.months``).
        seed: root seed (default ``run.seed``).
        overrides: applied to the scenario before the design.
        workers: local processes.
        dask: Dask scheduler address.
        db: results store URL.
        name: experiment name (default derived from the scenario).
        progress: draw a progress bar on stderr.
    """
    _check_count("--reps", reps)
    base = _scenario(scenario, overrides)
    if not isinstance(vary, dict):
        vary = parse_vary(vary)
    else:
        vary = {k: check_vary(k, tuple(v) if isinstance(v, tuple) else list(v))
                for k, v in vary.items()}
    if not vary:
        raise ReliefsimError("a sweep needs at least one --vary KEY=…")
    n, m, s = _settings(base, households, months, seed)
    points = design_points(vary, sample, s)
    for p in points:
        base.with_overrides(p, origin="--vary")   # validate every point before running
    engine = open_store(db)
    key = stable_hash(("sweep", base.hash, points, reps, n, m, s))
    exp = experiment_id(engine, key, name or named(f"sweep {base.name}", overrides), "sweep",
                        {"points": points, "reps": reps, "households": n, "months": m,
                         "seed": s, "start": base.start, "overrides": dict(overrides or {})})
    done = done_cells(engine, exp)
    specs = [RunSpec(base, n, m, s, r, p) for p in points for r in range(reps)]
    todo = [sp for sp in specs if (base.hash, sp.point_key, sp.replication) not in done]
    bar = Progress(len(todo), f"sweep {base.name}") if progress and todo else None
    for result in execute(todo, workers, dask):
        save_result(engine, exp, result)
        if bar:
            bar.step()
    return Sweep(exp, len(todo), len(specs) - len(todo), db)


# ---------------------------------------------------------------- forecast
PERCENTILES = (10, 50, 90)


def forecast(scenario: Scenario | str | Path, years: int = 5, reps: int = 20,
             households: int | None = None, seed: int | None = None,
             overrides: dict[str, Any] | None = None, workers: int = 1,
             dask: str | None = None, progress: bool = True) -> Any:
    """Spending by programme and calendar year with P10/P50/P90 across replications.

    The model runs ``run.warmup_months`` before the forecast's first year so the caseload has
    settled; dated lines and their uprating apply month by month.

    Returns:
        DataFrame with columns programme, year, p10, p50, p90, mean (yuan per year).
    """
    import pandas as pd

    from reliefsim.payments import PROGRAMMES
    from reliefsim.scenario import add_months

    _check_count("--years", years)
    _check_count("--reps", reps, 2)
    sc = _scenario(scenario, overrides)
    v = sc.values(0)
    warmup = int(v.run.warmup_months)
    n, _, s = _settings(sc, households, None, seed)
    months = warmup + 12 * years
    specs = [RunSpec(sc, n, months, s, r) for r in range(reps)]
    results = run_all(specs, workers, dask, f"forecast {sc.name}", progress)
    first = add_months(sc.start, warmup)
    rows = []
    for prog in (*PROGRAMMES, "total"):
        series = np.array([r.monthly[f"spend_{prog}"][warmup:] for r in results])
        yearly = series.reshape(len(results), years, 12).sum(axis=2)
        for y in range(years):
            label = f"{int(first[:4]) + y}" if first[5:] == "01" else \
                f"{first} +{y}y"
            q = np.percentile(yearly[:, y], PERCENTILES)
            rows.append({"programme": prog, "year": label, "p10": q[0], "p50": q[1],
                         "p90": q[2], "mean": float(yearly[:, y].mean())})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- sensitivity
def sensitivity(scenario: Scenario | str | Path, params: dict[str, tuple[float, float]]
                | Sequence[str], method: str = "morris", n: int = 8,
                households: int | None = None, months: int | None = None,
                seed: int | None = None, overrides: dict[str, Any] | None = None,
                workers: int = 1, dask: str | None = None,
                indicators: Sequence[str] = ("missed_rate", "leakage_of_recipients",
                                             "spend.total"),
                progress: bool = True) -> Any:
    """Global sensitivity (SALib Morris or Sobol) of headline indicators to parameter ranges.

    Every sample runs on the same random streams (one replication), so differences come from the
    parameters alone.

    Returns:
        DataFrame: indicator, parameter and the method's indices with confidence half-widths
        (Morris: mu_star, mu_star_conf, sigma; Sobol: S1, S1_conf, ST, ST_conf).
    """
    import pandas as pd
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method not in ("morris", "sobol"):
        raise ReliefsimError(f"--method {method!r}: expected morris or sobol")
    if not isinstance(params, dict):
        parsed = parse_vary(params, "--param")
        bad = [k for k, val in parsed.items() if not isinstance(val, tuple)]
        if bad:
            raise ReliefsimError(f"--param {bad[0]}: expected NAME=LOW:HIGH")
        params = parsed  # type: ignore[assignment]
    if not params:
        raise ReliefsimError("sensitivity needs at least one --param NAME=LOW:HIGH")
    _check_count("--n", n, 2)
    if method == "sobol" and n & (n - 1):
        below, above = 1 << (n.bit_length() - 1), 1 << n.bit_length()
        raise ReliefsimError(f"--n {n}: expected a power of 2 for --method sobol (Saltelli "
                             f"sampling), e.g. {below} or {above}")
    sc = _scenario(scenario, overrides)
    hh, m, s = _settings(sc, households, months, seed)
    names = list(params)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [list(params[k]) for k in names]}
    if method == "morris":
        x = morris_sample.sample(problem, n, num_levels=4, seed=s % (2**32))
    else:
        x = sobol_sample.sample(problem, n, calc_second_order=False, seed=s % (2**32))
    def point(row: np.ndarray) -> dict[str, Any]:
        return {k: as_value(k, val) for k, val in zip(names, row, strict=True)}

    specs = [RunSpec(sc, hh, m, s, 0, point(row)) for row in x]
    results = run_all(specs, workers, dask, f"{method} {sc.name}", progress)
    rows = []
    for ind in indicators:
        y = np.array([r.summary[ind] for r in results], dtype=float)
        y = np.nan_to_num(y, nan=float(np.nanmean(y)) if np.isfinite(y).any() else 0.0)
        if method == "morris":
            res = morris_analyze.analyze(problem, x, y, num_levels=4, seed=s % (2**32))
            for k, name in enumerate(names):
                rows.append({"indicator": ind, "parameter": name,
                             "mu_star": res["mu_star"][k], "mu_star_conf": res["mu_star_conf"][k],
                             "sigma": res["sigma"][k]})
        else:
            res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=s % (2**32))
            for k, name in enumerate(names):
                rows.append({"indicator": ind, "parameter": name, "S1": res["S1"][k],
                             "S1_conf": res["S1_conf"][k], "ST": res["ST"][k],
                             "ST_conf": res["ST_conf"][k]})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- EMA Workbench
def ema_model(scenario: str = "baseline", households: int = 3000, months: int = 36,
              seed: int = 1, outcomes: Sequence[str] = HEADLINE) -> Callable[..., dict]:
    """A function for ``ema_workbench.Model(function=…)`` returning headline indicators.

    Levers and uncertainties are scenario keys written with ``__`` for dots.

    Example::

        from ema_workbench import Model, RealParameter, ScalarOutcome, perform_experiments
        f = reliefsim.api.ema_model("baseline", households=3000, months=36)
        model = Model("reliefsim", function=f)
        model.levers = [RealParameter("policy__marginal_multiplier", 1.5, 2.0)]
        model.uncertainties = [RealParameter("behaviour__apply_prob", 0.04, 0.12)]
        model.outcomes = [ScalarOutcome("missed_rate"), ScalarOutcome("spend.total")]
        results = perform_experiments(model, scenarios=20, policies=4)
    """
    base = load_scenario(scenario)

    def run(**kwargs: Any) -> dict[str, float]:
        from reliefsim.experiment import run_spec

        point = {k.replace("__", "."): val for k, val in kwargs.items()}
        point = {k: as_value(k, val) if isinstance(val, float) else val
                 for k, val in point.items()}
        result = run_spec(RunSpec(base, households, months, seed, 0, point))
        return {name: result.summary[name] for name in outcomes}

    return run


__all__ = ["Comparison", "Interval", "Sweep", "compare", "ema_model", "forecast",
           "sensitivity", "sweep"]
