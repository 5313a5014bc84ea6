"""Independent pieces of a month side by side, on the cores this process may use.

NumPy's loops over large arrays, and reliefsim's compiled loops (compiled ``nogil``), let go of
Python's global lock while they run, so two pieces of a month that share no array they write
(the true facts' assessment and the administration's data refresh; the money and the people
of the measurement) run on two cores at once. The results cannot depend on the threads: each
piece reads what neither writes and writes arrays of its own; the numbers are those of the
pieces run one after the other, which is what happens with one thread.

How many threads: ``RELIEFSIM_THREADS`` if set (1 runs everything in the calling thread),
otherwise the processors this process may use, at most :data:`MOST`. Worker processes of a
sweep (``--workers``, Dask) use one each, since the sweep already keeps every core busy. A
model of fewer than :data:`MIN_HOUSEHOLDS` household slots runs its pieces one after the other
(:func:`side_by_side`): they are too small to gain from a second thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from reliefsim.errors import ReliefsimError

ENV = "RELIEFSIM_THREADS"
MOST = 2
"""Most threads by default: the month has at most two independent pieces at a time."""

MIN_HOUSEHOLDS = 50_000
"""Fewest household slots for which a model runs its pieces side by side (at 50,000 the two
ways take the same time; at 20,000 a second thread costs more than it gains)."""

_allowed: ContextVar[bool] = ContextVar("reliefsim_side_by_side", default=True)
_state: dict[str, Any] = {"threads": None, "pool": None, "idle": None, "pid": None, "size": 0}
_lock = threading.Lock()


def threads() -> int:
    """How many pieces run at once in this process (1: one after the other)."""
    if _state["threads"] is None:
        _state["threads"] = _default()
    return int(_state["threads"])


def set_threads(n: int) -> None:
    """Run at most ``n`` pieces at once in this process from now on (a sweep's worker: 1)."""
    if int(n) < 1:
        raise ReliefsimError(f"threads: {n} is not a whole number of at least 1")
    _state["threads"] = int(n)


def _default() -> int:
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ReliefsimError(f"{ENV}={text!r}: expected a whole number of at least 1")
        return value
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    return max(1, min(MOST, usable))


def _pool(size: int) -> tuple[ThreadPoolExecutor, threading.Semaphore]:
    """This process's pool of ``size`` threads and its count of idle ones.

    Made anew in a child process: a fork keeps no threads.
    """
    with _lock:
        if _state["pid"] != os.getpid() or _state["size"] != size:
            if _state["pool"] is not None and _state["pid"] == os.getpid():
                _state["pool"].shutdown(wait=False)  # its threads end once idle
            _state["pool"] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="reliefsim")
            _state["idle"] = threading.Semaphore(size)
            _state["pid"], _state["size"] = os.getpid(), size
        return _state["pool"], _state["idle"]


def _then_idle(idle: threading.Semaphore, call: Callable[[], Any]) -> Any:
    try:
        return call()
    finally:
        idle.release()


@contextmanager
def side_by_side(allowed: bool) -> Iterator[None]:
    """Within the block, :func:`together` runs its calls side by side only when ``allowed``."""
    token = _allowed.set(bool(allowed))
    try:
        yield
    finally:
        _allowed.reset(token)


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls side by side and return their results in order.

    The first runs in the calling thread, each other in an idle thread of the pool, or in the
    calling thread after the first when none is idle (the pool runs another piece, perhaps the
    caller itself: a call never waits for the pool). The calls must not write anything another
    of them reads or writes. An exception is raised once every call has finished or been
    given up (the calling thread's first, else the pool's), so no piece is still running when
    the caller goes on. With one thread, outside :func:`side_by_side`'s permission, or for a
    single call, the calls run one after the other, in order.

    Args:
        calls: functions of no argument.

    Returns:
        Their results, in the calls' order.
    """
    if len(calls) <= 1 or threads() < 2 or not _allowed.get():
        return [call() for call in calls]
    pool, idle = _pool(threads() - 1)
    pending: list[Future[Any] | None] = [
        pool.submit(_then_idle, idle, call) if idle.acquire(blocking=False) else None
        for call in calls[1:]]
    out: list[Any] = [None] * len(calls)
    failure: BaseException | None = None
    for k, call in enumerate(calls):
        if k and pending[k - 1] is not None:
            continue
        try:
            out[k] = call()
        except BaseException as exc:  # the others still finish before it is raised
            failure = exc
            break
    for k, fut in enumerate(pending, start=1):
        if fut is None:
            continue
        error = fut.exception()  # waits: nothing may run on once the caller has moved on
        if error is None:
            out[k] = fut.result()
        elif failure is None:
            failure = error
    if failure is not None:
        raise failure
    return out
