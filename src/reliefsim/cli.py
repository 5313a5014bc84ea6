"""The ``reliefsim`` command: run scenarios, classify households, show scenario parameters."""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from reliefsim.errors import ReliefsimError

EPILOG_RUN = """examples:
  reliefsim run baseline
  reliefsim run scenarios/exit_12.toml --households 50000 --months 120 --seed 7
  reliefsim run baseline --set policy.marginal_multiplier=2.0 --set 'policy.rigid_items=["medical"]'
"""
EPILOG_COMPARE = """examples:
  reliefsim compare exit_0 exit_12 --reps 20 --households 5000
  reliefsim compare baseline integrated_data --reps 10 --workers 2 --unpaired
"""
EPILOG_SWEEP = """examples:
  reliefsim sweep baseline --vary policy.marginal_multiplier=1.5,1.75,2.0 \\
      --vary policy.exit_period_months=0,6,12 --reps 3 --households 5000
  reliefsim sweep baseline --vary policy.dibao_line=1200:1600 --sample lhs:20 --workers 2
  (run the same command again to resume: finished runs are skipped)
"""
EPILOG_FORECAST = """example:
  reliefsim forecast baseline --years 5 --reps 20 --out forecast/
"""
EPILOG_SENSITIVITY = """example:
  reliefsim sensitivity baseline --param behaviour.apply_prob=0.04:0.12 \\
      --param casework.visits_per_month=100:600 --method morris --n 6
"""
EPILOG_RESULTS = """examples:
  reliefsim results list
  reliefsim results show 3
  reliefsim results export 3 --format parquet --out sweep3.parquet
"""
EPILOG_CLASSIFY = """example:
  reliefsim classify --households households.csv --members members.csv \\
      --scenario baseline --output tiers.csv
"""


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario value (VALUE is TOML: 1.5, true, \"text\", [1, 2]);"
                        " repeatable")


def _add_size_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--households", type=int, help="simulated households (run.households)")
    p.add_argument("--months", type=int, help="months to simulate (run.months)")
    p.add_argument("--seed", type=int, help="root seed (run.seed)")


def _add_executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--dask", metavar="tcp://HOST:PORT", help="an existing Dask scheduler")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``reliefsim`` command."""
    parser = argparse.ArgumentParser(
        prog="reliefsim",
        description="Simulation and policy-impact model of tiered social assistance.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and print its summary",
                         epilog=EPILOG_RUN, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("scenario", help="scenario name (in scenarios/) or path to a .toml file")
    run.add_argument("--households", type=int, help="simulated households (run.households)")
    run.add_argument("--months", type=int, help="months to simulate (run.months)")
    run.add_argument("--seed", type=int, help="root seed (run.seed)")
    run.add_argument("--replication", type=int, default=0, help="replication number")
    run.add_argument("--db", default="sqlite:///reliefsim.db",
                     help="results store URL (default: sqlite:///reliefsim.db)")
    run.add_argument("--figure", type=Path, help="write the four-panel figure to this PNG")
    run.add_argument("--no-store", action="store_true", help="do not store the run")
    run.add_argument("--profile", action="store_true",
                     help="also print where the month's time goes, by stage")
    _add_scenario_options(run)

    cl = sub.add_parser("classify", help="assign tiers and basic living to households in CSV",
                        epilog=EPILOG_CLASSIFY,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    cl.add_argument("--households", required=True, type=Path, help="households.csv")
    cl.add_argument("--members", required=True, type=Path, help="members.csv")
    cl.add_argument("--scenario", default="baseline", help="scenario (default: baseline)")
    cl.add_argument("--month", help="month whose dated values apply, YYYY-MM (default run.start)")
    cl.add_argument("--output", required=True, type=Path, help="output CSV")
    _add_scenario_options(cl)

    cp = sub.add_parser("compare", help="paired comparison of two scenarios (B − A, 95 % CI)",
                        epilog=EPILOG_COMPARE, formatter_class=argparse.RawDescriptionHelpFormatter)
    cp.add_argument("a", help="scenario A (reference)")
    cp.add_argument("b", help="scenario B (reform)")
    cp.add_argument("--reps", type=int, default=10, help="replications (default 10)")
    cp.add_argument("--unpaired", action="store_true",
                    help="also run B on independent seeds and show the unpaired interval")
    cp.add_argument("--db", help="also store the runs in this results store")
    _add_size_options(cp)
    _add_executor_options(cp)
    _add_scenario_options(cp)

    sw = sub.add_parser("sweep", help="run a design of scenario variants × replications",
                        epilog=EPILOG_SWEEP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sw.add_argument("scenario")
    sw.add_argument("--vary", action="append", default=[], metavar="KEY=LEVELS",
                    help="KEY=v1,v2,… (grid levels) or KEY=LOW:HIGH (range, with --sample)")
    sw.add_argument("--sample", metavar="lhs:N", help="Latin-hypercube sample of the ranges")
    sw.add_argument("--reps", type=int, default=1, help="replications per point (default 1)")
    sw.add_argument("--name", help="experiment name")
    sw.add_argument("--db", default="sqlite:///reliefsim.db", help="results store URL")
    _add_size_options(sw)
    _add_executor_options(sw)
    _add_scenario_options(sw)

    fc = sub.add_parser("forecast", help="spending by programme and year with P10/P50/P90",
                        epilog=EPILOG_FORECAST,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    fc.add_argument("scenario")
    fc.add_argument("--years", type=int, default=5, help="years to forecast (default 5)")
    fc.add_argument("--reps", type=int, default=20, help="replications (default 20)")
    fc.add_argument("--out", type=Path, default=Path("forecast"),
                    help="folder for forecast.csv, forecast.xlsx, forecast.png")
    fc.add_argument("--households", type=int, help="simulated households")
    fc.add_argument("--seed", type=int, help="root seed")
    _add_executor_options(fc)
    _add_scenario_options(fc)

    se = sub.add_parser("sensitivity", help="Morris or Sobol indices (SALib) of indicators",
                        epilog=EPILOG_SENSITIVITY,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    se.add_argument("scenario")
    se.add_argument("--param", action="append", default=[], metavar="NAME=LOW:HIGH")
    se.add_argument("--method", default="morris", choices=("morris", "sobol"))
    se.add_argument("--n", type=int, default=8,
                    help="trajectories (Morris) or base samples (Sobol, a power of 2)")
    _add_size_options(se)
    _add_executor_options(se)
    _add_scenario_options(se)

    rs = sub.add_parser("results", help="list, show or export stored experiments",
                        epilog=EPILOG_RESULTS, formatter_class=argparse.RawDescriptionHelpFormatter)
    rs.add_argument("action", choices=("list", "show", "export"))
    rs.add_argument("experiment", nargs="?", type=int, help="experiment id (show, export)")
    rs.add_argument("--db", default="sqlite:///reliefsim.db", help="results store URL")
    rs.add_argument("--format", choices=("csv", "parquet"), default="csv")
    rs.add_argument("--out", type=Path, help="export file (default experiment-ID.csv)")
    rs.add_argument("--monthly", action="store_true", help="export monthly series too")

    sc = sub.add_parser("scenario", help="list a scenario's parameters with units and sources",
                        epilog="example:\n  reliefsim scenario marginal_2x --grep policy.",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sc.add_argument("scenario")
    sc.add_argument("--grep", default="", help="only keys containing this text")
    _add_scenario_options(sc)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for any input problem)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
        commands = {"classify": cmd_classify, "scenario": cmd_scenario, "compare": cmd_compare,
                    "sweep": cmd_sweep, "forecast": cmd_forecast,
                    "sensitivity": cmd_sensitivity, "results": cmd_results}
        return commands[args.command](args)
    except ReliefsimError as exc:
        print(f"reliefsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("reliefsim: interrupted", file=sys.stderr)
        return 130


def _scenario(name: str, overrides: list[str]):
    from reliefsim.scenario import load_scenario, parse_set

    return load_scenario(name, parse_set(overrides))


def cmd_run(args: argparse.Namespace) -> int:
    """``reliefsim run``: simulate, print the summary, store the run, draw the figure."""
    from reliefsim.experiment import RunSpec, run_spec
    from reliefsim.report import demo_figure, format_stages, format_summary
    from reliefsim.store import experiment_id, open_store, save_result

    scenario = _scenario(args.scenario, args.overrides)
    for flag, value, low in (("--households", args.households, 1), ("--months", args.months, 1),
                             ("--seed", args.seed, 0), ("--replication", args.replication, 0)):
        if value is not None and value < low:
            raise ReliefsimError(f"{flag} {value}: expected a whole number ≥ {low}")
    engine = None if args.no_store else open_store(args.db)
    v = scenario.values(0)
    spec = RunSpec(scenario, int(args.households or v.run.households),
                   int(args.months or v.run.months),
                   int(v.run.seed if args.seed is None else args.seed), args.replication)
    result = run_spec(spec)
    warmup = min(int(v.run.warmup_months), spec.months - 1)
    title = (f"reliefsim run: {scenario.name} — {spec.households:,} simulated households "
             f"representing {v.population.households_represented:,.0f}, {spec.months} months "
             f"from {scenario.start} (summary over months {warmup}+), seed {spec.seed}")
    print(format_summary(result.indicators, title))
    print(f"\n({result.seconds:.1f} s)")
    if args.profile:
        print("\n" + format_stages(result.stage_seconds, spec.months, spec.households,
                                   result.seconds))
    if engine is not None:
        exp = experiment_id(engine, f"run-{time.time_ns()}", f"run {scenario.name}", "run",
                            {"households": spec.households, "months": spec.months})
        save_result(engine, exp, result)
        print(f"stored as experiment {exp} in {args.db}")
    if args.figure:
        path = demo_figure(result.monthly, warmup, scenario.start, args.figure,
                           f"reliefsim — {scenario.name}")
        print(f"figure written to {path}")
    return 0


def _check_executor(args: argparse.Namespace) -> None:
    if args.workers < 1:
        raise ReliefsimError(f"--workers {args.workers}: expected a whole number ≥ 1")
    for flag in ("households", "months"):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            raise ReliefsimError(f"--{flag} {value}: expected a whole number ≥ 1")
    if args.dask:
        from reliefsim.experiment import connect_dask

        connect_dask(args.dask).close()


def cmd_compare(args: argparse.Namespace) -> int:
    """``reliefsim compare``: B − A per headline indicator with a paired 95 % interval."""
    from reliefsim.api import compare
    from reliefsim.report import format_comparison
    from reliefsim.scenario import parse_set

    _check_executor(args)
    if args.db:
        from reliefsim.store import open_store

        open_store(args.db)
    result = compare(args.a, args.b, reps=args.reps, households=args.households,
                     months=args.months, seed=args.seed, overrides=parse_set(args.overrides),
                     workers=args.workers, dask=args.dask, unpaired=args.unpaired, db=args.db)
    print(format_comparison(result))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """``reliefsim sweep``: run (or resume) a design, streaming runs to the store."""
    from reliefsim.api import sweep
    from reliefsim.scenario import parse_set

    _check_executor(args)
    result = sweep(args.scenario, args.vary, reps=args.reps, sample=args.sample,
                   households=args.households, months=args.months, seed=args.seed,
                   overrides=parse_set(args.overrides), workers=args.workers, dask=args.dask,
                   db=args.db, name=args.name)
    print(f"sweep stored as experiment {result.experiment_id} in {args.db}: "
          f"{result.ran} runs done now, {result.skipped} already stored")
    print(f"see: reliefsim results show {result.experiment_id} --db {args.db}")
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    """``reliefsim forecast``: table, CSV, Excel workbook and fan chart."""
    from reliefsim.api import forecast
    from reliefsim.report import fan_chart, format_forecast
    from reliefsim.scenario import parse_set

    args.months = None
    _check_executor(args)
    table = forecast(args.scenario, years=args.years, reps=args.reps, households=args.households,
                     seed=args.seed, overrides=parse_set(args.overrides), workers=args.workers,
                     dask=args.dask)
    print(format_forecast(table, args.scenario, args.reps))
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "forecast.csv", index=False)
    wide = table.pivot(index="programme", columns="year", values="p50")
    with _excel(out / "forecast.xlsx") as writer:
        table.to_excel(writer, sheet_name="by programme and year", index=False)
        wide.to_excel(writer, sheet_name="P50 (yuan per year)")
    fan_chart(table, out / "forecast.png", f"Budget forecast — {args.scenario}")
    print(f"written: {out / 'forecast.csv'}, {out / 'forecast.xlsx'}, {out / 'forecast.png'}")
    return 0


def _excel(path: Path):
    import pandas as pd

    return pd.ExcelWriter(path, engine="openpyxl")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``reliefsim sensitivity``: indices with confidence intervals."""
    from reliefsim.api import sensitivity
    from reliefsim.report import format_table
    from reliefsim.scenario import parse_set

    _check_executor(args)
    table = sensitivity(args.scenario, args.param, method=args.method, n=args.n,
                        households=args.households, months=args.months, seed=args.seed,
                        overrides=parse_set(args.overrides), workers=args.workers,
                        dask=args.dask)
    conf = "(conf = 95 % bootstrap half-width)"
    print(f"{args.method} sensitivity of {args.scenario} {conf}")
    print(format_table(table))
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    """``reliefsim results list|show|export``."""
    import pandas as pd

    from reliefsim.report import format_table
    from reliefsim.store import experiment_runs, list_experiments, metrics_frame, open_store

    engine = open_store(args.db)
    if args.action == "list":
        rows = list_experiments(engine)
        print(format_table(pd.DataFrame(rows)) if rows else "no experiments stored")
        return 0
    if args.experiment is None:
        raise ReliefsimError(f"results {args.action}: give an experiment id "
                             "(see `reliefsim results list`)")
    if args.action == "show":
        runs = pd.DataFrame(experiment_runs(engine, args.experiment))
        print(format_table(runs.drop(columns=["status"])) if len(runs) else "no runs")
        summary = metrics_frame(engine, args.experiment, summary_only=True)
        if len(summary):
            from reliefsim.experiment import HEADLINE

            wide = summary[summary["name"].isin(HEADLINE)].pivot_table(
                index=["scenario", "point"], columns="name", values="value", aggfunc="mean")
            print()
            print("mean over replications:")
            print(format_table(wide.reset_index()))
        return 0
    frame = metrics_frame(engine, args.experiment, summary_only=not args.monthly)
    out = args.out or Path(f"experiment-{args.experiment}.{args.format}")
    tmp = out.with_name(f".{out.name}.partial")
    if args.format == "csv":
        frame.to_csv(tmp, index=False)
    else:
        frame.to_parquet(tmp, index=False)
    tmp.replace(out)
    print(f"exported {len(frame)} rows to {out}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    """``reliefsim classify``: one output row per household, written atomically."""
    import numpy as np

    from reliefsim.microdata import read_microdata
    from reliefsim.rules import assess, basic_living
    from reliefsim.scenario import MONTH_PATTERN
    from reliefsim.schema import TIER_NAMES

    scenario = _scenario(args.scenario, args.overrides)
    if args.month and not MONTH_PATTERN.match(args.month):
        raise ReliefsimError(f"--month {args.month!r}: expected YYYY-MM")
    v = scenario.values_at(args.month) if args.month else scenario.values(0)
    pop = read_microdata(args.households, args.members, tuple(v.policy.rigid_items))
    a = assess(pop.facts, v)
    basic = basic_living(pop.facts, v, a.tier, a)
    out = args.output
    if out.parent and not out.parent.exists():
        raise ReliefsimError(f"--output {out}: folder {out.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=out.parent or ".", prefix=".classify-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["household_id", "tier", "basic_living", "income_pc", "assets_ok",
                             "size"])
            for i in range(pop.n):
                writer.writerow([pop.ids[i], TIER_NAMES[a.tier[i]], f"{basic[i]:.2f}",
                                 f"{a.income_pc[i]:.2f}", int(a.assets_ok[i]), int(a.size[i])])
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    counts = np.bincount(a.tier, minlength=5)
    summary = ", ".join(f"{TIER_NAMES[c]} {counts[c]}" for c in range(4, -1, -1))
    print(f"classified {pop.n} households ({summary}) → {out}")
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    """``reliefsim scenario``: parameters with value, unit and source."""
    scenario = _scenario(args.scenario, args.overrides)
    for key, p in scenario.params.items():
        if args.grep not in key:
            continue
        value = scenario.value(key)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        print(f"{key:<42} {shown:<14} {p.unit}")
        print(f"{'':<6}source: {p.source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
