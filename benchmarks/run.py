"""Performance table: scale, memory, store overhead and a parallel sweep.

Usage::

    .venv/bin/python benchmarks/run.py            # the full table (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # 10,000 and 100,000 households; 20-run sweep
    make bench                                    # the full table

Before the table, one process compiles the numba loops (or loads them from numba's on-disk cache),
as the first run after installing does, and its time is printed on a line of its own; the runs
then load them from the cache, so the smallest row is not charged with the compilation.

Every size runs in a fresh subprocess, so its peak RSS is that run's own; like ``reliefsim run``,
it tunes how the process takes memory (:mod:`reliefsim.memory`). Wall time is set-up
(synthetic population) plus the months, without the interpreter start. The cost ratio compares
each size with the previous one (10× the households should cost ≤ 11× the time). The store line
times a run and then saving it to a fresh SQLite file (as ``reliefsim run`` does). The sweep runs
the same replications serially and with ``--workers`` processes, and checks that both give the
same indicators.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
TARGET_RSS_MB = 2e9 / 2**20  # 2 GB (10⁹ bytes each) in MiB, the stricter reading
TARGET_RATIO = 11.0
TARGET_STORE = 0.05


def machine() -> str:
    """Cores, CPU model, RAM, Python and NumPy versions."""
    import numpy as np

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
        ram = f"{kb / 2**20:.0f} GB RAM"
    except (OSError, StopIteration):
        ram = "RAM unknown"
    return (f"{os.cpu_count()} cores (nproc), {model}, {ram}; Python {platform.python_version()}, "
            f"NumPy {np.__version__}, {platform.system()} {platform.machine()}")


def child_run(households: int, months: int, seed: int, scenario: str) -> dict:
    """One run in this process (called in a fresh subprocess): times, peak RSS, stages."""
    from reliefsim.model import ReliefModel

    t0 = time.perf_counter()
    model = ReliefModel(scenario, households=households, months=months, seed=seed, story=False)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    return {"households": households, "months": months, "setup": t1 - t0, "run": t2 - t1,
            "wall": t2 - t0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "stages": model.stage_seconds}


def child_store(households: int, months: int, seed: int, scenario: str) -> dict:
    """A run, then the same run saved to a fresh SQLite store (as ``reliefsim run`` does)."""
    import reliefsim.model  # noqa: F401  (imports outside the timed run)
    from reliefsim.experiment import run_spec
    from reliefsim.results import RunSpec
    from reliefsim.scenario import load_scenario
    from reliefsim.store import experiment_id, open_store, save_result

    spec = RunSpec(load_scenario(scenario), households, months, seed)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        t0 = time.perf_counter()
        engine = open_store(url)
        t1 = time.perf_counter()
        result = run_spec(spec)
        t2 = time.perf_counter()
        exp = experiment_id(engine, f"bench-{time.time_ns()}", "bench", "run",
                            {"households": households, "months": months})
        save_result(engine, exp, result)
        t3 = time.perf_counter()
        engine.dispose()
    return {"households": households, "months": months, "open": t1 - t0, "run": t2 - t1,
            "save": t3 - t2}


def in_subprocess(kind: str, households: int, months: int, seed: int, scenario: str) -> dict:
    """Run ``child_<kind>`` in a fresh interpreter and return its JSON answer."""
    cmd = [sys.executable, __file__, f"--child-{kind}", str(households), str(months), str(seed),
           "--scenario", scenario]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def sweep(runs: int, households: int, months: int, workers: int, seed: int,
          scenario: str) -> tuple[float, float, bool]:
    """Seconds for ``runs`` replications serially and with ``workers`` processes; same results?"""
    from reliefsim.experiment import execute
    from reliefsim.results import RunSpec
    from reliefsim.scenario import load_scenario

    sc = load_scenario(scenario)
    specs = [RunSpec(sc, households, months, seed, replication=r) for r in range(runs)]
    out = []
    for n in (1, workers):
        t0 = time.perf_counter()
        results = {r.spec.replication: r.summary for r in execute(specs, workers=n)}
        out.append((time.perf_counter() - t0, results))
    (serial, a), (parallel, b) = out
    same = a.keys() == b.keys() and all(
        all(x == y or (x != x and y != y) for x, y in zip(a[k].values(), b[k].values(),
                                                            strict=True)) for k in a)
    return serial, parallel, same


def ok(flag: bool) -> str:
    return "met" if flag else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="households per size, comma-separated")
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--sweep-runs", type=int, default=200)
    parser.add_argument("--sweep-households", type=int, default=20_000)
    parser.add_argument("--sweep-months", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--store-households", default="20000x60,100000x120",
                        help="runs to time with and without the SQLite store, NxMONTHS")
    parser.add_argument("--quick", action="store_true",
                        help="10,000 and 100,000 households, a 20-run sweep, one store run")
    parser.add_argument("--no-sweep", action="store_true")
    for kind in ("run", "store"):
        parser.add_argument(f"--child-{kind}", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for kind, fn in (("run", child_run), ("store", child_store)):
        child = getattr(args, f"child_{kind}")
        if child:
            from reliefsim.memory import tune_memory

            tune_memory()  # as the command line does
            print(json.dumps(fn(*child, args.scenario)))
            return
    if args.quick:
        args.sizes, args.sweep_runs, args.store_households = "10000,100000", 20, "20000x60"

    print(f"reliefsim benchmark — scenario {args.scenario}, seed {args.seed}")
    print(f"machine: {machine()}")
    from reliefsim.threads import threads

    print(f"each size in a fresh process, up to {threads()} threads a process "
          f"(RELIEFSIM_THREADS); {time.strftime('%Y-%m-%d %H:%M')}")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from reliefsim.kernels import warm_up; warm_up()"],
                   check=True)
    print(f"compiling the numba loops, or loading them from its cache (a process of its own, "
          f"with the interpreter's start): {time.perf_counter() - t0:.1f} s\n")
    print(f"{'households':>10} {'months':>6} {'set-up s':>8} {'months s':>8} {'wall s':>7} "
          f"{'hh-months/s':>12} {'peak RSS MiB':>12} {'cost ratio':>10}")
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        r = in_subprocess("run", n, args.months, args.seed, args.scenario)
        prev = rows[-1] if rows else None
        ratio = (f"{r['wall'] / prev['wall']:.1f}× /{n / prev['households']:.0f}×" if prev
                 else "")
        rows.append(r)
        print(f"{n:>10,} {args.months:>6} {r['setup']:>8.1f} {r['run']:>8.1f} {r['wall']:>7.1f} "
              f"{n * args.months / r['wall']:>12,.0f} {r['rss_mb']:>12,.0f} {ratio:>10}",
              flush=True)
    biggest = rows[-1]
    spent = sum(biggest["stages"].values())
    if spent > 0:
        print(f"\nwhere the month's time goes at {biggest['households']:,} households: "
              + ", ".join(f"{k} {v / spent:.0%}" for k, v in biggest["stages"].items()))

    store_rows = []
    for item in args.store_households.split(","):
        n, months = (int(x) for x in item.split("x"))
        s = in_subprocess("store", n, months, args.seed, args.scenario)
        store_rows.append(s)
        print(f"store: {n:,} households × {months} months: run {s['run']:.2f} s, saving to "
              f"SQLite {s['save']:.2f} s (+{s['save'] / s['run']:.1%}); creating the store "
              f"once {s['open']:.2f} s", flush=True)

    if not args.no_sweep:
        serial, parallel, same = sweep(args.sweep_runs, args.sweep_households,
                                       args.sweep_months, args.workers, args.seed,
                                       args.scenario)
        print(f"sweep: {args.sweep_runs} runs × {args.sweep_households:,} households × "
              f"{args.sweep_months} months: serial {serial:.1f} s "
              f"({args.sweep_runs / serial:.2f} runs/s), --workers {args.workers} "
              f"{parallel:.1f} s ({args.sweep_runs / parallel:.2f} runs/s), "
              f"speed-up {serial / parallel:.2f}×; identical indicators: {same}")

    print("\ntargets:")
    million = next((r for r in rows if r["households"] == 1_000_000
                    and r["months"] == 120), None)
    if million:
        print(f"  1,000,000 × 120 in ≤ {TARGET_SECONDS:.0f} s: {million['wall']:.1f} s — "
              f"{ok(million['wall'] <= TARGET_SECONDS)}")
        print(f"  peak RSS ≤ 2 GB ({TARGET_RSS_MB:,.0f} MiB): {million['rss_mb']:,.0f} MiB — "
              f"{ok(million['rss_mb'] <= TARGET_RSS_MB)}")
    for a, b in itertools.pairwise(rows):
        k = b["households"] / a["households"]
        limit = TARGET_RATIO * k / 10
        print(f"  {b['households']:,} vs {a['households']:,} households ({k:.0f}×): "
              f"{b['wall'] / a['wall']:.1f}× the time (≤ {limit:.0f}×) — "
              f"{ok(b['wall'] / a['wall'] <= limit)}")
    for s in store_rows:
        share = s["save"] / s["run"]
        print(f"  store adds ≤ {TARGET_STORE:.0%} ({s['households']:,} × {s['months']}): "
              f"{share:.1%} — {ok(share <= TARGET_STORE)}")


if __name__ == "__main__":
    main()
