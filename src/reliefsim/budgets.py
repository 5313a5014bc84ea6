"""Sizes checked before work: how many runs a command makes and how much memory they take.

A command works out its run count and an estimate of its peak memory from its arguments alone,
before any population is built, and stops with one clear message when

- the runs exceed ``--max-runs`` (:data:`DEFAULT_MAX_RUNS` unless raised), or
- the memory exceeds what the machine (or the process's control group) has available.

The memory model is measured (``reliefsim run`` peak resident memory, NumPy 2, Linux): a process
with reliefsim's libraries loaded holds about 340 MiB; a run adds about 1.9 KB per simulated
household (100,000 households: 530 MiB; 1,000,000: 2.1 GiB at 13 months; 5,000,000: 8.2 GiB
at 2 months) and a little per month; each result a command keeps (comparisons, forecasts,
sensitivity) holds its monthly series, about 1 KiB per month. The constants below round these
up.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliefsim.errors import ReliefsimError

DEFAULT_MAX_RUNS = 5_000
"""Most runs a command makes unless ``--max-runs`` (``max_runs=``) allows more."""
PROCESS_BYTES = 400 << 20
"""A Python process with reliefsim's libraries loaded (the command's own, or a worker's)."""
HOUSEHOLD_BYTES = 2_100
"""Peak memory of a run per simulated household."""
HOUSEHOLD_MONTH_BYTES = 1
"""Peak memory of a run per simulated household and month (the ledger and the story of a run)."""
RESULT_BYTES = 24 << 10
"""A kept result's summary and indicators per district."""
RESULT_MONTH_BYTES = 1_400
"""A kept result's monthly series per month (129 series of 8 bytes, and their dictionary)."""
CSV_HOUSEHOLD_BYTES = 700
"""Peak memory of ``classify`` per household row (columns, identifiers, the rules' arrays)."""
CSV_MEMBER_BYTES = 120
"""Peak memory of ``classify`` per member row."""
NOTE_BYTES = 2 << 30
"""Estimates above this are shown before the work starts."""

GiB = float(1 << 30)


def _gib(n: float) -> str:
    return f"{n / GiB:.1f} GB" if n >= GiB / 10 else f"{n / (1 << 20):.0f} MB"


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> int | None:
    """Bytes this process can still take: MemAvailable, less where a control group limits it.

    None where neither is known (not Linux).
    """
    free: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        free = None
    limits = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
              ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
               "/sys/fs/cgroup/memory/memory.usage_in_bytes"))
    for limit_file, usage_file in limits:
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < (1 << 60):
            room = max(limit - usage, 0)
            free = room if free is None else min(free, room)
            break
    return free


def run_bytes(households: int, months: int) -> int:
    """Peak memory of one run of ``households`` × ``months`` (beyond the process itself)."""
    return households * (HOUSEHOLD_BYTES + HOUSEHOLD_MONTH_BYTES * months)


def result_bytes(months: int) -> int:
    """Memory of one kept result of ``months`` months."""
    return RESULT_BYTES + RESULT_MONTH_BYTES * months


@dataclass(frozen=True)
class Estimate:
    """What a command will take.

    Attributes:
        runs: simulation runs.
        bytes: peak memory of the command and its local workers.
        available: bytes available (None where unknown).
        detail: how the memory adds up, for messages.
    """

    runs: int
    bytes: int
    available: int | None
    detail: str

    def note(self) -> str:
        """One line for the user: the estimate and what is available."""
        room = f", {_gib(self.available)} available" if self.available is not None else ""
        return f"reliefsim: about {_gib(self.bytes)} of memory ({self.detail}{room})"


def check_max_runs(max_runs: int | None) -> int:
    """``max_runs`` or the default, checked ≥ 1."""
    limit = DEFAULT_MAX_RUNS if max_runs is None else int(max_runs)
    if limit < 1:
        raise ReliefsimError(f"--max-runs {limit}: expected a whole number ≥ 1")
    return limit


def check_runs(what: str, runs: int, max_runs: int | None, how: str = "") -> None:
    """Refuse more than ``max_runs`` runs (before anything is sampled or built).

    Args:
        what: the command, e.g. "sweep baseline".
        runs: runs it would make.
        max_runs: the user's limit (None: :data:`DEFAULT_MAX_RUNS`).
        how: how the count comes about, e.g. "100,000,000 points × 1 replication".
    """
    limit = check_max_runs(max_runs)
    if runs > limit:
        made = f" ({how})" if how else ""
        raise ReliefsimError(f"{what}: {runs:,} runs{made} is more than --max-runs {limit:,}; "
                             f"make the study smaller, or give --max-runs {runs} to run them all")


def estimate(runs: int, households: int, months: int, workers: int = 1, dask: bool = False,
             kept: int = 0) -> Estimate:
    """Peak memory of ``runs`` runs with ``workers`` local processes, keeping ``kept`` results.

    Runs on a Dask cluster take no local memory beyond the results kept.
    """
    parallel = 0 if dask or runs == 0 else min(max(workers, 1), runs)
    one = run_bytes(households, months)
    total = PROCESS_BYTES + kept * result_bytes(months)
    if parallel == 1 and workers <= 1:
        total += one
        detail = f"{households:,} households × {months} months"
    elif parallel:
        total += parallel * (PROCESS_BYTES + one)
        detail = (f"{parallel} workers, each {_gib(PROCESS_BYTES + one)} for "
                  f"{households:,} households")
    else:
        detail = "runs on the Dask cluster"
    if kept:
        detail += f", {kept:,} results kept"
    return Estimate(runs, total, available_memory(), detail)


def check_memory(what: str, est: Estimate, fewer: str = "--households",
                 quiet: bool = False) -> Estimate:
    """Refuse an estimate above the available memory; show a large one before the work.

    Args:
        what: the command, for the message.
        est: the estimate.
        fewer: what the user can lower, e.g. "--workers or --households".
        quiet: do not print the note about a large estimate.

    Raises:
        ReliefsimError: when the estimate exceeds the available memory.
    """
    if est.available is not None and est.bytes > est.available:
        raise ReliefsimError(f"{what}: needs about {_gib(est.bytes)} of memory ({est.detail}) "
                             f"but {_gib(est.available)} is available; give fewer {fewer}")
    if est.bytes >= NOTE_BYTES and not quiet:
        print(est.note(), file=sys.stderr, flush=True)
    return est


def check_study(what: str, runs: int, households: int, months: int, workers: int = 1,
                dask: str | None = None, kept: int = 0, max_runs: int | None = None,
                how: str = "", quiet: bool = False) -> Estimate:
    """Run count, then memory: both checked before any run (see the module)."""
    check_runs(what, runs, max_runs, how)
    est = estimate(runs, households, months, workers, bool(dask), kept)
    fewer = "--workers or --households" if workers > 1 and not dask else "--households"
    if kept and runs > 100:
        fewer += " or runs"
    return check_memory(what, est, fewer, quiet)


def count_lines(path: Path | str, limit: int = 1 << 40) -> int:
    """Lines in a file, counted in 1 MiB blocks (0 if it cannot be read: reading reports it)."""
    n = 0
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                n += block.count(b"\n")
                if n > limit:
                    break
    except OSError:
        return 0
    return n


def check_classify(households: Path | str, members: Path | str, quiet: bool = False
                   ) -> Estimate:
    """Memory of ``classify`` from the two files' row counts, checked before reading them."""
    if not (os.path.isfile(households) and os.path.isfile(members)):
        return Estimate(0, 0, None, "")  # reading reports what is wrong with the files
    h, m = count_lines(households), count_lines(members)
    need = PROCESS_BYTES + h * CSV_HOUSEHOLD_BYTES + m * CSV_MEMBER_BYTES
    est = Estimate(1, need, available_memory(), f"{h:,} household rows and {m:,} member rows")
    if est.available is not None and need > est.available:
        raise ReliefsimError(f"classify: needs about {_gib(need)} of memory ({est.detail}) but "
                             f"{_gib(est.available)} is available; split the files")
    if need >= NOTE_BYTES and not quiet:
        print(est.note(), file=sys.stderr, flush=True)
    return est


def _many(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def check_calibration(spec: Any, evaluations: int, workers: int = 1, dask: str | None = None,
                      max_runs: int | None = None, command: str = "calibrate",
                      validation_reps: int = 0) -> Estimate:
    """Runs and memory of a calibration file's evaluations, validation and backcast.

    Each evaluation runs every setting the targets name, ``reps`` times, at the file's size
    (``[run] households, months, reps``, checked here too); the validation runs each setting
    ``validation_reps`` times and the backcast its own ``[backcast]`` size.

    Args:
        spec: the :class:`~reliefsim.calibrate.CalibrationSpec`.
        evaluations: objective evaluations (global points, local iterations, the Jacobian's and
            the final one; 0 for ``validate``).
        workers: local processes.
        dask: a Dask scheduler's address, or None.
        max_runs: the user's limit.
        command: the command, for messages.
        validation_reps: replications of the validation that follows (0: none).
    """
    sizes = [(f"{spec.path}: [run]", spec.households, spec.months, spec.reps)]
    back = getattr(spec, "backcast", None) or {}
    if back:
        sizes.append((f"{spec.path}: [backcast]", back.get("households", 1),
                      back.get("months", 1), back.get("reps", 1)))
    for where, households, months, reps in sizes:
        for name, value, low, high in (("households", households, 1, 5_000_000),
                                       ("months", months, 1, 600), ("reps", reps, 1, None)):
            if value < low or (high is not None and value > high):
                within = f"from {low} to {high:,}" if high is not None else f"≥ {low}"
                raise ReliefsimError(f"{where} {name} = {value}: expected a whole number "
                                     f"{within}")
    if evaluations < 0:
        raise ReliefsimError("--global-points and --local-iterations: expected whole numbers "
                             "≥ 0")
    settings = len({t.setting for t in spec.targets if t.indicator}) or 1
    per = settings * spec.reps
    runs = evaluations * per + validation_reps * settings + (back.get("reps", 0) if back else 0)
    parts = []
    if evaluations:
        parts.append(f"{_many(evaluations, 'evaluation')} × {_many(settings, 'setting')} × "
                     f"{_many(spec.reps, 'replication')}")
    if validation_reps:
        parts.append(f"{_many(validation_reps * settings, 'validation run')}")
    if back:
        parts.append(f"{_many(back.get('reps', 0), 'backcast run')}")
    households = max(spec.households, back.get("households", 0) if back else 0)
    months = max(spec.months, back.get("months", 0) if back else 0)
    return check_study(f"{command} {spec.path}", runs, households, months, workers, dask,
                       kept=max(per, validation_reps * settings), max_runs=max_runs,
                       how=" + ".join(parts))
