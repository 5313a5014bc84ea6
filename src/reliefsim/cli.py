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
EPILOG_CLASSIFY = """example:
  reliefsim classify --households households.csv --members members.csv \\
      --scenario baseline --output tiers.csv
"""


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario value (VALUE is TOML: 1.5, true, \"text\", [1, 2]);"
                        " repeatable")


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
        if args.command == "classify":
            return cmd_classify(args)
        return cmd_scenario(args)
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
    from reliefsim.model import ReliefModel
    from reliefsim.report import demo_figure, format_summary
    from reliefsim.store import RunRecord, open_store, save_run

    scenario = _scenario(args.scenario, args.overrides)
    for flag, value, low in (("--households", args.households, 1), ("--months", args.months, 1),
                             ("--seed", args.seed, 0), ("--replication", args.replication, 0)):
        if value is not None and value < low:
            raise ReliefsimError(f"{flag} {value}: expected a whole number ≥ {low}")
    engine = None if args.no_store else open_store(args.db)
    start = time.perf_counter()
    model = ReliefModel(scenario, households=args.households, months=args.months,
                        seed=args.seed, replication=args.replication, story=False)
    indicators = model.run()
    seconds = time.perf_counter() - start
    v = model.scenario.values(0)
    title = (f"reliefsim run: {scenario.name} — {model.pop.n:,} simulated households "
             f"representing {model.pop.weight.sum():,.0f}, {model.months_total} months from "
             f"{scenario.start} (summary over months {model.warmup}+), seed {v.run.seed}")
    print(format_summary(indicators, title))
    print(f"\n({seconds:.1f} s)")
    if engine is not None:
        record = RunRecord(scenario=model.scenario, seed=int(v.run.seed),
                           replication=args.replication, households=model.pop.n,
                           months=model.months_total, seconds=seconds,
                           summary={i.name: i.value for i in indicators},
                           monthly=dict(model.ledger.series))
        run_id = save_run(engine, f"run {scenario.name}", "run", record)
        print(f"stored as run {run_id} in {args.db}")
    if args.figure:
        path = demo_figure(model.ledger, model.warmup, scenario.start, args.figure,
                           f"reliefsim — {scenario.name}")
        print(f"figure written to {path}")
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
