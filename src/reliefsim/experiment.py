"""Running many runs: the executors (serial, processes, Dask) and a progress line.

A :class:`~reliefsim.results.RunSpec` says everything a worker needs; :func:`run_spec` is a pure
function of it, so serial, process and Dask executors give identical results for the same seeds.
Workers return results; the caller (one writer) stores them.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from reliefsim.errors import ReliefsimError
from reliefsim.kernels import warm_up
from reliefsim.results import RunResult, RunSpec
from reliefsim.threads import set_threads


def run_spec(spec: RunSpec, on_month: Callable[[int, int], None] | None = None,
             threads: int | None = None) -> RunResult:
    """Run one spec (in any process) and return its indicators and monthly series.

    Args:
        spec: the run.
        on_month: called after each month with (months done, months in all), e.g. to draw
            a progress line.
        threads: from now on, this process runs at most this many pieces of a month at once
            (:mod:`reliefsim.threads`; a Dask worker's runs use 1); None keeps its setting.
    """
    from reliefsim.model import ReliefModel

    if threads is not None:
        set_threads(threads)

    start = time.perf_counter()
    model = ReliefModel(spec.scenario, households=spec.households, months=spec.months,
                        seed=spec.seed, replication=spec.replication,
                        overrides=spec.point or None, story=False)
    if on_month is None:
        summary = model.run()
    else:
        while model.running:
            model.step()
            on_month(model.month, model.months_total)
        summary = model.summary()
    first = min(model.warmup, max(model.month - 1, 0))
    return RunResult(spec, summary, model.ledger.districts, model.ledger.by_district(first),
                     model.ledger.city(), time.perf_counter() - start, dict(model.stage_seconds),
                     len(model.offices))


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


class Execution:
    """Runs specs with an executor and yields results as they finish (order not guaranteed).

    Local workers (:func:`reliefsim.processes.worker_pool`) die with this process; at most two
    runs per worker are handed out at a time, so results do not pile up in memory. Leaving the
    iteration early (an error, Ctrl-C) stops the workers; :meth:`finished` then gives the runs
    that had completed but were not yet yielded, so a sweep can store them.

    Args:
        specs: runs to do.
        workers: local processes (1 = in this process).
        dask: address of an existing Dask scheduler (``tcp://host:port``), or None.
    """

    def __init__(self, specs: Sequence[RunSpec], workers: int = 1, dask: str | None = None
                 ) -> None:
        self.specs = list(specs)
        self.workers = max(int(workers), 1)
        self.dask = dask
        self._pending: dict[Any, RunSpec] = {}

    def __iter__(self) -> Iterator[RunResult]:
        if not self.specs:
            return
        if self.dask:
            yield from self._dask()
        elif self.workers > 1:
            yield from self._pool()
        else:
            for spec in self.specs:
                yield run_spec(spec)

    def _pool(self) -> Iterator[RunResult]:
        from concurrent.futures import FIRST_COMPLETED, wait

        from reliefsim.processes import stop_pool, worker_pool

        warm_up()  # workers inherit or load the compiled loops instead of compiling side by side
        workers = min(self.workers, len(self.specs))
        todo = iter(self.specs)
        pool = worker_pool(workers)
        try:
            while True:
                while len(self._pending) < 2 * workers:
                    spec = next(todo, None)
                    if spec is None:
                        break
                    self._pending[pool.submit(run_spec, spec)] = spec
                if not self._pending:
                    return
                done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    spec = self._pending.pop(fut)
                    result = fut.result()
                    result.spec = spec  # the caller's own spec, not a copy from the worker
                    yield result
        finally:
            stop_pool(pool)

    def _dask(self) -> Iterator[RunResult]:
        from distributed import as_completed as dask_completed

        client = connect_dask(self.dask or "")
        try:
            with client.as_current():
                futures = []
                for spec in self.specs:
                    fut = client.submit(run_spec, spec, threads=1, pure=False)
                    self._pending[fut] = spec
                    futures.append(fut)
                for fut in dask_completed(futures):
                    spec = self._pending.pop(fut)
                    result = fut.result()
                    result.spec = spec
                    yield result
        finally:
            for fut in list(self._pending):
                with contextlib.suppress(Exception):
                    fut.cancel()
            client.close()

    def finished(self) -> list[RunResult]:
        """Runs that completed without error but were not yielded (after leaving early)."""
        out = []
        for fut, spec in list(self._pending.items()):
            try:
                if fut.done() and not fut.cancelled() and fut.exception(timeout=0) is None:
                    result = fut.result(timeout=0)
                    result.spec = spec
                    out.append(result)
            except Exception:  # a run that failed or vanished is not kept
                continue
            self._pending.pop(fut, None)
        return out


def execute(specs: Sequence[RunSpec], workers: int = 1, dask: str | None = None
            ) -> Iterator[RunResult]:
    """Run specs and yield results as they finish (order not guaranteed); see :class:`Execution`.

    Raises:
        ReliefsimError: when the Dask scheduler cannot be reached.
    """
    yield from Execution(specs, workers, dask)


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
