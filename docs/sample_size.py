"""Measure how the baseline's indicators depend on the number of simulated households.

For each size, runs the baseline on several seeds with street offices pooled as the engine
pools them (``casework.min_simulated_visits``) and, below the size where no office is pooled,
again without pooling; prints markdown tables of the mean ± standard error over the seeds.

Usage::

    .venv/bin/python docs/sample_size.py                         # the table of sample_size.md
    .venv/bin/python docs/sample_size.py --sizes 5000,20000 --seeds 1,2 --months 24

Each run is one process's work, serial; the largest size needs about 2 GB of memory.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys

COLUMNS = (("missed_rate", "missed rate", "pct"), ("leakage_of_recipients", "leakage (recipients)",
                                                    "pct"),
           ("backlog", "backlog (households)", "count"),
           ("days_to_payment.median", "days to payment, median", "days"),
           ("spend.total", "spending (M yuan/yr)", "money"))


def fmt(values: list[float], kind: str) -> str:
    """Mean ± standard error of ``values`` in the column's unit."""
    scale = {"pct": 100.0, "money": 1e-6}.get(kind, 1.0)
    xs = [v * scale for v in values if not math.isnan(v)]
    if not xs:
        return "n/a"
    mean = statistics.fmean(xs)
    se = statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")
    if kind == "pct":
        return f"{mean:.1f} % ± {se:.1f}"
    if kind == "days":
        return f"{mean:.1f}"
    return f"{mean:,.0f} ± {se:,.0f}"


def main(argv: list[str] | None = None) -> int:
    """Run the sizes × seeds and print the tables."""
    import numpy as np

    import reliefsim.api as rs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000,50000,200000,1000000")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--scenario", default="baseline")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")]
    print(f"`{' '.join(['docs/sample_size.py', *(argv if argv is not None else sys.argv[1:])])}`"
          f" — scenario {args.scenario}, {args.months} months (summary after the warm-up), "
          f"seeds {args.seeds}; Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()}; mean ± standard error over the seeds\n")
    streets = int(rs.scenario(args.scenario).value("population.streets"))
    unpooled_sizes = sizes
    for pooled in (True, False):
        rows, pooled_sizes = [], []
        for n in sizes if pooled else unpooled_sizes:
            runs = [rs.run(args.scenario, None if pooled else ["casework.min_simulated_visits=0"],
                           households=n, months=args.months, seed=s).result for s in seeds]
            offices = runs[0].offices
            if offices < streets:
                pooled_sizes.append(n)
            rows.append((n, offices, [fmt([r.summary[c] for r in runs], kind)
                                      for c, _, kind in COLUMNS]))
            print(f"  ran {n:,} households, {'pooled' if pooled else 'unpooled'}",
                  file=sys.stderr, flush=True)
        print("street offices pooled as the engine pools them" if pooled
              else "without pooling (`--set casework.min_simulated_visits=0`)")
        print()
        print("| simulated households | offices | " + " | ".join(h for _, h, _ in COLUMNS) + " |")
        print("|---:|---:|" + "---:|" * len(COLUMNS))
        for n, offices, cells in rows:
            print(f"| {n:,} | {offices} | " + " | ".join(cells) + " |")
        print()
        if pooled:  # without pooling, only the sizes that were pooled differ
            unpooled_sizes = pooled_sizes
    return 0


if __name__ == "__main__":
    sys.exit(main())
