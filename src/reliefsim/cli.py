"""The ``reliefsim`` command: run scenarios, classify households, show scenario parameters."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

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
EPILOG_FORECAST = """examples:
  reliefsim forecast baseline --years 5 --reps 20 --out forecast/
  reliefsim forecast baseline --set run.start=2027-01 --years 3 --out forecast2028/
  (the years follow the 12-month warm-up: a start in 2027-01 forecasts 2028 on)
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
EPILOG_CLASSIFY = """examples:
  reliefsim classify --households households.csv --members members.csv \\
      --scenario baseline --output tiers.csv
  reliefsim classify --households households.csv --members members.csv \\
      --output tiers.csv --explain          # reasons and every amount as columns
"""
EPILOG_EXPLAIN = """examples:
  reliefsim explain --wages 900 --member age=45,works=1 --member age=9,student=primary
  reliefsim explain --pensions 1200 --member age=72 --member age=70,disability=severe \\
      --financial-assets 20000 --month 2025-12 --lang zh
  reliefsim explain --households households.csv --members members.csv --id H7
"""
EPILOG_CHECK = """examples:
  reliefsim check tests/cases/*.yaml
  reliefsim check my_cases.yaml --verbose
(a case file states facts, a period and the expected tier and amounts; see docs/users.md)
"""


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="a reform: KEY=VALUE from the start (uprating kept), KEY=VALUE@YYYY-MM "
                        "from that month, KEY.uprating=RATE for the rule; VALUE is TOML (1.5, "
                        "true, \"text\", [1, 2]); repeatable")


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` keeps the examples' line breaks and shows every option's default.

    Options without a default worth showing (None, off, empty) say in their help what happens
    when they are left out.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (default is None or default is False or default == [] or default is argparse.SUPPRESS
                or "%(default)" in text):
            return text
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every other error of the command."""

    def error(self, message: str) -> NoReturn:
        """Print ``reliefsim: error: …`` with a pointer to ``--help``, and exit 2."""
        self.exit(2, f"reliefsim: error: {message} (see `{self.prog} --help`)\n")


def _command(sub: argparse._SubParsersAction, name: str, **kwargs: str
             ) -> argparse.ArgumentParser:
    """A sub-command: examples' line breaks and defaults in ``--help``, and ``--lang``."""
    p = sub.add_parser(name, formatter_class=HelpFormatter, **kwargs)
    p.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="language of tables, pages, figures and workbooks (default: "
                        "$RELIEFSIM_LANG, else en)")
    return p


def _add_force_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--force", action="store_true",
                   help=f"replace {what} (never an input, a folder, a device or a link)")


def _add_size_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--households", type=int,
                   help="simulated households (default: the scenario's run.households)")
    p.add_argument("--months", type=int,
                   help="months to simulate (default: the scenario's run.months)")
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's run.seed)")


def _add_executor_options(p: argparse.ArgumentParser) -> None:
    from reliefsim.budgets import DEFAULT_MAX_RUNS

    p.add_argument("--workers", type=int, default=1, help="local worker processes")
    p.add_argument("--dask", metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    p.add_argument("--max-runs", type=int, metavar="N",
                   help=f"most runs allowed, checked with the memory before any run starts "
                        f"(default: {DEFAULT_MAX_RUNS:,})")


def _add_study_options(p: argparse.ArgumentParser) -> None:
    """Size, executor and scenario options shared by compare, sweep and sensitivity."""
    _add_size_options(p)
    _add_executor_options(p)
    _add_scenario_options(p)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``reliefsim`` command."""
    parser = Parser(
        prog="reliefsim", formatter_class=HelpFormatter,
        description="Simulation and policy-impact model of tiered social assistance.",
        epilog="Every command takes --lang zh|en (default $RELIEFSIM_LANG, else en) and "
               "shows its defaults in its --help.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = _command(sub, "run", help="run one scenario and print its summary",
                   epilog=EPILOG_RUN)
    run.add_argument("scenario", help="scenario name (in scenarios/) or path to a .toml file")
    _add_size_options(run)
    run.add_argument("--replication", type=int, default=0, help="replication number")
    run.add_argument("--db", default="sqlite:///reliefsim.db", help="results store URL")
    run.add_argument("--figure", type=Path, help="write the four-panel figure to this PNG")
    run.add_argument("--no-store", action="store_true", help="do not store the run")
    run.add_argument("--profile", action="store_true",
                     help="also print where the month's time goes, by stage")
    run.add_argument("--quiet", action="store_true",
                     help="no progress line (it is drawn only on a terminal anyway)")
    _add_force_option(run, "an existing --figure file")
    _add_scenario_options(run)

    cl = _command(sub, "classify", help="assign tiers and basic living to households in CSV",
                  epilog=EPILOG_CLASSIFY)
    cl.add_argument("--households", required=True, type=Path, help="households.csv")
    cl.add_argument("--members", required=True, type=Path, help="members.csv")
    cl.add_argument("--scenario", default="baseline", help="scenario")
    cl.add_argument("--month", help="month whose dated values apply, YYYY-MM (default: the "
                                    "scenario's run.start)")
    cl.add_argument("--output", required=True, type=Path, help="output CSV")
    cl.add_argument("--explain", action="store_true",
                    help="add the reason, each test's numbers and every amount (add-ons, "
                         "special programmes, the temporary-assistance cap) as columns")
    _add_force_option(cl, "an existing --output file")
    _add_scenario_options(cl)

    ex = _command(sub, "explain", help="one household: each test with its numbers, the tier "
                                       "and every payment", epilog=EPILOG_EXPLAIN)
    from reliefsim.explain_cli import add_explain_options

    add_explain_options(ex)
    _add_scenario_options(ex)

    ck = _command(sub, "check", help="check expected-value cases (YAML) against the rules",
                  epilog=EPILOG_CHECK)
    ck.add_argument("files", nargs="+", type=Path, metavar="CASES.yaml")
    ck.add_argument("--verbose", action="store_true", help="also list the cases that pass")

    cp = _command(sub, "compare", help="paired comparison of two scenarios (B − A, 95 %% CI)",
                  epilog=EPILOG_COMPARE)
    cp.add_argument("a", help="scenario A (reference)")
    cp.add_argument("b", help="scenario B (reform)")
    cp.add_argument("--reps", type=int, default=10, help="replications")
    cp.add_argument("--unpaired", action="store_true",
                    help="also run B on independent seeds and show the unpaired interval")
    cp.add_argument("--db", help="also store the runs in this results store (default: not "
                                 "stored)")
    cp.add_argument("--xlsx", type=Path, metavar="FILE",
                    help="also write a workbook: every indicator with A, B, B − A and its 95 %% "
                         "interval, every run, what was run")
    _add_force_option(cp, "an existing --xlsx file")
    _add_study_options(cp)

    sw = _command(sub, "sweep", help="run a design of scenario variants × replications",
                  epilog=EPILOG_SWEEP)
    sw.add_argument("scenario", help="scenario name (in scenarios/) or path to a .toml file")
    sw.add_argument("--vary", action="append", default=[], metavar="KEY=LEVELS",
                    help="KEY=v1,v2,… (grid levels) or KEY=LOW:HIGH (range, with --sample)")
    sw.add_argument("--sample", metavar="lhs:N",
                    help="Latin-hypercube sample of the ranges (default: the grid of levels)")
    sw.add_argument("--reps", type=int, default=1, help="replications per point")
    sw.add_argument("--name", help="experiment name (default: from the scenario and reforms)")
    sw.add_argument("--db", default="sqlite:///reliefsim.db", help="results store URL")
    sw.add_argument("--xlsx", type=Path, metavar="FILE",
                    help="also write the sweep's results as a workbook (as `results export "
                         "--format xlsx`)")
    _add_force_option(sw, "an existing --xlsx file")
    _add_study_options(sw)

    fc = _command(sub, "forecast", help="spending by programme and year with P10/P50/P90",
                  epilog=EPILOG_FORECAST)
    fc.add_argument("scenario", help="scenario name (in scenarios/) or path to a .toml file")
    fc.add_argument("--years", type=int, default=5, help="years to forecast")
    fc.add_argument("--reps", type=int, default=20, help="replications")
    fc.add_argument("--out", type=Path, default=Path("forecast"),
                    help="folder for forecast.csv, forecast.xlsx, forecast.png")
    _add_force_option(fc, "the forecast files already in --out")
    fc.add_argument("--households", type=int,
                    help="simulated households (default: the scenario's run.households)")
    fc.add_argument("--seed", type=int, help="root seed (default: the scenario's run.seed)")
    _add_executor_options(fc)
    _add_scenario_options(fc)

    se = _command(sub, "sensitivity", help="Morris or Sobol indices (SALib) of indicators",
                  epilog=EPILOG_SENSITIVITY)
    se.add_argument("scenario", help="scenario name (in scenarios/) or path to a .toml file")
    se.add_argument("--param", action="append", default=[], metavar="NAME=LOW:HIGH",
                    help="a parameter and its range; repeatable")
    se.add_argument("--method", default="morris", choices=("morris", "sobol"),
                    help="Morris screening or Sobol indices")
    se.add_argument("--n", type=int, default=8,
                    help="trajectories (Morris) or base samples (Sobol, a power of 2)")
    se.add_argument("--indicator", action="append", default=[], metavar="NAME",
                    help="an indicator to analyse (names as in `reliefsim run`'s summary, e.g. "
                         "missed_rate, spend.total); repeatable (default: missed_rate, "
                         "leakage_of_recipients, spend.total)")
    se.add_argument("--db", default="sqlite:///reliefsim.db",
                    help="results store URL: every run is stored as it finishes, and the same "
                         "command again resumes")
    se.add_argument("--no-store", action="store_true", help="do not store the runs")
    se.add_argument("--figure", type=Path, metavar="PNG",
                    help="write the plot (Morris μ*/σ or Sobol S1/ST with intervals)")
    se.add_argument("--xlsx", type=Path, metavar="FILE",
                    help="write the indices and samples as a workbook")
    _add_force_option(se, "existing --figure and --xlsx files")
    _add_study_options(se)

    rs = _command(sub, "results", help="list, show or export stored experiments",
                  epilog=EPILOG_RESULTS)
    rs.add_argument("action", choices=("list", "show", "export"))
    rs.add_argument("experiment", nargs="?", type=int, help="experiment id (show, export)")
    rs.add_argument("--db", default="sqlite:///reliefsim.db", help="results store URL")
    rs.add_argument("--format", choices=("csv", "parquet", "xlsx"), default="csv",
                    help="csv and parquet: one row per run and indicator; xlsx: a workbook "
                         "with one column per lever and per indicator, units and formats")
    rs.add_argument("--out", type=Path,
                    help="export file (default: experiment-ID.FORMAT in this folder)")
    rs.add_argument("--monthly", action="store_true", help="export monthly series too")
    rs.add_argument("--by", choices=("district",),
                    help="district: every indicator per district (xlsx: a sheet with a row per "
                         "design point and district, and the city's)")
    _add_force_option(rs, "an existing export file")

    rp = _command(sub, "report", help="HTML page and PNG figures for a stored experiment",
                  epilog="examples:\n  reliefsim report 2 --out report/\n"
                               "  reliefsim report 5 --db postgresql+psycopg://u@h/db")
    rp.add_argument("experiment", type=int, help="experiment id (see `reliefsim results list`)")
    rp.add_argument("--db", default="sqlite:///reliefsim.db", help="results store URL")
    rp.add_argument("--out", type=Path, default=Path("report"), help="output folder")
    rp.add_argument("--point", type=int, metavar="N",
                    help="the design point to detail, as `results show` numbers them (default: "
                         "P1)")
    _add_force_option(rp, "the files of an earlier report in --out")

    ca = _command(sub, "calibrate", help="fit parameters to published figures (MSM)",
                  epilog="example:\n  reliefsim calibrate calibration/beijing.toml "
                               "--workers 2")
    ca.add_argument("calibration", type=Path, help="calibration file (targets, parameters)")
    ca.add_argument("--scenario", default="baseline", help="scenario to calibrate")
    ca.add_argument("--global-points", type=int, default=12,
                    help="Latin-hypercube points of the global search")
    ca.add_argument("--local-iterations", type=int, default=30,
                    help="most evaluations of the least-squares refinement")
    ca.add_argument("--write", type=Path, default=None,
                    help="scenario file for the calibrated values (default "
                         "scenarios/calibrated/NAME.toml; baseline.toml includes "
                         "calibrated/beijing.toml)")
    _add_force_option(ca, "an existing --write file (and its fit record) that calibrate did "
                          "not write")
    _add_executor_options(ca)

    va = _command(sub, "validate", help="compare a scenario with published figures",
                  epilog="example:\n  reliefsim validate baseline calibration/beijing.toml")
    va.add_argument("scenario", help="scenario name (in scenarios/) or path to a .toml file")
    va.add_argument("calibration", type=Path, help="calibration file (targets)")
    va.add_argument("--reps", type=int, help="replications (default: the file's validation_reps)")
    va.add_argument("--seed", type=int, help="seed (default: the file's validation_seed)")
    _add_executor_options(va)
    _add_scenario_options(va)

    ap = _command(sub, "app", help="classroom app in the browser (Mesa SolaraViz)",
                  epilog="example:\n  reliefsim app integrated_data --port 8765")
    ap.add_argument("scenario", nargs="?", default="baseline", help="scenario of the town")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on")
    ap.add_argument("--port", type=int, default=8765, help="port to listen on")

    sc = _command(sub, "scenario", help="list a scenario's parameters with units and sources",
                  epilog="examples:\n  reliefsim scenario marginal_2x --grep policy.\n"
                         "  reliefsim scenario baseline --set policy.dibao_line=1400 "
                         "--at 2028-01 --grep dibao")
    sc.add_argument("scenario", help="scenario name (in scenarios/) or path to a .toml file")
    sc.add_argument("--grep", default="", help="only keys containing this text (default: all)")
    sc.add_argument("--at", metavar="YYYY-MM",
                    help="show the values in force in this month (default the run's start)")
    _add_scenario_options(sc)

    au = _command(sub, "audit", help="move every parameter to its range's ends: does it matter?",
                  epilog="example:\n  reliefsim audit baseline --workers 2")
    au.add_argument("scenario", nargs="?", default="baseline",
                    help="scenario name (in scenarios/) or path to a .toml file")
    au.add_argument("--households", type=int, default=1500, help="simulated households per run")
    au.add_argument("--months", type=int, default=36, help="months per run")
    au.add_argument("--seed", type=int, default=3, help="root seed (common to every run)")
    au.add_argument("--only", action="append", default=[], metavar="KEY",
                    help="probe only this parameter (repeatable)")
    _add_executor_options(au)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for any problem, 128 + N after signal N)."""
    args = build_parser().parse_args(argv)
    from reliefsim.memory import tune_memory
    from reliefsim.safety import guarded

    tune_memory()
    return guarded(_dispatch, args)  # every failure one line, workers stopped on a signal


def _dispatch(args: argparse.Namespace) -> int:
    from reliefsim.i18n import resolve

    args.lang = resolve(getattr(args, "lang", None))
    if args.command in ("run", "compare", "sweep", "forecast", "sensitivity", "calibrate",
                        "validate"):
        from reliefsim.progress import compile_note
        from reliefsim.threads import threads

        threads()  # a bad RELIEFSIM_THREADS stops the command before any work
        compile_note()
    if args.command == "run":
        return cmd_run(args)
    from reliefsim.explain_cli import cmd_check, cmd_explain

    commands = {"classify": cmd_classify, "scenario": cmd_scenario, "compare": cmd_compare,
                "sweep": cmd_sweep, "forecast": cmd_forecast,
                "sensitivity": cmd_sensitivity, "results": cmd_results, "app": cmd_app,
                "report": cmd_report, "calibrate": cmd_calibrate,
                "validate": cmd_validate, "explain": cmd_explain, "check": cmd_check,
                "audit": cmd_audit}
    return commands[args.command](args)


def _scenario(name: str, overrides: list[str]):
    from reliefsim.api import scenario

    return scenario(name, overrides)


def cmd_run(args: argparse.Namespace) -> int:
    """``reliefsim run``: simulate, print the summary, store the run, draw the figure."""
    from reliefsim import api
    from reliefsim.figures import demo_figure
    from reliefsim.progress import MonthProgress
    from reliefsim.report import format_stages, format_summary

    _check_output(args.figure, "--figure", args, args.scenario, expect="a PNG file name")
    bar = None if args.quiet else MonthProgress(f"run {Path(args.scenario).stem}")
    done = api.run(args.scenario, args.overrides, households=args.households,
                   months=args.months, seed=args.seed, replication=args.replication,
                   db=None if args.no_store else args.db, progress=bar)
    sc = done.scenario
    result, v = done.result, sc.values(0)
    spec = result.spec
    title = (f"reliefsim run: {api.named(sc.name, args.overrides)} — {spec.households:,} "
             f"simulated households representing {v.population.households_represented:,.0f}, "
             f"{spec.months} months from {sc.start} (summary over months {done.warmup}+), "
             f"seed {spec.seed}")
    if 0 < result.offices < int(v.population.streets):
        title += (f"; the {int(v.population.streets)} street offices are pooled by district into "
                  f"{result.offices} at this sample size (casework.min_simulated_visits)")
    if args.lang == "zh":
        title = (f"reliefsim 运行：{api.named(sc.name, args.overrides)} — {spec.households:,} "
                 f"个模拟家庭，代表 {v.population.households_represented:,.0f} 户，自 {sc.start} "
                 f"起 {spec.months} 个月（统计第 {done.warmup} 月起），随机种子 {spec.seed}"
                 + (f"；按此样本量，{int(v.population.streets)} 个街道按区合并为 "
                    f"{result.offices} 个（casework.min_simulated_visits）"
                    if 0 < result.offices < int(v.population.streets) else ""))
    print(format_summary(result.summary, title, args.lang))
    if done.warmup < int(v.run.warmup_months):
        print(f"\nnote: run.warmup_months is {int(v.run.warmup_months)} but only {spec.months} "
              f"months were simulated, so the summary covers months {done.warmup}+, before the "
              "caseload has settled; run more months for steady-state figures")
    print(f"\n({result.seconds:.1f} s)")
    if args.profile:
        print("\n" + format_stages(result.stage_seconds, spec.months, spec.households,
                                   result.seconds))
    if done.experiment_id is not None:
        print(f"stored as experiment {done.experiment_id} in {_shown(args.db)}")
    if args.figure is not None:
        path = demo_figure(result.monthly, done.warmup, sc.start, args.figure,
                           f"reliefsim — {sc.name}", args.lang)
        print(f"figure written to {path}")
    return 0


def _shown(url: str) -> str:
    """A store URL as printed: its password masked."""
    from reliefsim.store import shown

    return shown(url)


def _scenario_inputs(*names: str) -> dict[str, list[Path]]:
    """The files the named scenarios are read from (never to be replaced by an output)."""
    from reliefsim.scenario import source_files

    files: list[Path] = []
    for name in names:
        chain, included = source_files(name)
        files += chain + included
    return {"scenario": files}


def _store_files(url: str | None) -> list[Path]:
    """A SQLite store's file and its journal files (none for other databases)."""
    from reliefsim.store import sqlite_file

    path = sqlite_file(url) if url else None
    return [] if path is None else [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def _check_output(path: Path | None, flag: str, args: argparse.Namespace, *scenarios: str,
                  expect: str = "a file name") -> None:
    """Check an output file of a command before its work starts (reliefsim.outputs)."""
    if path is None:
        return
    from reliefsim.outputs import check_file

    db = None if getattr(args, "no_store", False) else getattr(args, "db", None)
    check_file(path, flag, force=args.force, expect=expect,
               inputs={**_scenario_inputs(*scenarios), "--db": _store_files(db)})


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
    _check_executor(args)  # compare checks the store before any run: a bad --db fails first
    _check_output(args.xlsx, "--xlsx", args, args.a, args.b, expect="an .xlsx file name")
    result = compare(args.a, args.b, reps=args.reps, households=args.households,
                     months=args.months, seed=args.seed, overrides=args.overrides,
                     workers=args.workers, dask=args.dask, unpaired=args.unpaired, db=args.db,
                     max_runs=args.max_runs)
    print(format_comparison(result, args.lang))
    if args.xlsx:
        from reliefsim.exports import comparison_workbook

        first = result.results_a[0].spec
        path = comparison_workbook(result, args.xlsx, {
            "reforms": (args.overrides and ", ".join(args.overrides)) or None,
            "seed": first.seed, "replications": result.reps, "households": first.households,
            "months": first.months, "start": first.scenario.start}, args.lang, args.force)
        print(f"workbook written to {path}")
    if result.experiment_id is not None:
        db = _shown(args.db)
        print(f"\nstored as experiment {result.experiment_id} in {db}; "
              f"see: reliefsim report {result.experiment_id} --db {db}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """``reliefsim sweep``: run (or resume) a design, streaming runs to the store."""
    from reliefsim.api import sweep
    _check_executor(args)
    _check_output(args.xlsx, "--xlsx", args, args.scenario, expect="an .xlsx file name")
    result = sweep(args.scenario, args.vary, reps=args.reps, sample=args.sample,
                   households=args.households, months=args.months, seed=args.seed,
                   overrides=args.overrides, workers=args.workers, dask=args.dask,
                   db=args.db, name=args.name, max_runs=args.max_runs)
    db = _shown(args.db)
    print(f"sweep stored as experiment {result.experiment_id} in {db}: "
          f"{result.ran} runs done now, {result.skipped} already stored")
    print(f"see: reliefsim results show {result.experiment_id} --db {db}")
    if args.xlsx:
        from reliefsim.exports import experiment_workbook
        from reliefsim.store import open_reader

        path = experiment_workbook(open_reader(args.db), result.experiment_id, args.xlsx,
                                   args.lang, force=args.force)
        print(f"workbook written to {path}")
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    """``reliefsim forecast``: table, CSV, Excel workbook and fan chart."""
    from reliefsim.api import check_forecast_folder, forecast, reform_text, write_forecast
    from reliefsim.i18n import pick
    from reliefsim.report import format_forecast

    _check_executor(args)
    check_forecast_folder(args.out, args.force, _scenario_inputs(args.scenario))
    table = forecast(args.scenario, years=args.years, reps=args.reps, households=args.households,
                     seed=args.seed, overrides=args.overrides, workers=args.workers,
                     dask=args.dask, max_runs=args.max_runs)
    print(format_forecast(table, args.scenario, args.reps, args.lang))
    sc = _scenario(args.scenario, args.overrides)
    v = sc.values(0)
    settings = {"scenario": sc.name, "reforms": reform_text(args.overrides) or None,
                "seed": args.seed if args.seed is not None else int(v.run.seed),
                "replications": args.reps,
                "households": args.households or int(v.run.households),
                "start": sc.start, "warmup": int(v.run.warmup_months),
                "years": ", ".join(str(y) for y in dict.fromkeys(table["year"]))}
    paths = write_forecast(table, args.out, pick(f"Budget forecast — {args.scenario}",
                                                 f"预算预测 — {args.scenario}", args.lang),
                           args.lang, settings, args.force)
    print("written: " + ", ".join(str(p) for p in paths))
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``reliefsim sensitivity``: indices in the indicators' units, stored, plotted, exported."""
    from reliefsim.api import SENSITIVITY_INDICATORS, sensitivity_study
    from reliefsim.indicators import check_names, indicator
    from reliefsim.report import format_sensitivity

    _check_executor(args)
    chosen = check_names(args.indicator or SENSITIVITY_INDICATORS)
    _check_output(args.figure, "--figure", args, args.scenario, expect="a PNG file name")
    _check_output(args.xlsx, "--xlsx", args, args.scenario, expect="an .xlsx file name")
    if args.figure is not None and args.xlsx is not None and args.figure == args.xlsx:
        raise ReliefsimError(f"--figure and --xlsx both name {args.xlsx}; give two files")
    study = sensitivity_study(args.scenario, args.param, method=args.method, n=args.n,
                              households=args.households, months=args.months, seed=args.seed,
                              overrides=args.overrides, workers=args.workers, dask=args.dask,
                              indicators=chosen, db=None if args.no_store else args.db,
                              max_runs=args.max_runs)
    print(format_sensitivity(study.table, args.method, args.scenario, args.lang))
    if study.experiment_id is not None:
        db = _shown(args.db)
        print(f"\nstored as experiment {study.experiment_id} in {db}; see: reliefsim "
              f"report {study.experiment_id} --db {db}")
    if args.figure:
        from reliefsim.figures import sensitivity

        units = {n: indicator(n).unit for n in chosen}
        print(f"figure written to "
              f"{sensitivity(study.table, args.method, units, args.figure, args.lang)}")
    if args.xlsx:
        from reliefsim.exports import sensitivity_workbook

        st = study.settings
        path = sensitivity_workbook(study.table, args.method, study.samples, args.xlsx, {
            "scenario": st["scenario"], "reforms": st["overrides"] or None,
            "levers": ", ".join(f"{k} {lo:g}–{hi:g}" for k, (lo, hi) in
                                zip(st["names"], st["bounds"], strict=True)),
            "seed": st["seed"], "households": st["households"], "months": st["months"],
            "start": st["start"]}, args.lang, args.force)
        print(f"workbook written to {path}")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    """``reliefsim results list|show|export``."""
    import pandas as pd

    from reliefsim.outputs import check_file, write_bytes, write_csv
    from reliefsim.report import format_design, format_table
    from reliefsim.store import experiment_runs, list_experiments, metrics_frame, open_reader

    out = None
    if args.action == "export" and args.experiment is not None:  # checked before any query
        out = args.out or Path(f"experiment-{args.experiment}.{args.format}")
        check_file(out, "--out", inputs={"--db": _store_files(args.db)}, force=args.force,
                   expect=f"a .{args.format} file name")
    engine = open_reader(args.db)  # never creates, migrates or writes the store
    if args.action == "list":
        from reliefsim.i18n import pick

        rows = list_experiments(engine)
        table = pd.DataFrame(rows)
        if args.lang == "zh" and rows:
            table.columns = ["编号", "名称", "类型", "创建时间", "运行次数"]
        print(format_table(table) if rows else pick("no experiments stored", "尚无已存储的实验",
                                                    args.lang))
        return 0
    if args.experiment is None:
        raise ReliefsimError(f"results {args.action}: give an experiment id "
                             "(see `reliefsim results list`)")
    if args.action == "show":
        runs = experiment_runs(engine, args.experiment)
        if not runs:
            print("no runs")
            return 0
        print(format_design(runs, metrics_frame(engine, args.experiment, summary_only=True),
                            args.lang))
        return 0
    assert out is not None
    if args.format == "xlsx":
        from reliefsim.exports import experiment_workbook

        kinds = {e["id"]: e["kind"] for e in list_experiments(engine)}
        if kinds.get(args.experiment) == "sensitivity":
            from reliefsim.api import stored_sensitivity
            from reliefsim.exports import sensitivity_workbook

            study = stored_sensitivity(args.db, args.experiment)
            st = study.settings
            path = sensitivity_workbook(study.table, study.method, study.samples, out, {
                "experiment": args.experiment, "scenario": st["scenario"],
                "reforms": st["overrides"] or None,
                "levers": ", ".join(f"{k} {lo:g}–{hi:g}" for k, (lo, hi) in
                                    zip(st["names"], st["bounds"], strict=True)),
                "seed": st["seed"], "households": st["households"], "months": st["months"],
                "start": st["start"]}, args.lang, args.force)
        else:
            path = experiment_workbook(engine, args.experiment, out, args.lang,
                                       by_district=args.by == "district", monthly=args.monthly,
                                       force=args.force)
        print(f"exported experiment {args.experiment} to {path}")
        return 0
    if args.by == "district":
        from reliefsim.store import district_frame

        frame = district_frame(engine, args.experiment)
    else:
        frame = metrics_frame(engine, args.experiment, summary_only=not args.monthly)
    if args.format == "csv":
        write_csv(frame, out, force=args.force)  # text cells neutralised for spreadsheets
    else:
        import io

        data = io.BytesIO()
        frame.to_parquet(data, index=False)
        write_bytes(out, data.getvalue(), force=args.force)
    print(f"exported {len(frame)} rows to {out}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``reliefsim calibrate``: global search + least squares, write, re-check on fresh seeds."""
    from reliefsim.budgets import check_calibration
    from reliefsim.calibrate import (
        calibrate,
        check_calibrated_target,
        format_fit,
        load_calibration,
        write_calibrated,
    )
    from reliefsim.outputs import check_input
    from reliefsim.scenario import SCENARIO_DIRS

    _check_executor(args)
    check_input(args.calibration)
    scenario = _scenario(args.scenario, [])
    spec = load_calibration(args.calibration, scenario)
    name = f"{args.calibration.stem}.toml"
    target = args.write or next((d / "calibrated" / name for d in SCENARIO_DIRS if d.is_dir()),
                                Path(name))
    check_calibrated_target(target, args.calibration, args.scenario, args.force)
    check_calibration(spec, args.global_points + args.local_iterations + len(spec.parameters)
                      + 2, args.workers, args.dask, args.max_runs,
                      validation_reps=spec.validation_reps)
    fit = calibrate(spec, scenario, args.global_points, args.local_iterations, args.workers,
                    args.dask, log=lambda m: print(m, file=sys.stderr))
    print(format_fit(fit, spec) + "\n")
    validation = _print_validation(spec, scenario.with_overrides(fit.point, origin="calibration"),
                                   args.calibration, spec.validation_reps, spec.validation_seed,
                                   args)
    write_calibrated(fit, spec, target, scenario, validation)
    print(f"\nwritten to {target} (and beside it the estimates' covariance and the "
          "validation)")
    return 0


def _print_validation(spec, scenario, path, reps: int, seed: int,
                      args: argparse.Namespace) -> list:
    from dataclasses import replace

    from reliefsim.calibrate import backcast, evaluate, format_validation

    results = evaluate(replace(spec, reps=reps), scenario, {}, seed, args.workers, args.dask)
    back = backcast(spec, scenario, seed, args.workers, args.dask)
    b = spec.backcast
    back_title = (f"Backcast: the city started in {b['set'].get('run.start', '?')} with that "
                  f"year's lines and rules, {b['households']:,} households × {b['months']} "
                  f"months, {b['reps']} replications" if b else "")
    print(format_validation(results, f"{scenario.name} against {path} — "
                                     f"{spec.households:,} households × {spec.months} months, "
                                     f"{reps} replications, seed {seed}; 95 % intervals",
                            back, back_title))
    return results


def cmd_validate(args: argparse.Namespace) -> int:
    """``reliefsim validate``: each target with source, published and simulated values."""
    from reliefsim.budgets import check_calibration
    from reliefsim.calibrate import load_calibration
    from reliefsim.outputs import check_input

    _check_executor(args)
    check_input(args.calibration)
    scenario = _scenario(args.scenario, args.overrides)
    spec = load_calibration(args.calibration, scenario)
    reps = args.reps or spec.validation_reps
    if reps < 2:
        raise ReliefsimError(f"--reps {reps}: expected a whole number ≥ 2")
    check_calibration(spec, 0, args.workers, args.dask, args.max_runs, "validate",
                      validation_reps=reps)
    seed = spec.validation_seed if args.seed is None else args.seed
    _print_validation(spec, scenario, args.calibration, reps, seed, args)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """``reliefsim audit``: dead parameters (exit 1 when there is one)."""
    from reliefsim.audit import format_audit, run_audit

    _check_executor(args)
    scenario = _scenario(args.scenario, [])
    for key in args.only:
        scenario.check_key(key, "--only")
    scenario.with_overrides({"run.households": args.households, "run.months": args.months},
                            origin="--households/--months")  # within the declared ranges
    from reliefsim import budgets

    probed = len(args.only) if args.only else len(scenario.params)
    budgets.check_study(f"audit {scenario.name}", 2 * probed + 1, args.households, args.months,
                        args.workers, args.dask, max_runs=args.max_runs,
                        how=f"two probes of each of {probed:,} parameters")
    result = run_audit(scenario, args.households, args.months, args.seed, args.workers,
                       args.dask, args.only or None)
    print(format_audit(result, f"{scenario.name}: {args.households:,} households × "
                               f"{args.months} months, seed {args.seed}, every month measured"))
    return 1 if result.dead or result.failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    """``reliefsim report``: a self-contained HTML page plus PNG figures."""
    from reliefsim.report_page import build_report, check_report_folder
    from reliefsim.store import open_reader

    check_report_folder(args.out, args.force, {"--db": _store_files(args.db)})
    path = build_report(open_reader(args.db), args.experiment, args.out, args.lang, args.point,
                        args.db, args.force)
    print(f"report written to {path} (figures beside it)")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """``reliefsim app``: start the classroom app on localhost with ``solara run``."""
    from reliefsim.processes import check_port, exec_server
    from reliefsim.scenario import find_scenario

    path = find_scenario(args.scenario)
    _scenario(str(path), [])
    check_port(args.host, args.port)
    # quiet where nothing is for a teacher to act on: Solara's hook lint on Mesa's own page code
    # (SOLARA_CHECK_HOOKS), its note that a plain-http page gets SameSite=Lax cookies (fine on
    # one's own machine), and its PyPI version query (--no-check-version: it runs before the
    # server starts and wants the network)
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    warnings = ",".join(w for w in (os.environ.get("PYTHONWARNINGS"), quiet) if w)
    env = {"SOLARA_CHECK_HOOKS": "off", **os.environ, "PYTHONWARNINGS": warnings,
           "RELIEFSIM_APP_SCENARIO": str(path.resolve())}
    print(f"classroom app on http://{args.host}:{args.port} (scenario {path.stem}); "
          "Ctrl-C stops it")
    cmd = [sys.executable, "-m", "solara", "run", "reliefsim.app", "--host", args.host,
           "--port", str(args.port), "--production", "--no-open", "--no-check-version"]
    exec_server(cmd, env)  # the server takes this process's place: stopping it stops the server


def cmd_classify(args: argparse.Namespace) -> int:
    """``reliefsim classify``: one output row per household, written atomically."""
    from reliefsim.api import classify, write_classified
    from reliefsim.budgets import check_classify
    from reliefsim.outputs import check_file, check_input

    out = args.output
    for flag in ("--households", "--members"):
        check_input(getattr(args, flag[2:]))
    check_file(out, "--output", force=args.force, expect="a CSV file name",
               inputs={"--households": args.households, "--members": args.members,
                       **_scenario_inputs(args.scenario)})
    check_classify(args.households, args.members)
    frame = classify(args.households, args.members, args.scenario, args.overrides, args.month,
                     explain=args.explain, lang=args.lang)
    write_classified(frame, out, args.force, args.explain)
    counts = frame["tier"].value_counts()
    from reliefsim.codes import TIER_NAMES

    summary = ", ".join(f"{name} {int(counts.get(name, 0))}" for name in TIER_NAMES[::-1])
    print(f"classified {len(frame)} households ({summary}) → {out}")
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    """``reliefsim scenario``: parameters with the value in force, unit and source."""
    from reliefsim.parameters import MONTH_PATTERN
    from reliefsim.scenario import display_value

    sc = _scenario(args.scenario, args.overrides)
    month = args.at or sc.start
    if not MONTH_PATTERN.match(month):
        raise ReliefsimError(f"--at {month!r}: expected YYYY-MM")
    values = sc.values_at(month)
    print(f"{sc.name}: values in force in {month}"
          + ("" if args.at else " (the run's start; --at YYYY-MM for another month)"))
    for key, p in sc.params.items():
        if args.grep not in key:
            continue
        shown = display_value(values.get(key))
        print(f"{key:<42} {shown:<14} {p.unit}")
        if p.dated:
            growth = f", then +{p.uprating:.1%} for each whole year" if p.uprating else ""
            print(f"{'':<6}dated: " + ", ".join(f"{display_value(v)} from {m}" for m, v in p.dated)
                  + growth)
        elif p.uprating:
            print(f"{'':<6}+{p.uprating:.1%} for each whole year from the run's start")
        for r in sc.reforms:
            if r.key == key:
                print(f"{'':<6}reform ({r.origin}): {r.text()}")
        print(f"{'':<6}source: {p.source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
