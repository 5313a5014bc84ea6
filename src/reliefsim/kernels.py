"""Compiled inner loops (numba) for the hottest steps of a month: draws, copies, indices.

Each gives exactly the numbers of the NumPy expression it stands for, only faster: NumPy draws
each normal through a call to its bit generator, and ``target[index] = source[index]`` first
gathers a copy, then scatters it. (The loops that add up members by household, and the sums by
district and code, are in :mod:`reliefsim.aggregates`.) Inputs the loops are not written for
(another dtype, a non-contiguous or read-only ``out``, overlapping arrays, an index out of
range) go to NumPy, which gives its own result or error.

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


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths)])``, compiled.

    The member slots of households stored block by block (their blocks' starts and lengths), in
    one pass instead of NumPy's ``np.repeat`` of each block's offset, which copies element by
    element. Inputs other than 1-D integer arrays of one length with no negative length go to
    NumPy.

    Args:
        starts: first index of each range.
        lengths: length of each range.

    Returns:
        The indices (int64), range after range.
    """
    if not (starts.dtype.kind in "iu" and lengths.dtype.kind in "iu" and starts.ndim == 1
            and lengths.shape == starts.shape and (len(lengths) == 0 or lengths.min() >= 0)):
        offset = np.cumsum(lengths) - lengths
        return np.arange(int(lengths.sum())) + np.repeat(starts - offset, lengths)
    total, width = int(lengths.sum()), int(lengths.max()) if len(lengths) else 0
    out = np.empty(total + width, dtype=np.int64)  # room for the last range's full width
    _compiled().fill_ranges(starts, lengths, width, out)
    return out[:total]


def repeat_index(lengths: np.ndarray) -> np.ndarray:
    """``np.repeat(np.arange(len(lengths)), lengths)``: each position repeated its length's times.

    Per member slot of some households (block by block), the position of its household among
    them. Inputs other than a 1-D integer array with no negative length go to NumPy.

    Args:
        lengths: how many times to repeat each position.

    Returns:
        The positions (int64).
    """
    if not (lengths.dtype.kind in "iu" and lengths.ndim == 1
            and (len(lengths) == 0 or lengths.min() >= 0)):
        return np.repeat(np.arange(len(lengths)), lengths)
    total, width = int(lengths.sum()), int(lengths.max()) if len(lengths) else 0
    out = np.empty(total + width, dtype=np.int64)
    _compiled().fill_repeats(lengths, width, out)
    return out[:total]


BIT_VIEWS = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}
"""Item size → the integer type whose bits :func:`copy_where` blends."""


def copy_where(mask: np.ndarray, source: np.ndarray, target: np.ndarray) -> None:
    """``np.copyto(target, source, where=mask)``: the masked elements copied, bit for bit.

    The compiled loop blends every element's bits (``t ^ ((t ^ s) & −mask)``, as integers of
    the element's width) without a branch, a loop the compiler vectorises: for a mask that
    picks a household's members, many times quicker than NumPy's masked copy or than copying
    through the mask's indices (:func:`copy_at`). Inputs it is not written for (another dtype
    or shape, a read-only or non-contiguous target, overlapping arrays) go to NumPy.

    Args:
        mask: bool, one per element.
        source: the values to copy from.
        target: the array to write into.
    """
    view = BIT_VIEWS.get(target.dtype.itemsize)
    if not (view is not None and mask.dtype == np.bool_ and source.dtype == target.dtype
            and mask.ndim == source.ndim == target.ndim == 1
            and len(mask) == len(source) == len(target)
            and mask.flags.c_contiguous and source.flags.c_contiguous
            and target.flags.c_contiguous and target.flags.writeable
            and target.dtype.kind in "biuf" and not np.may_share_memory(source, target)):
        np.copyto(target, source, where=mask)
        return
    _compiled().blend(mask.view(np.uint8), source.view(view), target.view(view))


SPARSE = 40
"""A mask with fewer than one element in ``SPARSE`` set goes to NumPy's ``flatnonzero``."""


def flatnonzero(mask: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(mask)`` for a 1-D bool mask, the same indices without a branch each.

    NumPy's loop branches on every element, and on a mask neither sparse nor nearly full the
    processor guesses often wrong (4 ms for 3.5 million elements a tenth of them set, against
    about 1 ms for the compiled loop, which writes every index and moves on by the mask's
    value). Sparse masks (under one in ``SPARSE`` set) and other inputs go to NumPy.

    Args:
        mask: the mask.

    Returns:
        The indices (int64) of the set elements, ascending.
    """
    if not (mask.dtype == np.bool_ and mask.ndim == 1 and mask.flags.c_contiguous):
        return np.flatnonzero(mask)
    count = int(np.count_nonzero(mask))
    if count * SPARSE < len(mask):
        return np.flatnonzero(mask)
    out = np.empty(count + 1, dtype=np.int64)  # the loop writes one index past the last
    _compiled().fill_nonzero(mask.view(np.uint8), out)
    return out[:count]


FEW_CUTS = 32
"""Most cut points :func:`searchsorted_right` compares each value with (more go to NumPy)."""


def searchsorted_right(cuts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cuts, values, side="right")`` for a few ascending cut points.

    Per value, how many cuts are at most the value (NaN, which NumPy sorts last, after all the
    cuts): the compiled loop compares each value with every cut and adds up the answers, which
    on a million values and nine cuts takes a tenth of NumPy's binary search, whose branches the
    processor cannot guess. More than ``FEW_CUTS`` cuts, cuts with NaN, and inputs other than
    1-D float64 arrays go to NumPy.

    Args:
        cuts: ascending cut points.
        values: the values to place.

    Returns:
        Per value, its insertion index (int64).
    """
    if not (cuts.dtype == values.dtype == np.float64 and cuts.ndim == values.ndim == 1
            and len(cuts) <= FEW_CUTS and not np.isnan(cuts).any()):
        return np.searchsorted(cuts, values, side="right")
    out = np.empty(len(values), dtype=np.int64)
    _compiled().count_at_or_below(np.ascontiguousarray(cuts), values, out)
    return out


def warm_up() -> None:
    """Compile (or load) every loop for the dtypes the model uses, in this process.

    Called before worker processes start, so that they load the loops from the on-disk cache
    instead of compiling them side by side. Includes the loops of :mod:`reliefsim.aggregates`.
    """
    from reliefsim import aggregates, rng

    standard_normal(np.random.default_rng(0), 1)
    flatnonzero(np.ones(1, dtype=bool))
    for index_type in (np.int32, np.int64):
        ranges(np.zeros(1, dtype=index_type), np.ones(1, dtype=np.int64))
        repeat_index(np.ones(1, dtype=index_type))
    for dtype in (np.bool_, np.int8, np.int16, np.float32, np.float64):
        source = np.zeros(1, dtype)
        for writeable in (True, False):  # lagged snapshots may be read-only views
            source.flags.writeable = writeable
            copy_where(np.ones(1, dtype=bool), source, np.zeros(1, dtype))
    searchsorted_right(np.zeros(1), np.zeros(1))
    for index_type in (np.int32, np.int64):
        for dtype in (np.bool_, np.int8, np.int16, np.float32, np.float64):
            copy_at(np.zeros(1, dtype=index_type), np.zeros(1, dtype), np.zeros(1, dtype))
    aggregates.warm_up()
    rng.warm_up()


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

    # every range is written to the longest one's width (the next overwrites the surplus): a
    # loop of the same length each time, which the processor predicts
    @jit
    def fill_ranges(starts, lengths, width, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        pos = 0
        for j in range(starts.shape[0]):
            first = np.int64(starts[j])
            for k in range(width):
                out[pos + k] = first + k
            pos += np.int64(lengths[j])

    @jit
    def fill_repeats(lengths, width, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        pos = 0
        for j in range(lengths.shape[0]):
            for k in range(width):
                out[pos + k] = j
            pos += np.int64(lengths[j])

    @jit
    def blend(mask, source, target):  # type: ignore[no-untyped-def]  # pragma: no cover
        for i in range(target.shape[0]):
            keep = target[i]
            target[i] = keep ^ ((keep ^ source[i]) & -np.int64(mask[i]))  # all bits or none

    @jit
    def fill_nonzero(mask, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        k = 0
        for i in range(mask.shape[0]):
            out[k] = i
            k += mask[i]

    @jit
    def count_at_or_below(cuts, values, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        k = cuts.shape[0]
        for i in range(values.shape[0]):
            x = values[i]
            n = 0
            for j in range(k):
                n += cuts[j] <= x
            out[i] = n if x == x else k  # NaN after every cut

    return SimpleNamespace(fill_standard_normal=fill_standard_normal, copy_at=copy_at,
                           fill_ranges=fill_ranges, fill_repeats=fill_repeats, blend=blend,
                           fill_nonzero=fill_nonzero,
                           count_at_or_below=count_at_or_below)
