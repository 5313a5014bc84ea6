"""Compiled inner loops (numba) for the hottest steps of a month: normals, copies, the deciles.

Each gives exactly the numbers of the NumPy expression it stands for, only faster: NumPy draws
each normal through a call to its bit generator, ``target[index] = source[index]`` first
gathers a copy, then scatters it, and the deciles' stable order and running sum are one radix
sort and one pass. (The loops that add up members by household, and masked, grouped and ring
sums, are in :mod:`reliefsim.aggregates`.) Inputs the loops are not written for (another dtype, a
non-contiguous or read-only ``out``, overlapping arrays, an index out of range) go to NumPy,
which gives its own result or error.

numba is imported, and each loop compiled or loaded from its on-disk cache, at the first call
in a process, so importing reliefsim stays quick. Where no cache folder is writable, the loops
are compiled in memory in each process instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np


def standard_normal(generator: Any, size: int, out: np.ndarray | None = None) -> np.ndarray:
    """``generator.standard_normal(size, out=out)``: the same numbers, about 3× as fast.

    The compiled loop runs NumPy's own ziggurat on the same PCG64 stream, inline, and leaves the
    stream where NumPy's call would. Any other generator, or stand-in for one, draws by its own
    ``standard_normal``.

    Args:
        generator: the stream to draw from (a ``numpy.random.Generator``, or anything with a
            ``standard_normal`` method).
        size: how many normals.
        out: a float64 array of ``size`` elements to write them into (default a new one).

    Returns:
        The normals (``out`` when given).
    """
    compiled = (isinstance(generator, np.random.Generator)
                and isinstance(generator.bit_generator, np.random.PCG64))
    if out is None:
        if not compiled or size == 0:
            return generator.standard_normal(size)
        out = np.empty(size)
    elif not (compiled and len(out) == size and out.dtype == np.float64
              and out.flags.c_contiguous and out.flags.writeable and size):
        return generator.standard_normal(size, out=out)
    _compiled().fill_standard_normal(generator, out)
    return out


def copy_at(index: np.ndarray, source: np.ndarray, target: np.ndarray) -> None:
    """``target[index] = source[index]`` in one pass, without the gathered copy (1-D arrays).

    Args:
        index: integer positions (repeats allowed).
        source: the values to copy from.
        target: the array to write into.
    """
    if not (index.dtype in (np.int32, np.int64) and source.dtype == target.dtype
            and source.ndim == 1 and target.ndim == 1 and len(source) == len(target)
            and target.flags.writeable and len(index)
            and index.min() >= 0 and index.max() < len(target)
            and (source is target or not np.may_share_memory(source, target))):
        target[index] = source[index]
        return
    _compiled().copy_at(index, source, target)


def tenths_in_order(order: np.ndarray, weights: np.ndarray, tenths: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Weighted tenths of households taken in ``order``, for :func:`reliefsim.deciles.deciles`.

    In one pass: the running sum of the weights in order (``np.cumsum``), the weight before
    each household ``below = (running − own) × tenths``, and ``floor(below / total)`` capped at
    ``tenths − 1``. The result is not final where the quotient is a whole number: the division
    may have rounded up onto it, so those households are returned for the caller to settle with
    ``below // total``, as NumPy would round it.

    Args:
        order: every household index once, poorest first.
        weights: one float64 weight per household.
        tenths: how many groups (10).

    Returns:
        ``(tenth, edge, edge_below, total)``: int8 tenth per household (by index); the
        households whose quotient was whole, and their ``below``; the total weight.
    """
    if len(order) != len(weights) or weights.dtype != np.float64:
        raise ValueError(f"tenths_in_order: {len(order)} households in order but "
                         f"{len(weights)} weights of {weights.dtype} (float64 expected)")
    return _compiled().tenths_in_order(order, weights, float(tenths))


def radix_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``, by a radix sort for float64 values without NaN.

    Each value is mapped to an unsigned 64-bit key in the same order (−0.0 and 0.0 to one key, as
    they compare equal; negative numbers bit-flipped, the others given the sign bit). The high
    32 bits of the keys are sorted least significant byte first: four stable counting passes,
    minus those where every key has the same byte, their histograms counted while the keys are
    made. Runs of keys whose high halves tie (equal values, or values within about a millionth
    of each other) are then put in order of their low halves: by insertion where short, by a
    stable merge sort where long; within a run the positions are already in index order, which
    both keep. Half the passes of a sort on whole keys, for the same order. Other arrays
    (another dtype or shape, not contiguous, with NaN, which has no key, or longer than int32
    positions can count) go to NumPy's own stable sort.

    Args:
        values: the values to sort.

    Returns:
        int64 indices that sort ``values``, ties in index order.
    """
    if not (values.dtype == np.float64 and values.ndim == 1 and values.flags.c_contiguous
            and 0 < len(values) <= np.iinfo(np.int32).max and not np.isnan(values).any()):
        return np.argsort(values, kind="stable")
    return _compiled().radix_argsort(values)


def warm_up() -> None:
    """Compile (or load) every loop for the dtypes the model uses, in this process.

    Called before worker processes start, so that they load the loops from the on-disk cache
    instead of compiling them side by side. Includes the loops of :mod:`reliefsim.aggregates`.
    """
    from reliefsim import aggregates

    standard_normal(np.random.default_rng(0), 1)
    for index_type in (np.int32, np.int64):
        for dtype in (np.bool_, np.int8, np.int16, np.float64):
            copy_at(np.zeros(1, dtype=index_type), np.zeros(1, dtype), np.zeros(1, dtype))
    tenths_in_order(np.zeros(1, dtype=np.int64), np.ones(1), 10)
    radix_argsort(np.zeros(1))
    aggregates.warm_up()


def numba_jit() -> Callable[[Callable], Callable]:
    """The decorator for a compiled loop: ``numba.njit``, cached on disk where it can be.

    numba is imported here. Where no cache folder is writable, the loops are compiled in memory
    in each process.
    """
    import numba

    def jit(function: Callable) -> Callable:
        try:
            return numba.njit(cache=True, nogil=True)(function)
        except RuntimeError:  # no writable cache folder: compile in memory, in each process
            return numba.njit(nogil=True)(function)

    return jit


@functools.cache
def _compiled() -> SimpleNamespace:
    """The compiled loops (numba imported here, at the first call)."""
    jit = numba_jit()

    @jit
    def fill_standard_normal(generator, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        for i in range(out.shape[0]):
            out[i] = generator.standard_normal()

    @jit
    def copy_at(index, source, target):  # type: ignore[no-untyped-def]  # pragma: no cover
        for k in range(index.shape[0]):
            j = index[k]
            target[j] = source[j]

    @jit
    def tenths_in_order(order, weights, tenths):  # type: ignore[no-untyped-def]  # pragma: no cover
        n = order.shape[0]
        ordered = np.empty(n)  # the weights in order, gathered once, read in turn below
        running = 0.0
        for k in range(n):
            own = weights[order[k]]
            ordered[k] = own
            running += own
        total = max(running, 1e-12)
        tenth = np.empty(n, dtype=np.int8)
        edge = np.empty(n, dtype=np.int64)
        edge_below = np.empty(n)
        edges = 0
        running = 0.0
        for k in range(n):
            household = order[k]
            own = ordered[k]
            running += own
            below = (running - own) * tenths
            share = below / total
            whole = np.floor(share)
            if whole == share:
                edge[edges] = household
                edge_below[edges] = below
                edges += 1
            tenth[household] = min(whole, tenths - 1.0)
        return tenth, edge[:edges], edge_below[:edges], total

    @jit
    def radix_argsort(values):  # type: ignore[no-untyped-def]  # pragma: no cover
        n = values.shape[0]
        sign = np.uint64(1) << np.uint64(63)
        byte = np.uint32(255)
        bits = values.view(np.uint64)
        high = np.empty(n, dtype=np.uint32)
        low = np.empty(n, dtype=np.uint32)
        counts = np.zeros((4, 256), dtype=np.int64)
        for i in range(n):
            key = bits[i] if values[i] != 0.0 else np.uint64(0)  # −0.0 sorts as 0.0
            key = ~key if key & sign else key | sign
            h = np.uint32(key >> np.uint64(32))
            high[i] = h
            low[i] = np.uint32(key & np.uint64(0xFFFFFFFF))
            for p in range(4):
                counts[p, (h >> np.uint32(8 * p)) & byte] += 1
        passes = [p for p in range(4) if counts[p].max() < n]  # the others move nothing
        order = np.arange(n)
        if passes:
            index = np.empty(n, dtype=np.int32)  # half the memory traffic of int64
            moved = np.empty(n, dtype=np.int32)
            moved_high = np.empty(n, dtype=np.uint32)
            start = np.empty(256, dtype=np.int64)
            for number, p in enumerate(passes):
                total = 0
                for b in range(256):
                    start[b] = total
                    total += counts[p, b]
                shift = np.uint32(8 * p)
                last = number == len(passes) - 1
                for i in range(n):
                    h = high[i]
                    b = (h >> shift) & byte
                    j = start[b]
                    start[b] = j + 1
                    source = i if number == 0 else index[i]
                    moved_high[j] = h
                    if last:
                        order[j] = source
                    else:
                        moved[j] = source
                high, moved_high = moved_high, high
                index, moved = moved, index
        # runs whose high halves tie, in index order so far: by their low halves, stably
        i = 0
        while i < n:
            h = high[i]
            j = i + 1
            while j < n and high[j] == h:
                j += 1
            if j - i > 16:
                run = order[i:j].copy()
                keys = np.empty(j - i, dtype=np.uint32)
                for k in range(j - i):
                    keys[k] = low[run[k]]
                by_low = np.argsort(keys, kind="mergesort")
                for k in range(j - i):
                    order[i + k] = run[by_low[k]]
            else:
                for k in range(i + 1, j):
                    x = order[k]
                    key = low[x]
                    m = k
                    while m > i and low[order[m - 1]] > key:
                        order[m] = order[m - 1]
                        m -= 1
                    order[m] = x
            i = j
        return order

    return SimpleNamespace(fill_standard_normal=fill_standard_normal, copy_at=copy_at,
                           tenths_in_order=tenths_in_order, radix_argsort=radix_argsort)
