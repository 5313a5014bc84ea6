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
_state: dict[str, Any] = {"threads": None, "pool": None, "pid": None, "size": 0}
_lock = threading.Lock()
_inside = threading.local()  # set in the pool's threads: a piece never waits on the pool


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


def _pool(size: int) -> ThreadPoolExecutor:
    """This process's pool of ``size`` threads (made anew in a child: a fork keeps no threads)."""
    with _lock:
        if _state["pid"] != os.getpid() or _state["size"] != size:
            _state["pool"] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="reliefsim",
                                                initializer=_mark_inside)
            _state["pid"], _state["size"] = os.getpid(), size
        return _state["pool"]


def _mark_inside() -> None:
    _inside.active = True


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

    The first runs in the calling thread, the others in the pool. The calls must not write
    anything another of them reads or writes. An exception in any call is raised after all
    have finished (the first call's first), so no piece is still running when the caller
    goes on. With one thread, inside the pool, outside :func:`side_by_side`'s permission, or for
    a single call, the calls run one after the other, in order.

    Args:
        calls: functions of no argument.

    Returns:
        Their results, in the calls' order.
    """
    if (len(calls) <= 1 or threads() < 2 or getattr(_inside, "active", False)
            or not _allowed.get()):
        return [call() for call in calls]
    pool = _pool(threads() - 1)
    futures: list[Future[Any]] = [pool.submit(call) for call in calls[1:]]
    try:
        first = calls[0]()
    except BaseException:
        for fut in futures:
            fut.exception()  # wait: nothing may run on once the caller has moved on
        raise
    return [first, *(fut.result() for fut in futures)]
