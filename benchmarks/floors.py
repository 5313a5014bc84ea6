"""What the months would cost without drawing random numbers: a floor for the 60 s target.

Usage::

    .venv/bin/python benchmarks/floors.py                      # 1,000,000 households × 24 months
    .venv/bin/python benchmarks/floors.py --households 100000 --months 36

Runs the baseline twice, each in a fresh process: as it is, and with every random block copied
from one pool drawn before the run (so drawing costs a memory copy). The second run's results are
not the model's (every month sees the same numbers); only its time is used. The difference is
what the common-random-number blocks cost; what remains is the floor that no change to how
random numbers are drawn can go below. A table of milliseconds per month, by stage, is printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np


def child(households: int, months: int, pooled: bool) -> dict:
    """One run in this process: ms per month, overall and by stage."""
    from reliefsim import rng
    from reliefsim.model import ReliefModel

    model = ReliefModel("baseline", households=households, months=months, seed=1, story=False)
    if pooled:  # the largest block is one number per member
        _draw_from_pool(rng, max(len(model.truth.age), model.pop.n))
    start = time.perf_counter()
    model.run()
    seconds = time.perf_counter() - start
    return {"month": seconds / months * 1e3,
            "stages": {k: s / months * 1e3 for k, s in model.stage_seconds.items()}}


def _draw_from_pool(rng_module, size: int) -> None:
    """Make every stream hand out copies of one pre-drawn pool of ``size`` (timing only)."""
    uniforms = np.random.default_rng(0).random(size)
    normals = np.random.default_rng(1).standard_normal(size)
    make = rng_module.Streams.__call__

    class Pooled:
        def __init__(self, generator: np.random.Generator) -> None:
            self.generator = generator

        def random(self, size: int, out: np.ndarray | None = None) -> np.ndarray:
            return _copy(uniforms, size, out)

        def standard_normal(self, size: int, out: np.ndarray | None = None) -> np.ndarray:
            return _copy(normals, size, out)

        def __getattr__(self, name: str):
            return getattr(self.generator, name)

    rng_module.Streams.__call__ = lambda self, purpose, month=0: Pooled(make(self, purpose, month))


def _copy(pool: np.ndarray, size: int, out: np.ndarray | None) -> np.ndarray:
    if out is None:
        return pool[:size].copy()
    out[...] = pool[:size]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--child", choices=["real", "pooled"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.households, args.months, args.child == "pooled")))
        return
    rows = {}
    for kind in ("real", "pooled"):
        out = subprocess.run([sys.executable, __file__, "--households", str(args.households),
                              "--months", str(args.months), "--child", kind],
                             check=True, capture_output=True, text=True).stdout
        rows[kind] = json.loads(out.strip().splitlines()[-1])
    stages = list(rows["real"]["stages"])
    print(f"baseline, {args.households:,} households × {args.months} months; ms per month")
    print(f"{'random numbers':16s}{'month':>8s}" + "".join(f"{s:>12s}" for s in stages))
    for kind, label in (("real", "drawn"), ("pooled", "copied (pool)")):
        r = rows[kind]
        print(f"{label:16s}{r['month']:8.0f}" + "".join(f"{r['stages'][s]:12.0f}" for s in stages))
    real, pooled = rows["real"]["month"], rows["pooled"]["month"]
    print(f"drawing costs {real - pooled:.0f} ms a month ({(real - pooled) / real:.0%}); "
          f"120 months without it would take at least {pooled * 120 / 1e3:.0f} s plus set-up")


if __name__ == "__main__":
    main()
