"""Compiled loops (numba) that add up members by household, and sums over masks, codes and rows.

The per-household sums and counts of a month (incomes, care, rehab and school costs, the labour
force's terms, whether any living member has a flag), masked sums, sums by tier and the rings'
window sums. Each gives exactly the numbers of the NumPy expression it stands for, adding the
same values in the same order: where a loop adds ``0.0`` for a member NumPy leaves out, that never
changes a sum that starts from ``0.0``. The loops avoid branches where the processor could not
guess them (whether a member works is a coin toss to it), and the gathered copies and boolean
arrays NumPy would make in between. Inputs a loop is not written for go to NumPy, which gives
its own result or error; some return None for the caller to do so.

Compiled, or loaded from numba's on-disk cache, at the first call in a process, as the loops of
:mod:`reliefsim.kernels`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np

from reliefsim.kernels import numba_jit


def member_incomes(hh: np.ndarray, alive: np.ndarray, works: np.ndarray, wage: np.ndarray,
                   pension: np.ndarray, benefit_months: np.ndarray, benefit: np.ndarray,
                   households: int) -> tuple[np.ndarray, np.ndarray]:
    """Per household, the wages and the pensions (with unemployment benefit) of living members.

    The NumPy expression it stands for: wages are ``np.bincount`` over living working members of
    their ``wage``; pensions over living members who claim benefit (not working, months left) or
    have a pension, of ``pension`` plus ``benefit`` for the claimants. The compiled loop goes
    once over all members, without branches, adding ``+0.0`` for the members NumPy leaves out:
    that never changes a sum (a sum from ``0.0`` is never ``−0.0``).

    Args:
        hh: member → household index (int32 or int64).
        alive: per member, living (bool).
        works: per member, working (bool).
        wage: per member, wage when working (float64, yuan/month).
        pension: per member (float64, yuan/month).
        benefit_months: per member, months of unemployment benefit left (integer).
        benefit: per member, unemployment benefit while claiming (float64, yuan/month).
        households: number of households.

    Returns:
        ``(wages, pensions)``, float64 arrays of ``households`` sums.
    """
    members = (hh, alive, works, wage, pension, benefit_months, benefit)
    if (hh.dtype in (np.int32, np.int64) and alive.dtype == works.dtype == np.bool_
            and wage.dtype == pension.dtype == benefit.dtype == np.float64
            and benefit_months.dtype.kind == "i"
            and all(a.ndim == 1 and len(a) == len(hh) and a.flags.c_contiguous for a in members)):
        wages, pensions = np.empty(households), np.empty(households)
        if _compiled().member_incomes(*members, wages, pensions):
            return wages, pensions
    earning = np.flatnonzero(works & alive)
    wages = np.bincount(hh[earning], weights=wage[earning], minlength=households)
    claim = ~works & (benefit_months > 0)
    paid = np.flatnonzero(alive & (claim | (pension != 0)))  # the rest add 0.0
    paid_pension = pension[paid]
    claiming = claim[paid]
    paid_pension[claiming] += benefit[paid[claiming]]
    return wages, np.bincount(hh[paid], weights=paid_pension, minlength=households)


def school_levels(age: np.ndarray, tertiary_track: np.ndarray,
                  school_ages: Sequence[float]) -> np.ndarray | None:
    """Per member, the school level by age (the loop behind ``population.student_level``).

    Args:
        age: member ages (float64).
        tertiary_track: members who go on to tertiary education (bool).
        school_ages: primary, secondary and tertiary start, tertiary end.

    Returns:
        int8 levels (1 primary, 2 secondary, 3 tertiary, 0 none), or None for inputs the loop
        does not take (the caller then computes them with NumPy).
    """
    if not (age.dtype == np.float64 and tertiary_track.dtype == np.bool_
            and age.ndim == tertiary_track.ndim == 1 and len(age) == len(tertiary_track)
            and len(school_ages) == 4):
        return None
    level = np.empty(len(age), dtype=np.int8)
    _compiled().school_levels(age, tertiary_track, *(float(a) for a in school_ages), level)
    return level


def member_flows(hh: np.ndarray, alive: np.ndarray, unable_self_care: np.ndarray,
                 disability: np.ndarray, severe: int, student: np.ndarray, school_cost: np.ndarray,
                 households: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per household, the counts and the school cost behind the month's care, rehab and school.

    Living members unable to care for themselves, living members with a ``severe`` disability
    (both as float64 counts), and the school cost of living pupils: the loop behind
    ``population.monthly_flows``. The counts and sums are NumPy's ``np.bincount`` over the
    living members concerned, made in one pass over all members, adding ``0.0`` for the others
    (which never changes a sum from ``0.0``).

    Args:
        hh: member → household index (int32 or int64).
        alive: per member, living (bool).
        unable_self_care: per member (bool).
        disability: per member, disability code (int8).
        severe: the code of a severe disability.
        student: per member, school level (int8; 0 none).
        school_cost: float64 cost per school level (index 0 unused).
        households: number of households.

    Returns:
        ``(unable_count, severe_count, school_cost)``, or None for inputs the loop does not take
        (the caller then computes them with NumPy).
    """
    members = (hh, alive, unable_self_care, disability, student)
    if not (hh.dtype in (np.int32, np.int64) and alive.dtype == unable_self_care.dtype == np.bool_
            and disability.dtype == student.dtype == np.int8 and school_cost.dtype == np.float64
            and all(a.ndim == 1 and len(a) == len(hh) for a in members)):
        return None
    out = np.empty(households), np.empty(households), np.empty(households)
    if not _compiled().member_flows(*members, severe, school_cost, *out):
        return None
    return out


def split_by_code(values: np.ndarray, codes: np.ndarray, n: int
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """``values`` grouped by code, each group in index order (a stable counting sort).

    ``grouped[bounds[k]:bounds[k + 1]]`` holds ``values[codes == k]``, the same elements in the
    same order, so NumPy sums it to the same number.

    Args:
        values: float64 values.
        codes: integer codes, one per value, from 0 to ``n − 1``.
        n: how many codes.

    Returns:
        ``(grouped, bounds)``, or None for inputs the loop does not take (a code out of range,
        another dtype or shape).
    """
    if not (values.dtype == np.float64 and codes.dtype.kind in "iu" and values.ndim == 1
            and codes.ndim == 1 and len(values) == len(codes) and n > 0):
        return None
    grouped, bounds = np.empty(len(values)), np.zeros(n + 1, dtype=np.int64)
    if not _compiled().split_by_code(values, codes, grouped, bounds):
        return None
    return grouped, bounds


def any_living(households: np.ndarray, starts: np.ndarray, counts: np.ndarray,
               alive: np.ndarray, flags: np.ndarray) -> np.ndarray | None:
    """Per given household, whether any living member has the flag (members stored by household).

    Args:
        households: household indices.
        starts: per household, the index of its first member.
        counts: per household, its number of members (living or not).
        alive: per member, living (bool).
        flags: per member, the flag (bool).

    Returns:
        One bool per given household, or None for inputs the loop does not take.
    """
    if not (alive.dtype == flags.dtype == np.bool_ and len(alive) == len(flags)
            and households.dtype.kind in "iu" and starts.dtype.kind in "iu"
            and counts.dtype.kind in "iu" and len(starts) == len(counts)
            and (len(households) == 0 or 0 <= households.min() <= households.max() < len(starts))
            and (len(counts) == 0 or starts[-1] + counts[-1] <= len(alive))):
        return None
    out = np.empty(len(households), dtype=bool)
    _compiled().any_living(households, starts, counts, alive, flags, out)
    return out


SPARSE = 64
"""``masked_sum`` leaves masks selecting fewer than one value in this many to NumPy."""


def masked_sum(values: np.ndarray, mask: np.ndarray) -> np.float64:
    """``values[mask].sum()``: the same elements, in the same order, summed by NumPy.

    The selected values are packed into a buffer by a compiled loop without branches (NumPy's
    boolean indexing stalls on masks that look random to the processor), and NumPy sums that
    contiguous stretch as it would the selection. Masks selecting fewer than one value in
    ``SPARSE`` go to NumPy, which is as quick there.

    Args:
        values: the values (float64).
        mask: which to add (bool, as long as ``values``).

    Returns:
        The sum (0.0 when nothing is selected).
    """
    if not (values.dtype == np.float64 and mask.dtype == np.bool_ and values.ndim == 1
            and mask.ndim == 1 and len(values) == len(mask)
            and np.count_nonzero(mask) * SPARSE >= len(mask)):
        return values[mask].sum()  # NumPy's own, as quick where few are selected
    packed = np.empty(len(values))
    return packed[:_compiled().pack(values, mask, packed)].sum()


def member_weights(weights: np.ndarray, hh: np.ndarray, alive: np.ndarray,
                   first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(weights[hh] * alive * first, weights[hh] * alive * second)``, member by member.

    The same products NumPy forms (the booleans as 1.0 and 0.0, multiplied in that order), in
    one pass without the gathered weights, for NumPy to sum.

    Args:
        weights: float64 weight per household.
        hh: member → household index.
        alive: per member, living (bool).
        first: per member, the first flag (bool).
        second: per member, the second flag (bool).

    Returns:
        The two float64 arrays, or None for inputs the loop does not take.
    """
    members = (hh, alive, first, second)
    if not (weights.dtype == np.float64 and hh.dtype in (np.int32, np.int64)
            and alive.dtype == first.dtype == second.dtype == np.bool_
            and all(a.ndim == 1 and len(a) == len(hh) for a in members)):
        return None
    out = np.empty(len(hh)), np.empty(len(hh))
    if not _compiled().member_weights(weights, *members, *out):
        return None
    return out


def add_to_cells(table: np.ndarray, rows: np.ndarray, columns: np.ndarray,
                 values: np.ndarray) -> None:
    """``np.add.at(table, (rows, columns), values)``: each value added to its cell, in order.

    Args:
        table: a 2-D float64 table, changed in place.
        rows: row index per value (integer).
        columns: column index per value (integer).
        values: float64 values.
    """
    if (table.dtype == values.dtype == np.float64 and table.ndim == 2
            and rows.dtype.kind in "iu" and columns.dtype.kind in "iu"
            and rows.ndim == columns.ndim == values.ndim == 1
            and len(rows) == len(columns) == len(values) and table.flags.writeable
            and _compiled().add_to_cells(table, rows, columns, values)):
        return  # the loop checks every index before it adds anything
    np.add.at(table, (rows, columns), values)


def sum_rows(ring: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """``ring[rows].sum(axis=0, dtype=np.float64)``: the rows added one after another, in order.

    NumPy adds the rows of an axis-0 sum in order, each element as float64; the compiled loop
    does the same without gathering the rows, four columns at a time.

    Args:
        ring: a 2-D float64 or float32 array (months × households).
        rows: the rows to add, in the order to add them.

    Returns:
        One float64 sum per column (zeros when no rows are given).
    """
    rows = np.asarray(rows, dtype=np.int64)
    if not (ring.ndim == 2 and ring.dtype in (np.float32, np.float64)
            and ring.flags.c_contiguous and rows.ndim == 1 and len(rows)
            and rows.min() >= 0 and rows.max() < len(ring)):
        return ring[rows].sum(axis=0, dtype=np.float64)
    out = np.empty(ring.shape[1])
    _compiled().sum_rows(ring, rows, out)
    return out


def warm_up() -> None:
    """Compile (or load) every loop of this module for the dtypes the model uses."""
    for dtype in (np.float32, np.float64):
        sum_rows(np.zeros((1, 1), dtype), [0])
    school_levels(np.zeros(1), np.zeros(1, dtype=bool), [6, 12, 18, 23])
    split_by_code(np.zeros(1), np.zeros(1, dtype=np.int8), 1)
    masked_sum(np.zeros(1), np.ones(1, dtype=bool))
    code = np.zeros(1, dtype=np.int8)
    add_to_cells(np.zeros((1, 1)), code, code, np.zeros(1))
    one_index = np.zeros(1, dtype=np.int64)
    any_living(one_index, one_index, np.ones(1, dtype=np.int64), np.ones(1, dtype=bool),
               np.ones(1, dtype=bool))
    one, zero, hh = np.ones(1, dtype=bool), np.zeros(1), np.zeros(1, dtype=np.int64)
    for writeable in (True, False):  # the truth's ``hh`` is read-only once it is shared
        hh.flags.writeable = writeable
        member_incomes(hh, one, one, zero, zero, np.zeros(1, dtype=np.int16), zero, 1)
        member_flows(hh, one, one, code, 2, code, zero, 1)
        member_weights(zero, hh, one, one, one)


@functools.cache
def _compiled() -> SimpleNamespace:
    """The compiled loops (numba imported here, at the first call)."""
    jit = numba_jit()

    @jit
    def member_incomes(hh, alive, works, wage, pension, benefit_months, benefit, wages,
                       pensions):  # type: ignore[no-untyped-def]  # pragma: no cover
        n = wages.shape[0]
        wages[:] = 0.0
        pensions[:] = 0.0
        for i in range(hh.shape[0]):
            h = hh[i]
            if h < 0 or h >= n:
                return False  # NumPy's bincount says what is wrong
            living, working = alive[i], works[i]
            own, paid = wage[i], pension[i]
            claimed = paid + benefit[i]
            # selects, not branches: whether a member works is a coin toss to the processor
            wages[h] += own if living & working else 0.0
            claims = living & (not working) & (benefit_months[i] > 0)
            pensions[h] += claimed if claims else (paid if living else 0.0)
        return True

    @jit
    def sum_rows(ring, rows, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        n, last = ring.shape[1], rows.shape[0]
        j = 0
        while j + 4 <= n:  # four columns at once: four independent chains of additions
            r = rows[0]
            a0, a1 = np.float64(ring[r, j]), np.float64(ring[r, j + 1])
            a2, a3 = np.float64(ring[r, j + 2]), np.float64(ring[r, j + 3])
            for k in range(1, last):
                r = rows[k]
                a0 += np.float64(ring[r, j])
                a1 += np.float64(ring[r, j + 1])
                a2 += np.float64(ring[r, j + 2])
                a3 += np.float64(ring[r, j + 3])
            out[j], out[j + 1], out[j + 2], out[j + 3] = a0, a1, a2, a3
            j += 4
        for rest in range(j, n):
            total = np.float64(ring[rows[0], rest])
            for k in range(1, last):
                total += np.float64(ring[rows[k], rest])
            out[rest] = total

    @jit
    def school_levels(age, track, primary, secondary, tertiary, leaving,
                      level):  # type: ignore[no-untyped-def]  # pragma: no cover
        for i in range(age.shape[0]):
            a = age[i]
            young = a < leaving  # nobody older is at school
            # np.select: the first level whose test holds
            third = np.int8(3) if young & (a >= tertiary) & track[i] else np.int8(0)
            second = np.int8(2) if young & (a >= secondary) & (a < tertiary) else third
            level[i] = np.int8(1) if young & (a >= primary) & (a < secondary) else second

    @jit
    def member_flows(hh, alive, unable, disability, student, severe, cost, unable_count,
                     severe_count, school):  # type: ignore[no-untyped-def]  # pragma: no cover
        n, levels = unable_count.shape[0], cost.shape[0]
        unable_count[:] = 0.0
        severe_count[:] = 0.0
        school[:] = 0.0
        for i in range(hh.shape[0]):
            h, level = hh[i], student[i]
            if h < 0 or h >= n or level < 0 or level >= levels:
                return False  # NumPy says what is wrong
            living = alive[i]
            unable_count[h] += 1.0 if living & unable[i] else 0.0
            severe_count[h] += 1.0 if living & (disability[i] == severe) else 0.0
            price = cost[level]
            school[h] += price if living & (level > 0) else 0.0
        return True

    @jit
    def split_by_code(values, codes, grouped, bounds):  # type: ignore[no-untyped-def]  # pragma: no cover
        n = bounds.shape[0] - 1
        for i in range(codes.shape[0]):
            c = codes[i]
            if c < 0 or c >= n:
                return False
            bounds[c + 1] += 1
        for k in range(n):
            bounds[k + 1] += bounds[k]
        at = bounds[:-1].copy()
        for i in range(codes.shape[0]):
            c = codes[i]
            grouped[at[c]] = values[i]
            at[c] += 1
        return True

    @jit
    def any_living(households, starts, counts, alive, flags,
                   out):  # type: ignore[no-untyped-def]  # pragma: no cover
        for j in range(households.shape[0]):
            h = households[j]
            first = starts[h]
            found = False
            for i in range(first, first + counts[h]):
                found |= alive[i] & flags[i]
            out[j] = found

    @jit
    def pack(values, mask, packed):  # type: ignore[no-untyped-def]  # pragma: no cover
        j = 0
        for i in range(values.shape[0]):
            packed[j] = values[i]  # written always, kept only where the mask says
            j += mask[i]
        return j

    @jit
    def member_weights(weights, hh, alive, first, second, out_first,
                       out_second):  # type: ignore[no-untyped-def]  # pragma: no cover
        n = weights.shape[0]
        for i in range(hh.shape[0]):
            h = hh[i]
            if h < 0 or h >= n:
                return False
            living = weights[h] * (1.0 if alive[i] else 0.0)
            out_first[i] = living * (1.0 if first[i] else 0.0)
            out_second[i] = living * (1.0 if second[i] else 0.0)
        return True

    @jit
    def add_to_cells(table, rows, columns, values):  # type: ignore[no-untyped-def]  # pragma: no cover
        n_rows, n_columns = table.shape
        for i in range(rows.shape[0]):
            if not (0 <= rows[i] < n_rows and 0 <= columns[i] < n_columns):
                return False  # nothing added yet: NumPy's add.at does it all
        for i in range(rows.shape[0]):
            table[rows[i], columns[i]] += values[i]
        return True

    return SimpleNamespace(member_incomes=member_incomes, sum_rows=sum_rows,
                           school_levels=school_levels, member_flows=member_flows,
                           split_by_code=split_by_code, any_living=any_living, pack=pack,
                           member_weights=member_weights, add_to_cells=add_to_cells)
