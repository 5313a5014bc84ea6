"""The Python API; the command line is a thin layer over it.

Every function takes a scenario by name, path or object, and ``overrides`` as ``--set`` takes
them: a list of ``"KEY=VALUE"``, ``"KEY=VALUE@YYYY-MM"`` or ``"KEY.uprating=RATE"`` strings, or a
``{key: value}`` mapping of reforms from the start. Results come back as plain objects and
pandas DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reliefsim import budgets
from reliefsim.designs import as_value, check_vary, design_points, design_size, parse_vary
from reliefsim.errors import ReliefsimError
from reliefsim.experiment import Progress, execute, run_spec
from reliefsim.indicators import HEADLINE, PROGRAMMES, check_names
from reliefsim.parameters import Reform, add_months
from reliefsim.results import UNPAIRED_OFFSET, RunResult, RunSpec, stable_hash
from reliefsim.scenario import Scenario, load_scenario, parse_set, source_files
from reliefsim.statistics import Interval, mean_interval, welch_interval

Overrides = Mapping[str, Any] | Sequence[str] | Sequence[Reform] | None
"""Reforms as ``--set`` gives them, or ``{key: value}`` from the start."""


def scenario(s: Scenario | str | Path, overrides: Overrides = None) -> Scenario:
    """A validated scenario with reforms applied (see the module docstring for ``overrides``)."""
    base = s if isinstance(s, Scenario) else load_scenario(s)
    return base.with_reforms(reforms(overrides)) if overrides else base


def reforms(overrides: Overrides) -> list[Reform]:
    """``overrides`` (strings, reforms or a mapping) as a list of reforms."""
    if not overrides:
        return []
    if isinstance(overrides, Mapping):
        return [Reform(k[: -len(".uprating")] if k.endswith(".uprating") else k, v, None,
                       k.endswith(".uprating"), "overrides") for k, v in overrides.items()]
    items = list(overrides)
    if all(isinstance(i, Reform) for i in items):
        return items  # type: ignore[return-value]
    return parse_set(str(i) for i in items)


def reform_text(overrides: Overrides) -> str:
    """Reforms as people write them: ``policy.dibao_line=1400@2026-01, …``."""
    out = []
    for r in reforms(overrides):
        value = r.text().split(" = ", 1)[1].replace(" @ ", "@")
        out.append(f"{r.key}{'.uprating' if r.rule else ''}={value}")
    return ", ".join(out)


def named(text: str, overrides: Overrides) -> str:
    """An experiment's name with its reforms, e.g. ``run baseline [policy.x=2.0]``."""
    shown = reform_text(overrides)
    return f"{text} [{shown}]" if shown else text


def _settings(sc: Scenario, households: int | None, months: int | None,
              seed: int | None) -> tuple[int, int, int]:
    v = sc.values(0)
    out = (int(households if households is not None else v.run.households),
           int(months if months is not None else v.run.months),
           int(seed if seed is not None else v.run.seed))
    for flag, key, value in (("--households", "run.households", out[0]),
                             ("--months", "run.months", out[1]), ("--seed", "run.seed", out[2])):
        _check_count(flag, value, 0 if flag == "--seed" else 1)
        spec = sc.spec(key)  # the scenario's declared range (run.months at most 600, …)
        if spec.problem(value) is not None:
            low, high = int(spec.low or 0), int(spec.high) if spec.high is not None else None
            _check_count(flag, value, low, high)
            raise ReliefsimError(f"{flag} {value}: expected {spec.describe()}")
    return out


def _check_count(name: str, value: int, low: int = 1, high: int | None = None) -> None:
    if value < low or (high is not None and value > high):
        within = f"from {low:,} to {high:,}" if high is not None else f"≥ {low}"
        raise ReliefsimError(f"{name} {value}: expected a whole number {within}")


def _inputs(*scenarios: Scenario | str | Path) -> dict[str, list[Path]]:
    """The files the named scenarios are read from, which a store's file may not be."""
    files: list[Path] = []
    for s in scenarios:
        if not isinstance(s, Scenario):
            chain, included = source_files(s)
            files += chain + included
    return {"scenario": files}


def _check_store(db: str | None, *scenarios: Scenario | str | Path) -> None:
    """Check the store a command will write to, before any work (store.check_store)."""
    if db:
        from reliefsim.store import check_store

        check_store(db, write=True, inputs=_inputs(*scenarios))


def run_all(specs: Sequence[RunSpec], workers: int = 1, dask: str | None = None,
            label: str = "runs", progress: bool = True) -> list[RunResult]:
    """Run specs with an executor and return results in spec order (identical specs run once)."""
    def key(s: RunSpec) -> tuple:
        return (s.scenario.hash, s.point_key, s.replication, s.households, s.months, s.seed)

    unique = list({key(s): s for s in specs}.values())
    for s in unique:
        s.scenario.with_overrides(s.point, origin="design point").check_months(s.months)
    bar = Progress(len(unique), label) if progress and unique else None
    done: dict[tuple, RunResult] = {}
    for result in execute(unique, workers, dask):
        done[key(result.spec)] = result
        if bar:
            bar.step()
    return [done[key(s)] for s in specs]


# ---------------------------------------------------------------- one run
@dataclass
class Run:
    """A finished run.

    Attributes:
        result: its indicators, per district too, and monthly series.
        scenario: the scenario it ran (reforms applied).
        warmup: months left out of the summary.
        experiment_id: where it was stored (``db``), if anywhere.
    """

    result: RunResult
    scenario: Scenario
    warmup: int
    experiment_id: int | None = None


def run(s: Scenario | str | Path = "baseline", overrides: Overrides = None,
        households: int | None = None, months: int | None = None, seed: int | None = None,
        replication: int = 0, db: str | None = None,
        progress: Callable[[int, int], None] | None = None) -> Run:
    """Run one scenario; store it when ``db`` is given.

    Args:
        s: the scenario.
        overrides: reforms (see the module docstring).
        households: simulated households (default ``run.households``).
        months: months to simulate (default ``run.months``).
        seed: root seed (default ``run.seed``).
        replication: replication number (its own random streams).
        db: results store URL (SQLite file or PostgreSQL), or None not to store.
        progress: called after each month with (months done, months in all).
    """
    import time

    from reliefsim.store import experiment_id, save_result, writing

    sc = scenario(s, overrides)
    n, m, sd = _settings(sc, households, months, seed)
    _check_count("--replication", replication, 0, UNPAIRED_OFFSET - 1)
    sc.with_overrides({"run.months": m}).check_months(m)
    budgets.check_study(f"run {sc.name}", 1, n, m)
    _check_store(db, s)
    spec = RunSpec(sc, n, m, sd, replication)
    result = run_spec(spec, progress)
    warmup = min(int(sc.values(0).run.warmup_months), m - 1)
    exp = None
    if db:  # the store is made (or opened) once there is a run to keep
        with writing(db, _inputs(s)) as engine:
            exp = experiment_id(engine, f"run-{time.time_ns()}",
                                named(f"run {sc.name}", overrides), "run",
                                {"households": n, "months": m, "start": sc.start,
                                 "overrides": reform_text(overrides)})
            save_result(engine, exp, result)
    return Run(result, sc, warmup, exp)


# ---------------------------------------------------------------- the calculator
def classify(households: str | Path, members: str | Path, s: Scenario | str | Path = "baseline",
             overrides: Overrides = None, month: str | None = None, explain: bool = False,
             lang: str = "en") -> Any:
    """Tier, basic living and the tests' numbers for households read from the two CSV files.

    Args:
        households: ``households.csv`` (RULES.md §7).
        members: ``members.csv``.
        s: the scenario whose rules apply.
        overrides: reforms.
        month: "YYYY-MM" whose values apply (default the scenario's start).
        explain: also the reason in words, each test's result and numbers, and every amount
            (dibao add-ons, by member too, special programmes, the temporary-assistance cap),
            as :func:`reliefsim.explain.explain_frame` gives them.
        lang: the reason's language (``en`` or ``zh``).

    Returns:
        A DataFrame, one row per household in file order: household_id, tier, basic_living,
        income_pc, assets_ok, size (with ``explain``: the columns of ``explain_frame``).
    """
    import pandas as pd

    from reliefsim.codes import TIER_NAMES
    from reliefsim.microdata import read_microdata
    from reliefsim.parameters import MONTH_PATTERN
    from reliefsim.rules import assess, basic_living

    sc = scenario(s, overrides)
    if month is not None and not MONTH_PATTERN.match(month):
        raise ReliefsimError(f"--month {month!r}: expected YYYY-MM")
    v = sc.values_at(month) if month else sc.values(0)
    pop = read_microdata(households, members, tuple(v.policy.rigid_items))
    if explain:
        from reliefsim.explain import explain as run_explain
        from reliefsim.explain import explain_frame

        e = run_explain(pop.facts, v, month or sc.start)
        frame = explain_frame(e, list(pop.ids), lang)
        return frame.iloc[np.argsort(pop.file_order, kind="stable")].reset_index(drop=True)
    a = assess(pop.facts, v)
    basic = basic_living(pop.facts, v, a.tier, a)
    frame = pd.DataFrame({"household_id": list(pop.ids),
                          "tier": [TIER_NAMES[c] for c in a.tier],
                          "basic_living": np.round(basic, 2), "income_pc": np.round(a.income_pc, 2),
                          "assets_ok": a.assets_ok.astype(int), "size": a.size.astype(int)})
    return frame.iloc[np.argsort(pop.file_order, kind="stable")].reset_index(drop=True)


def write_classified(frame: Any, out: str | Path, force: bool = False,
                     explain: bool = False) -> Path:
    """Write :func:`classify`'s table as CSV, atomically (money to the fen unless ``explain``).

    Text cells that a spreadsheet would read as a formula (a household id with a leading
    ``= + - @``, tab or carriage return) are written with a leading ``'``. Without ``force`` an
    existing file is not replaced.
    """
    from reliefsim.outputs import write_csv

    table = frame.copy()
    if not explain:
        table = table[["household_id", "tier", "basic_living", "income_pc", "assets_ok", "size"]]
        for column in ("basic_living", "income_pc"):
            table[column] = [f"{x:.2f}" for x in table[column]]
    return write_csv(table, out, force=force)


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


def compare(a: Scenario | str | Path, b: Scenario | str | Path, reps: int = 10,
            households: int | None = None, months: int | None = None, seed: int | None = None,
            overrides: Overrides = None, workers: int = 1,
            dask: str | None = None, unpaired: bool = False, db: str | None = None,
            indicators: Sequence[str] = HEADLINE, progress: bool = True,
            max_runs: int | None = None) -> Comparison:
    """Compare B with A, replication by replication, on the same random streams.

    B − A comes with a 95 % interval from the paired differences (and, with ``unpaired``, from
    B run on independent seeds, to show what pairing buys). The run count (at most
    ``max_runs``, default :data:`reliefsim.budgets.DEFAULT_MAX_RUNS`) and the memory are
    checked before any run.
    """
    import pandas as pd

    from reliefsim.store import experiment_id, save_result, writing

    _check_count("--reps", reps, 2)
    names = check_names(indicators)
    sa, sb = scenario(a, overrides), scenario(b, overrides)
    if sa.hash == sb.hash:
        raise ReliefsimError(f"{sa.name} and {sb.name} are the same scenario: nothing to compare")
    n, m, s = _settings(sa, households, months, seed)
    _check_count("--workers", workers)
    runs = (3 if unpaired else 2) * reps
    budgets.check_study(f"compare {sa.name} vs {sb.name}", runs, n, m, workers, dask, kept=runs,
                        max_runs=max_runs, how=f"{3 if unpaired else 2} × {reps:,} replications")
    _check_store(db, a, b)
    specs = [RunSpec(sc, n, m, s, r) for r in range(reps) for sc in (sa, sb)]
    if unpaired:
        specs += [RunSpec(sb, n, m, s, UNPAIRED_OFFSET + r) for r in range(reps)]
    results = run_all(specs, workers, dask, f"compare {sa.name} vs {sb.name}", progress)
    ra = [r for r in results if r.spec.scenario.hash == sa.hash and r.spec.replication < reps]
    rb = [r for r in results if r.spec.scenario.hash == sb.hash and r.spec.replication < reps]
    rb_free = [r for r in results if r.spec.replication >= UNPAIRED_OFFSET]
    exp = None
    if db:
        key = stable_hash(("compare", sa.hash, sb.hash, n, m, s, reps))
        with writing(db, _inputs(a, b)) as engine:
            exp = experiment_id(engine, key,
                                named(f"compare {sa.name} vs {sb.name}", overrides), "compare",
                                {"reps": reps, "households": n, "months": m, "seed": s,
                                 "a": sa.name, "b": sb.name, "start": sa.start,
                                 "overrides": reform_text(overrides)})
            for r in results:
                save_result(engine, exp, r)
    rows = []
    for name in names:
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
        from reliefsim.store import metrics_frame, open_reader

        return metrics_frame(open_reader(self.db), self.experiment_id, summary_only)


def sweep(s: Scenario | str | Path, vary: Mapping[str, Any] | Sequence[str],
          reps: int = 1, sample: str | None = None, households: int | None = None,
          months: int | None = None, seed: int | None = None,
          overrides: Overrides = None, workers: int = 1, dask: str | None = None,
          db: str = "sqlite:///reliefsim.db", name: str | None = None,
          progress: bool = True, max_runs: int | None = None) -> Sweep:
    """Run a design (grid of levels, or LHS over ranges) × replications into the store.

    Each finished run is stored at once; a second call with the same arguments skips what is
    already stored, so a killed sweep resumes where it stopped. Interrupted (Ctrl-C, SIGTERM),
    it stores the runs that had finished and raises
    :class:`~reliefsim.processes.Interrupted` saying how many are stored and how to resume.
    Two sweeps on one store at once each store every run once.

    Args:
        s: the base scenario.
        vary: levels as a list and ranges (for ``sample``) as a ``(low, high)`` tuple, e.g.
            ``{"policy.exit_period_months": [0, 6, 12], "policy.dibao_line": (1200, 1600)}``,
            or the command line's ``["KEY=v1,v2", "KEY=lo:hi"]``.
        reps: replications per design point.
        sample: ``"lhs:N"`` for Latin-hypercube sampling of ranges.
        households: simulated households (default ``run.households``).
        months: months (default ``run.months``).
        seed: root seed (default ``run.seed``).
        overrides: reforms applied to the scenario before the design.
        workers: local processes.
        dask: Dask scheduler address.
        db: results store URL.
        name: experiment name (default derived from the scenario).
        progress: draw a progress bar on stderr.
        max_runs: most runs allowed (default :data:`reliefsim.budgets.DEFAULT_MAX_RUNS`),
            checked with the memory before any design point is made.
    """
    from reliefsim.store import check_name, done_cells, experiment_id, writing

    _check_count("--reps", reps)
    _check_count("--workers", workers)
    check_name(name)
    base = scenario(s, overrides)
    if isinstance(vary, Mapping):
        levels = {k: check_vary(base, k, tuple(v) if isinstance(v, tuple) else list(v))
                  for k, v in vary.items()}
    else:
        levels = parse_vary(base, vary)
    if not levels:
        raise ReliefsimError("a sweep needs at least one --vary KEY=…")
    n, m, sd = _settings(base, households, months, seed)
    size = design_size(levels, sample)
    how = f"{size:,} design points × {reps:,} replication{'s' * (reps != 1)}"
    budgets.check_study(f"sweep {base.name}", size * reps, n, m, workers, dask,
                        max_runs=max_runs, how=how)
    points = design_points(base, levels, sample, sd)
    for p in points:  # every point checked before anything runs
        base.with_overrides(p, origin="--vary").check_months(m)
    _check_store(db, s)
    key = stable_hash(("sweep", base.hash, points, reps, n, m, sd))
    with writing(db, _inputs(s)) as engine:
        exp = experiment_id(engine, key, name or named(f"sweep {base.name}", overrides),
                            "sweep", {"points": points, "reps": reps, "households": n,
                                      "months": m, "seed": sd, "start": base.start,
                                      "overrides": reform_text(overrides)})
        done = done_cells(engine, exp)
        specs = [RunSpec(base, n, m, sd, r, p) for p in points for r in range(reps)]
        todo = [sp for sp in specs if (base.hash, sp.point_key, sp.replication) not in done]
        bar = Progress(len(todo), f"sweep {base.name}") if progress and todo else None
        stored = run_into_store(engine, exp, todo, workers, dask, bar, len(specs) - len(todo),
                                len(specs), db, "sweep")
    return Sweep(exp, stored, len(specs) - stored, db)


def run_into_store(engine: Any, exp: int, todo: Sequence[RunSpec], workers: int,
                   dask: str | None, bar: Progress | None, before: int, total: int,
                   db: str, what: str) -> int:
    """Run ``todo`` and store each run as it finishes; on a stop, store what had finished.

    Args:
        engine: the store, open for writing.
        exp: the experiment the runs belong to.
        todo: the runs not stored yet.
        workers: local processes.
        dask: a Dask scheduler's address, or None.
        bar: the progress line, if any.
        before: runs of the experiment already stored.
        total: runs the experiment holds when complete.
        db: the store's URL (for messages; its password is masked).
        what: the command, for messages ("sweep", "morris sensitivity").

    Returns:
        Runs stored now (a run another process stored meanwhile is not stored twice).

    Raises:
        Interrupted: after Ctrl-C or SIGTERM, saying how many runs are stored and how to resume.
        StoreError: when the store fails (disk full, server gone), saying the same.
    """
    from reliefsim.experiment import Execution
    from reliefsim.processes import Interrupted, signals_held, stop_on_signals
    from reliefsim.store import StoreError, save_result, shown

    stored = others = 0

    def keep(result: RunResult) -> None:
        nonlocal stored, others
        with signals_held():  # a run being stored is stored whole, and counted
            if save_result(engine, exp, result) is None:
                others += 1
            else:
                stored += 1
        if bar:
            bar.step()

    def status() -> str:
        return f"{before + stored + others} of {total} runs of experiment {exp} are stored"

    execution = Execution(todo, workers, dask)
    runs = iter(execution)
    try:
        with stop_on_signals():
            try:
                for result in runs:
                    keep(result)
            except KeyboardInterrupt as exc:
                runs.close()  # workers stopped; what they had finished is stored
                for result in execution.finished():
                    keep(result)
                signum = exc.signum if isinstance(exc, Interrupted) else 2
                raise Interrupted(signum, f"{what} interrupted: {status()} in {shown(db)}; run "
                                          "the same command again to resume (stored runs are "
                                          "skipped)") from None
    except StoreError as exc:
        raise StoreError(f"{exc}; {status()}") from None
    return stored


# ---------------------------------------------------------------- forecast
PERCENTILES = (10, 50, 90)


def forecast(s: Scenario | str | Path, years: int = 5, reps: int = 20,
             households: int | None = None, seed: int | None = None,
             overrides: Overrides = None, workers: int = 1,
             dask: str | None = None, progress: bool = True,
             parameter_sets: int | None = None, max_runs: int | None = None) -> Any:
    """Spending by programme and calendar year: a band from chance and a band from parameters.

    The model runs ``run.warmup_months`` before the forecast's first year so the caseload has
    settled; dated lines and their uprating apply month by month.

    *Chance*: ``reps`` replications at the calibrated values (P10/P50/P90 over them).
    *Parameters*: where the scenario includes calibrated values with a fit record
    (:func:`reliefsim.calibrate.fit_of`), ``parameter_sets`` (default ``reps``) parameter sets
    drawn from the estimates' sampling distribution, each run on the same random numbers as the
    first replication, so their spread is the parameters' alone (``param_p10`` … ``param_p90``;
    NaN without a fit record). ``table.attrs`` holds ``fit`` (the record's path or None) and
    ``spending_targets`` (their validation status from the record).

    Returns:
        DataFrame with columns programme, year, p10, p50, p90, mean, param_p10, param_p50,
        param_p90 (yuan per year); years are calendar years when the first forecast month is a
        January, else "YYYY-MM +Ny".
    """
    import pandas as pd

    from reliefsim.calibrate import fit_of

    _check_count("--years", years)
    _check_count("--reps", reps, 2)
    sc = scenario(s, overrides)
    warmup = int(sc.values(0).run.warmup_months)
    n, _, sd = _settings(sc, households, None, seed)
    _check_count("--workers", workers)
    months = warmup + 12 * years
    longest = sc.spec("run.months").high or 600
    if months > longest:
        raise ReliefsimError(f"--years {years}: the forecast would simulate {months:,} months "
                             f"({warmup} of warm-up and {years:,} years); runs are at most "
                             f"{longest:g} months, so at most {int(longest - warmup) // 12} years")
    record = fit_of(sc)
    sets = 0 if record is None else (parameter_sets or reps)
    budgets.check_study(f"forecast {sc.name}", reps + sets, n, months, workers, dask,
                        kept=reps + sets, max_runs=max_runs,
                        how=f"{reps:,} replications and {sets:,} parameter sets")
    sc.with_overrides({"run.months": months}).check_months(months)
    specs = [RunSpec(sc, n, months, sd, r) for r in range(reps)]
    draws = [] if record is None else record.draw(sets, sd)
    # a reform's own keys are the user's: the draws leave them alone
    fixed = {r.key for r in sc.reforms}
    draws = [{k: as_value(sc, k, x) for k, x in d.items() if k not in fixed} for d in draws]
    specs += [RunSpec(sc, n, months, sd, 0, point) for point in draws]
    results = run_all(specs, workers, dask, f"forecast {sc.name}", progress)
    first = add_months(sc.start, warmup)
    rows = []
    for prog in (*PROGRAMMES, "total"):
        series = np.array([r.monthly[f"spend_{prog}"][warmup:] for r in results])
        yearly = series.reshape(len(results), years, 12).sum(axis=2)
        chance, params = yearly[:reps], yearly[reps:]
        for y in range(years):
            label = (f"{int(first[:4]) + y}" if first[5:] == "01" else f"{first} +{y}y")
            q = np.percentile(chance[:, y], PERCENTILES)
            p = (np.percentile(params[:, y], PERCENTILES) if len(params)
                 else np.full(3, np.nan))
            rows.append({"programme": prog, "year": label, "p10": q[0], "p50": q[1],
                         "p90": q[2], "mean": float(chance[:, y].mean()), "param_p10": p[0],
                         "param_p50": p[1], "param_p90": p[2]})
    table = pd.DataFrame(rows)
    table.attrs["fit"] = None if record is None else str(record.path)
    table.attrs["parameter_sets"] = len(draws)
    table.attrs["spending_targets"] = [] if record is None else record.spending_targets()
    return table


FORECAST_FILES = ("forecast.csv", "forecast.xlsx", "forecast.png", "forecast_validation.csv")


def check_forecast_folder(out: str | Path, force: bool = False, inputs: Any = None) -> Path:
    """Check the folder a forecast will be written to, before the forecast runs.

    Raises:
        ReliefsimError: when ``out`` is a file, link or device, holds one of the forecast's
            files (unless ``force``) or cannot be written in (see :mod:`reliefsim.outputs`).
    """
    from reliefsim.outputs import check_folder

    return check_folder(out, "--out", FORECAST_FILES, inputs=inputs, force=force)


def write_forecast(table: Any, out: str | Path, title: str, lang: str = "en",
                   settings: Mapping[str, Any] | None = None, force: bool = False) -> list[Path]:
    """Write a forecast as ``forecast.csv``, ``forecast.xlsx`` and the fan chart ``forecast.png``.

    Each file is written beside its place and renamed into it (:mod:`reliefsim.outputs`).

    Args:
        table: as :func:`forecast` gives it.
        out: the folder (created if needed).
        title: the chart's title.
        lang: ``en`` or ``zh`` (workbook headers, chart labels).
        settings: what was run, for the workbook's sheet saying so (scenario, reforms, seed,
            replications, households, years…).
        force: replace forecast files already in ``out``.

    Returns:
        The paths written, in the folder ``out``.
    """
    from reliefsim.exports import forecast_workbook
    from reliefsim.figures import fan_chart
    from reliefsim.outputs import write_csv

    out = check_forecast_folder(out, force)
    paths = [out / name for name in FORECAST_FILES[:3]]
    write_csv(table, paths[0], force=force)
    targets = table.attrs.get("spending_targets", [])
    if targets:
        import pandas as pd

        paths.append(out / FORECAST_FILES[3])
        write_csv(pd.DataFrame(targets).drop(columns=["indicator"]), paths[-1], force=force)
    forecast_workbook(table, paths[1], dict(settings or {}), lang)
    fan_chart(table, paths[2], title, lang)
    return paths


# ---------------------------------------------------------------- sensitivity
SENSITIVITY_INDICATORS = ("missed_rate", "leakage_of_recipients", "spend.total")


@dataclass
class SensitivityResult:
    """A global sensitivity analysis.

    Attributes:
        table: indicator, parameter and the method's indices with 95 % confidence half-widths
            (Morris: mu_star, mu_star_conf, sigma; Sobol: S1, S1_conf, ST, ST_conf), in the
            indicator's own unit (shares as fractions, money in yuan).
        samples: one row per sample: the parameters' values and the chosen indicators.
        method: ``morris`` or ``sobol``.
        experiment_id: where the runs are stored (``db``), if anywhere.
        settings: what was run (scenario, ranges, sample size, households, months, seed…).
    """

    table: Any
    samples: Any
    method: str
    experiment_id: int | None
    settings: dict[str, Any]


def sensitivity(s: Scenario | str | Path,
                params: Mapping[str, tuple[float, float]] | Sequence[str],
                method: str = "morris", n: int = 8, households: int | None = None,
                months: int | None = None, seed: int | None = None,
                overrides: Overrides = None, workers: int = 1, dask: str | None = None,
                indicators: Sequence[str] = SENSITIVITY_INDICATORS,
                progress: bool = True, max_runs: int | None = None) -> Any:
    """Global sensitivity (SALib Morris or Sobol) of indicators to parameter ranges.

    The table of :func:`sensitivity_study` (which also stores the runs and keeps the samples).
    """
    return sensitivity_study(s, params, method, n, households, months, seed, overrides,
                             workers, dask, indicators, progress, max_runs=max_runs).table


def sensitivity_study(s: Scenario | str | Path,
                      params: Mapping[str, tuple[float, float]] | Sequence[str],
                      method: str = "morris", n: int = 8, households: int | None = None,
                      months: int | None = None, seed: int | None = None,
                      overrides: Overrides = None, workers: int = 1, dask: str | None = None,
                      indicators: Sequence[str] = SENSITIVITY_INDICATORS,
                      progress: bool = True, db: str | None = None,
                      max_runs: int | None = None) -> SensitivityResult:
    """Global sensitivity (SALib Morris or Sobol) of indicators to parameter ranges.

    Every sample runs on the same random streams (one replication), so differences come from the
    parameters alone. With ``db``, every run is stored as it finishes (a design point per
    sample) with the sample itself in the experiment's settings, so the indices can be computed
    again from the store (:func:`stored_sensitivity`) for any indicator, and a second call with
    the same arguments resumes where a killed one stopped.
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method not in ("morris", "sobol"):
        raise ReliefsimError(f"--method {method!r}: expected morris or sobol")
    names_out = check_names(indicators)
    if not names_out:
        raise ReliefsimError("--indicator: give at least one indicator")
    sc = scenario(s, overrides)
    if isinstance(params, Mapping):
        ranges = {k: check_vary(sc, k, tuple(v), "--param") for k, v in params.items()}
    else:
        ranges = parse_vary(sc, params, "--param")
        bad = [k for k, val in ranges.items() if not isinstance(val, tuple)]
        if bad:
            raise ReliefsimError(f"--param {bad[0]}: expected NAME=LOW:HIGH")
    if not ranges:
        raise ReliefsimError("sensitivity needs at least one --param NAME=LOW:HIGH")
    _check_count("--n", n, 2)
    if method == "sobol" and n & (n - 1):
        below, above = 1 << (n.bit_length() - 1), 1 << n.bit_length()
        raise ReliefsimError(f"--n {n}: expected a power of 2 for --method sobol (Saltelli "
                             f"sampling), e.g. {below} or {above}")
    _check_count("--workers", workers)
    hh, m, sd = _settings(sc, households, months, seed)
    k = len(ranges)
    runs = n * (k + 1) if method == "morris" else n * (k + 2)
    how = (f"{n:,} trajectories × {k + 1} points" if method == "morris"
           else f"{n:,} base samples × {k + 2} points")
    budgets.check_study(f"{method} {sc.name}", runs, hh, m, workers, dask,
                        kept=0 if db else runs, max_runs=max_runs, how=how)
    names = list(ranges)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [list(ranges[k]) for k in names]}
    if method == "morris":
        x = morris_sample.sample(problem, n, num_levels=4, seed=sd % (2**32))
    else:
        x = sobol_sample.sample(problem, n, calc_second_order=False, seed=sd % (2**32))

    def point(row: np.ndarray) -> dict[str, Any]:
        return {k: as_value(sc, k, val) for k, val in zip(names, row, strict=True)}

    specs = [RunSpec(sc, hh, m, sd, 0, point(row)) for row in x]
    settings = {"method": method, "names": names, "bounds": problem["bounds"], "n": n,
                "sample": x.tolist(), "indicators": list(names_out), "households": hh,
                "months": m, "seed": sd, "start": sc.start, "scenario": sc.name,
                "overrides": reform_text(overrides)}
    exp = None
    if db:
        from reliefsim.store import done_cells, experiment_id, metrics_frame, writing

        unique = list({sp.point_key: sp for sp in specs}.values())
        for sp in unique:  # every point checked before the store is made or anything runs
            sc.with_overrides(sp.point, origin="design point").check_months(sp.months)
        _check_store(db, s)
        key = stable_hash(("sensitivity", sc.hash, method, names, problem["bounds"], n, hh, m,
                           sd))
        with writing(db, _inputs(s)) as engine:
            exp = experiment_id(engine, key, named(f"{method} {sc.name}", overrides),
                                "sensitivity", settings)
            done = done_cells(engine, exp)
            todo = [sp for sp in unique if (sc.hash, sp.point_key, 0) not in done]
            bar = Progress(len(todo), f"{method} {sc.name}") if progress and todo else None
            run_into_store(engine, exp, todo, workers, dask, bar, len(unique) - len(todo),
                           len(unique), db, f"{method} sensitivity")
            frame = metrics_frame(engine, exp, summary_only=True)
        by_point = {p: grp.set_index("name")["value"] for p, grp in frame.groupby("point")}
        import json

        summaries = [by_point[json.dumps(sp.point, sort_keys=True)] for sp in specs]
        y = {ind: np.array([float(sm.get(ind, np.nan)) if sm.get(ind) is not None else np.nan
                            for sm in summaries]) for ind in names_out}
    else:
        results = run_all(specs, workers, dask, f"{method} {sc.name}", progress)
        y = {ind: np.array([r.summary[ind] for r in results], dtype=float) for ind in names_out}
    table = sensitivity_indices(method, problem, x, y, sd)
    return SensitivityResult(table, _samples(names, x, y), method, exp, settings)


def _samples(names: list[str], x: np.ndarray, y: Mapping[str, np.ndarray]) -> Any:
    import pandas as pd

    data = {k: x[:, j] for j, k in enumerate(names)}
    data.update({ind: values for ind, values in y.items()})
    return pd.DataFrame(data)


def sensitivity_indices(method: str, problem: dict[str, Any], x: np.ndarray,
                        y: Mapping[str, np.ndarray], seed: int) -> Any:
    """The indices of each indicator's outputs ``y`` (one per row of the sample ``x``)."""
    import pandas as pd
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    names = problem["names"]
    rows = []
    for ind, values in y.items():
        values = np.asarray(values, dtype=float)
        values = np.nan_to_num(values, nan=float(np.nanmean(values))
                               if np.isfinite(values).any() else 0.0)
        if method == "morris":
            res = morris_analyze.analyze(problem, x, values, num_levels=4, seed=seed % (2**32))
            for k, name in enumerate(names):
                rows.append({"indicator": ind, "parameter": name,
                             "mu_star": res["mu_star"][k], "mu_star_conf": res["mu_star_conf"][k],
                             "sigma": res["sigma"][k]})
        else:
            res = sobol_analyze.analyze(problem, values, calc_second_order=False,
                                        seed=seed % (2**32))
            for k, name in enumerate(names):
                rows.append({"indicator": ind, "parameter": name, "S1": res["S1"][k],
                             "S1_conf": res["S1_conf"][k], "ST": res["ST"][k],
                             "ST_conf": res["ST_conf"][k]})
    return pd.DataFrame(rows)


def stored_sensitivity(db: str, exp_id: int, indicators: Sequence[str] | None = None
                       ) -> SensitivityResult:
    """A stored sensitivity analysis, its indices computed again from the stored runs.

    Args:
        db: results store URL.
        exp_id: the experiment (of kind ``sensitivity``).
        indicators: the indicators (default those chosen when it ran); any indicator works,
            every run stores them all.

    Raises:
        ReliefsimError: when the experiment is not a sensitivity analysis or is unfinished.
    """
    import json

    from reliefsim.store import experiment_settings, list_experiments, metrics_frame, open_store

    engine = open_store(db, must_exist=True)
    kinds = {e["id"]: e["kind"] for e in list_experiments(engine)}
    if kinds.get(exp_id) != "sensitivity":
        raise ReliefsimError(f"experiment {exp_id} is not a sensitivity analysis "
                             "(see `reliefsim results list`)")
    settings = experiment_settings(engine, exp_id)
    names_out = check_names(indicators or settings["indicators"])
    x = np.array(settings["sample"], dtype=float)
    sc = load_scenario_text_free(settings)
    problem = {"num_vars": len(settings["names"]), "names": settings["names"],
               "bounds": settings["bounds"]}
    frame = metrics_frame(engine, exp_id, summary_only=True)
    by_point = {p: grp.set_index("name")["value"] for p, grp in frame.groupby("point")}
    keys = [json.dumps(point_of(sc, settings["names"], row), sort_keys=True) for row in x]
    missing = sum(k not in by_point for k in keys)
    if missing:
        raise ReliefsimError(f"experiment {exp_id}: {missing} of {len(keys)} samples not run "
                             "yet; run the same `reliefsim sensitivity` command again to finish")
    y = {ind: np.array([by_point[k].get(ind, np.nan) for k in keys], dtype=float)
         for ind in names_out}
    table = sensitivity_indices(settings["method"], problem, x, y, int(settings["seed"]))
    return SensitivityResult(table, _samples(settings["names"], x, y), settings["method"],
                             exp_id, settings)


def load_scenario_text_free(settings: Mapping[str, Any]) -> Scenario | None:
    """The scenario a stored analysis ran (by name), for rounding whole-number parameters."""
    try:
        return load_scenario(settings["scenario"])
    except (ReliefsimError, KeyError):
        return None


def point_of(sc: Scenario | None, names: Sequence[str], row: Sequence[float]) -> dict[str, Any]:
    """A sample row as the design point it ran as (whole-number parameters rounded)."""
    if sc is None:
        return {k: float(v) for k, v in zip(names, row, strict=True)}
    return {k: as_value(sc, k, v) for k, v in zip(names, row, strict=True)}


# ---------------------------------------------------------------- EMA Workbench
def ema_model(s: str = "baseline", households: int = 3000, months: int = 36,
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
    base = load_scenario(s)
    names = check_names(outcomes)

    def run_point(**kwargs: Any) -> dict[str, float]:
        point = {k.replace("__", "."): val for k, val in kwargs.items()}
        point = {k: as_value(base, k, val) if isinstance(val, float) else val
                 for k, val in point.items()}
        result = run_spec(RunSpec(base, households, months, seed, 0, point))
        return {name: result.summary[name] for name in names}

    return run_point


__all__ = ["Comparison", "Interval", "Run", "SensitivityResult", "Sweep", "classify", "compare",
           "ema_model", "forecast", "run", "scenario", "sensitivity", "sensitivity_study",
           "stored_sensitivity", "sweep"]
