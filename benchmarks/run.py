"""Time the baseline scenario at several sizes and print a table (no timed tests).

Usage: .venv/bin/python benchmarks/run.py [--sizes 10000,100000] [--months 120]
"""

from __future__ import annotations

import argparse
import resource
import time

from reliefsim.model import ReliefModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--scenario", default="baseline")
    args = parser.parse_args()
    print(f"{'households':>12} {'months':>7} {'set-up s':>9} {'run s':>8} "
          f"{'hh-months/s':>12} {'peak RSS MB':>12}")
    for n in (int(x) for x in args.sizes.split(",")):
        t0 = time.perf_counter()
        model = ReliefModel(args.scenario, households=n, months=args.months, story=False)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:>12,} {args.months:>7} {t1 - t0:>9.1f} {t2 - t1:>8.1f} "
              f"{n * args.months / (t2 - t1):>12,.0f} {rss:>12,.0f}")


if __name__ == "__main__":
    main()
