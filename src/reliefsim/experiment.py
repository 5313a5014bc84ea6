"""Many runs: replications, designs (grids and Latin hypercubes) and the executors that run them.

A :class:`RunSpec` says everything a worker needs; :func:`run_spec` is a pure function of it, so
serial, process and Dask executors give bit-identical results for the same seeds. Workers return
results; the caller (one writer) stores them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reliefsim.errors import ReliefsimError
from reliefsim.kernels import warm_up
from reliefsim.metrics import Indicator
from reliefsim.scenario import Scenario, _check_value
from reliefsim.schema import SCHEMA

UNPAIRED_OFFSET = 1_000_000
"""Replication offset giving B its own random streams in an unpaired comparison; runs from it
on are stored only to show what pairing buys, and are left out of means and reports."""

HEADLINE: tuple[str, ...] = (
    "missed_rate", "leakage_of_recipients", "leakage_of_money", "spend.total",
    "gradual_exit_spending", "cliff_falls", "warning_precision", "days_to_payment.median",
    "poverty_headcount",
)


@dataclass(frozen=True)
class RunSpec:
    """One run to do.

    Attributes:
        scenario: the validated scenario.
        households: simulated households.
        months: months to simulate.
        seed: root seed.
        replication: replication number (its own random streams).
        point: design-point overrides ``{dotted key: value}``.
    """

    scenario: Scenario
    households: int
    months: int
    seed: int
    replication: int = 0
    point: dict[str, Any] = field(default_factory=dict)

    @property
    def point_key(self) -> str:
        """Stable identifier of the design point."""
        return point_key(self.point)


@dataclass
class RunResult:
    """What a worker sends back: indicators (with units and conventions), monthly series.

    ``stage_seconds`` is the time spent in each stage of the month (see ``reliefsim.model``);
    ``offices`` the number of simulated street offices (fewer than the town's streets when a
    small sample pools them, ``casework.min_simulated_visits``).
    """

    spec: RunSpec
    indicators: list[Indicator]
    monthly: dict[str, list[float]]
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    offices: int = 0

    @property
    def summary(self) -> dict[str, float]:
        """Indicator values by name."""
        return {i.name: i.value for i in self.indicators}


def stable_hash(obj: Any) -> str:
    """SHA-256 (hex) of ``obj`` as sorted JSON: the same on every machine and run."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def point_key(point: dict[str, Any]) -> str:
    """A short stable hash of a design point."""
    return stable_hash(point)[:16]


def run_spec(spec: RunSpec) -> RunResult:
    """Run one spec (in any process) and return its indicators and monthly series."""
    from reliefsim.model import ReliefModel

    start = time.perf_counter()
    model = ReliefModel(spec.scenario, households=spec.households, months=spec.months,
                        seed=spec.seed, replication=spec.replication,
                        overrides=spec.point or None, story=False)
    indicators = model.run()
    return RunResult(spec, indicators, dict(model.ledger.series), time.perf_counter() - start,
                     dict(model.stage_seconds), len(model.offices))


class Progress:
    """A one-line progress bar on stderr: runs done, rate, time left."""

    def __init__(self, total: int, label: str, stream: Any = None) -> None:
        self.total, self.label = total, label
        self.stream = stream or sys.stderr
        self.done = 0
        self.start = time.perf_counter()

    def step(self, n: int = 1) -> None:
        """Count ``n`` more runs done and redraw."""
        self.done += n
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        width = 16
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        label = self.label if len(self.label) <= 26 else (
            self.label[:12] + "…" + self.label[-13:])  # both ends: scenario names differ there
        speed = f"{rate:.2f}" if rate < 100 else f"{rate:.0f}"
        line = (f"{label} [{bar}] {self.done}/{self.total} runs, {speed}/s, "
                f"{left:.0f} s left")
        tty = getattr(self.stream, "isatty", lambda: False)()
        if tty:
            self.stream.write(f"\r{line} ")
            if self.done >= self.total:
                self.stream.write("\n")
        elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
            self.stream.write(line + "\n")
        self.stream.flush()


def execute(specs: Sequence[RunSpec], workers: int = 1, dask: str | None = None
            ) -> Iterator[RunResult]:
    """Run specs and yield results as they finish (order not guaranteed).

    Args:
        specs: runs to do.
        workers: local processes (1 = in this process).
        dask: address of an existing Dask scheduler (``tcp://host:port``), or None.

    Raises:
        ReliefsimError: when the Dask scheduler cannot be reached.
    """
    if not specs:
        return
    if dask:
        yield from _execute_dask(specs, dask)
    elif workers > 1:
        warm_up()  # workers inherit or load the compiled loops instead of compiling side by side
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_spec, s) for s in specs]
            for fut in as_completed(futures):
                yield fut.result()
    else:
        for spec in specs:
            yield run_spec(spec)


def connect_dask(address: str) -> Any:
    """A Dask client for an existing scheduler, or a clear error."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is a declared dependency
        raise ReliefsimError("--dask needs the 'distributed' package") from None
    try:
        return Client(address, timeout="5s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ReliefsimError(f"--dask {address}: no Dask scheduler reachable there ({exc}); "
                             "start one with `dask scheduler` and workers with "
                             "`dask worker tcp://HOST:8786`") from None


def _execute_dask(specs: Sequence[RunSpec], address: str) -> Iterator[RunResult]:
    from distributed import as_completed as dask_completed

    client = connect_dask(address)
    try:
        with client.as_current():
            futures = [client.submit(run_spec, s, pure=False) for s in specs]
            for fut in dask_completed(futures):
                yield fut.result()
    finally:
        client.close()


# ---------------------------------------------------------------- designs
def parse_vary(items: Iterable[str], flag: str = "--vary"
               ) -> dict[str, list[Any] | tuple[float, float]]:
    """Parse ``--vary KEY=v1,v2,…`` (levels) or ``--vary KEY=LOW:HIGH`` (a range for sampling).

    Levels are TOML values separated by commas outside brackets, so list-valued keys work:
    ``policy.rigid_items=["medical"],["medical","rent"]``. ``flag`` names the option in error
    messages (``--param`` for sensitivity).

    Raises:
        ReliefsimError: for unknown keys, empty or invalid values.
    """
    from reliefsim.scenario import parse_value, split_assignment

    out: dict[str, list[Any] | tuple[float, float]] = {}
    for item in items:
        key, raw = split_assignment(item, flag, "KEY=v1,v2,… or KEY=LOW:HIGH")
        if not raw:
            raise ReliefsimError(f"{flag} {key}: empty range; give levels like 1.5,2.0 or a "
                                 "range like 1.5:2.0")
        if ":" in raw and SCHEMA[key].kind in ("float", "int"):
            lo_text, _, hi_text = raw.partition(":")
            try:
                out[key] = check_vary(key, (float(lo_text), float(hi_text)), flag)
            except ValueError:
                raise ReliefsimError(f"{flag} {key}={raw}: expected LOW:HIGH numbers") from None
            continue
        texts = _top_level_split(raw)
        if any(not text.strip() for text in texts):
            raise ReliefsimError(f"{flag} {key}={raw}: empty level")
        out[key] = check_vary(key, [parse_value(text) for text in texts], flag)
    return out


def check_vary(key: str, levels: list[Any] | tuple[float, float], flag: str = "--vary"
               ) -> list[Any] | tuple[float, float]:
    """Check one key's levels (a list) or range (a ``(low, high)`` tuple) against the schema.

    ``flag`` names the option in error messages.

    Raises:
        ReliefsimError: for an unknown key, an empty list, a range with low ≥ high, or a value
            of the wrong type or out of range.
    """
    from reliefsim.scenario import _check_known

    _check_known(key, flag)  # unknown keys, with a "did you mean"
    spec = SCHEMA[key]
    if isinstance(levels, tuple):
        lo, hi = levels
        if not lo < hi:
            raise ReliefsimError(f"{flag} {key}={lo:g}:{hi:g}: empty range (LOW must be < HIGH)")
        for bound in (lo, hi):
            if _check_value(int(bound) if spec.kind == "int" else bound, spec) is not None:
                raise ReliefsimError(f"{flag} {key}={lo:g}:{hi:g}: expected {spec.describe()}")
        return (float(lo), float(hi))
    if not levels:
        raise ReliefsimError(f"{flag} {key}: empty range; give at least one level")
    for value in levels:
        if _check_value(value, spec) is not None:
            raise ReliefsimError(f"{flag} {key}: level {json.dumps(value, ensure_ascii=False)}: "
                                 f"expected {spec.describe()}")
    return list(levels)


def _top_level_split(text: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def design_points(vary: dict[str, list[Any] | tuple[float, float]], sample: str | None,
                  seed: int) -> list[dict[str, Any]]:
    """Design points: the full grid of levels, or ``lhs:N`` Latin-hypercube samples of ranges.

    Levels given as lists are crossed with the sampled points.
    """
    grid_keys = [k for k, v in vary.items() if isinstance(v, list)]
    range_keys = [k for k, v in vary.items() if isinstance(v, tuple)]
    grid = [dict(zip(grid_keys, combo, strict=True))
            for combo in itertools.product(*(vary[k] for k in grid_keys))] or [{}]
    if not range_keys:
        if sample:
            raise ReliefsimError("--sample needs at least one --vary KEY=LOW:HIGH range")
        return grid
    if not sample:
        raise ReliefsimError(f"--vary {range_keys[0]} gives a range: add --sample lhs:N")
    method, _, n_text = sample.partition(":")
    if method != "lhs" or not n_text.isdigit() or int(n_text) < 1:
        raise ReliefsimError(f"--sample {sample!r}: expected lhs:N with N ≥ 1")
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(range_keys), seed=seed).random(int(n_text))
    points = []
    for row in unit:
        p = {}
        for k, u in zip(range_keys, row, strict=True):
            lo, hi = vary[k]  # type: ignore[misc]
            value = lo + u * (hi - lo)
            p[k] = as_value(k, value)
        points.append(p)
    return [{**g, **p} for g in grid for p in points]


def as_value(key: str, number: float) -> int | float:
    """A sampled number as the scenario key's type (whole numbers for ``int`` keys)."""
    spec = SCHEMA.get(key)
    return int(np.rint(number)) if spec is not None and spec.kind == "int" else float(number)


# ---------------------------------------------------------------- statistics
@dataclass(frozen=True)
class Interval:
    """A mean with its 95 % confidence interval."""

    mean: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2


def mean_interval(values: Sequence[float]) -> Interval:
    """Mean and 95 % t-interval of ``values`` (NaNs dropped)."""
    from scipy import stats

    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    m = float(x.mean())
    if len(x) < 2:
        return Interval(m, float("nan"), float("nan"))
    half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return Interval(m, m - half, m + half)


def welch_interval(a: Sequence[float], b: Sequence[float]) -> Interval:
    """Mean of b − a with a 95 % Welch interval, for independent samples."""
    from scipy import stats

    xa = np.asarray([v for v in a if np.isfinite(v)], dtype=float)
    xb = np.asarray([v for v in b if np.isfinite(v)], dtype=float)
    if len(xa) == 0 or len(xb) == 0:  # e.g. no payment at all in a tiny town: no estimate
        return Interval(float("nan"), float("nan"), float("nan"))
    diff = float(xb.mean() - xa.mean())
    if len(xa) < 2 or len(xb) < 2:
        return Interval(diff, float("nan"), float("nan"))
    va, vb = xa.var(ddof=1) / len(xa), xb.var(ddof=1) / len(xb)
    se = float(np.sqrt(va + vb))
    if se == 0:
        return Interval(diff, diff, diff)
    dof = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    half = float(stats.t.ppf(0.975, dof) * se)
    return Interval(diff, diff - half, diff + half)
