"""Compiled loops (numba) that add up members by household, and sums by district and code.

The per-household sums and counts of a month (incomes, care, rehab and school costs, whether any
living member has a flag), the rings' window sums, and the measurement's totals per district
(households are stored district by district, so a district is one range of rows). Each stands for
a NumPy expression named in its docstring and gives its numbers up to the order of additions. The
loops avoid branches where the processor could not guess them (whether a member works is a coin
toss to it), and the gathered copies and boolean arrays NumPy would make in between. Inputs a loop
is not written for go to NumPy, which gives its own result or error; some return None for the
caller to do so.

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
            and wage.dtype == pension.dtype == benefit.dtype
            and wage.dtype in (np.float32, np.float64)
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
    if not (age.dtype in (np.float32, np.float64) and tertiary_track.dtype == np.bool_
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


def sum_rows(ring: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """``ring[rows].sum(axis=0, dtype=np.float64)``: the rows added one after another, in order.

    NumPy adds the rows of an axis-0 sum in order, each element as float64; the compiled loop
    does the same without gathering the rows, four columns at a time.

    Args:
        ring: a 2-D float64 or float32 array (a ring's months × households, or the payments by
            programme × households).
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


def advance_window(total: np.ndarray, now: np.ndarray, ring: np.ndarray, slot: int,
                   old: int, floor: bool = True) -> np.ndarray:
    """A running window sum moved on by a month: this month in, the oldest month out.

    The NumPy expressions of :func:`advance_window_numpy`, in one pass (``old`` may be
    ``slot``: its row is read before it is written).

    Args:
        total: float64 window sums, one per column (not changed).
        now: float64 values of this month, one per column.
        ring: float32 array (months × columns): row ``slot`` is written with ``now``.
        slot: the ring's row for this month.
        old: the ring's row that leaves the window.
        floor: floor the sums at 0.

    Returns:
        The new float64 window sums.
    """
    if not (total.dtype == now.dtype == np.float64 and ring.dtype == np.float32
            and ring.ndim == 2 and ring.flags.c_contiguous and ring.flags.writeable
            and total.shape == now.shape == ring.shape[1:]
            and 0 <= slot < len(ring) and 0 <= old < len(ring)):
        return advance_window_numpy(total, now, ring, slot, old, floor)
    out = np.empty(len(total))
    _compiled().advance_window(total, now, ring[old], ring[slot], floor, out)
    return out


def advance_window_numpy(total: np.ndarray, now: np.ndarray, ring: np.ndarray, slot: int,
                         old: int, floor: bool = True) -> np.ndarray:
    """:func:`advance_window` as NumPy expressions (for inputs the loop is not written for)."""
    now32 = now.astype(np.float32)
    running = total + now32
    running -= ring[old]
    ring[slot] = now32
    if floor:
        np.maximum(running, 0.0, out=running)
    return running


def living_counts(alive: np.ndarray, starts: np.ndarray, counts: np.ndarray,
                  households: np.ndarray | None = None, hh: np.ndarray | None = None
                  ) -> np.ndarray:
    """Per household (or per given household), how many of its member slots hold a living person.

    ``np.add.reduceat`` over each household's block of member slots, in one pass without the
    integer copy of ``alive``. For every household, given ``hh``, it is ``np.bincount(hh,
    weights=alive)``: one streaming pass that adds each slot's 0 or 1 to its household, quicker
    than a loop over blocks of a few slots each.

    Args:
        alive: per member slot, living (bool).
        starts: per household, its first member slot.
        counts: per household, its member slots.
        households: only these household indices (default every household).
        hh: member slot → household (for every household at once).
    """
    if households is None:
        if (hh is not None and alive.dtype == np.bool_ and hh.dtype.kind == "i"
                and len(hh) == len(alive) and (len(hh) == 0 or 0 <= hh[0] <= hh[-1] < len(starts))):
            out = np.zeros(len(starts))
            _compiled().slot_counts(alive.view(np.uint8), hh, out)
            return out
        households = np.arange(len(starts))
    households = np.ascontiguousarray(households, dtype=np.int64)
    out = np.empty(len(households))
    if alive.dtype == np.bool_ and len(starts) == len(counts) and (
            len(counts) == 0 or starts[-1] + counts[-1] <= len(alive)):
        _compiled().living_counts(alive, starts, counts, households, out)
        return out
    for k, h in enumerate(households):
        out[k] = alive[starts[h]:starts[h] + counts[h]].sum()
    return out


def range_counts(weight: np.ndarray, masks: Sequence[np.ndarray], bounds: np.ndarray
                 ) -> np.ndarray:
    """Per range of rows, ``Σ weight × mask`` for each mask: an array (ranges × masks).

    Rows ``bounds[g]:bounds[g + 1]`` form group ``g`` (households are stored district by
    district, so a district is one range). One pass reads the weights once for all masks.

    Args:
        weight: float64 weight per row.
        masks: bool arrays, one value per row.
        bounds: ascending row bounds, first 0 and last the number of rows.
    """
    masks = tuple(np.ascontiguousarray(m, dtype=np.bool_) for m in masks)
    out = np.zeros((len(bounds) - 1, len(masks)))
    if not masks:
        return out
    if _ranges_ok(weight, masks, bounds):
        _compiled().range_counts(weight, masks, bounds, out)
        return out
    for j, m in enumerate(masks):
        out[:, j] = _reduce_ranges(np.where(m, weight, 0.0), bounds)
    return out


def range_totals(weight: np.ndarray, values: Sequence[np.ndarray], bounds: np.ndarray
                 ) -> np.ndarray:
    """Per range of rows, ``Σ weight × value`` for each value array: an array (ranges × k).

    Args:
        weight: float64 weight per row.
        values: float64 arrays, one value per row.
        bounds: ascending row bounds, first 0 and last the number of rows.
    """
    values = tuple(np.ascontiguousarray(x, dtype=np.float64) for x in values)
    out = np.zeros((len(bounds) - 1, len(values)))
    if not values:
        return out
    if _ranges_ok(weight, values, bounds):
        _compiled().range_totals(weight, values, bounds, out)
        return out
    for j, x in enumerate(values):
        out[:, j] = _reduce_ranges(weight * x, bounds)
    return out


def range_code_sums(weight: np.ndarray, codes: np.ndarray, n_codes: int, bounds: np.ndarray
                    ) -> np.ndarray:
    """Per range of rows and code, ``Σ weight``: an array (ranges × ``n_codes``).

    Args:
        weight: float64 weight per row.
        codes: integer code per row, from 0 to ``n_codes − 1``.
        n_codes: how many codes.
        bounds: ascending row bounds, first 0 and last the number of rows.

    Raises:
        ValueError: for a code out of range.
    """
    groups = len(bounds) - 1
    out = np.zeros((groups, n_codes))
    if len(codes) and (codes.min() < 0 or codes.max() >= n_codes):
        raise ValueError(f"range_code_sums: codes outside 0…{n_codes - 1}")
    if (weight.dtype == np.float64 and codes.dtype.kind in "iu" and len(codes) == len(weight)
            and _bounds_ok(bounds, len(weight))):
        _compiled().range_code_sums(weight, codes, bounds, out)
        return out
    group = np.repeat(np.arange(groups), np.diff(bounds))
    flat = np.bincount(group * n_codes + codes, weights=weight, minlength=groups * n_codes)
    return flat.reshape(groups, n_codes)


def member_range_counts(weight: np.ndarray, hh: np.ndarray, alive: np.ndarray,
                        flags: Sequence[np.ndarray], member_bounds: np.ndarray) -> np.ndarray:
    """Per range of members, ``Σ weight[hh] × alive × flag`` for each member flag.

    The weight is the household's (members are stored household by household, so a range of
    households is a range of members).

    Args:
        weight: float64 weight per household.
        hh: member → household index.
        alive: per member, living.
        flags: bool arrays, one value per member.
        member_bounds: ascending member bounds of the ranges.
    """
    flags = tuple(np.ascontiguousarray(f, dtype=np.bool_) for f in flags)
    out = np.zeros((len(member_bounds) - 1, len(flags)))
    if not flags:
        return out
    if (_bounds_ok(member_bounds, len(hh)) and weight.dtype == np.float64
            and hh.dtype.kind in "iu" and alive.dtype == np.bool_
            and all(len(f) == len(hh) for f in flags)
            and (len(hh) == 0 or 0 <= hh.min() <= hh.max() < len(weight))):
        _compiled().member_range_counts(weight, hh, alive, flags, member_bounds, out)
        return out
    member_weight = np.where(alive, weight[hh], 0.0)
    for j, f in enumerate(flags):
        out[:, j] = _reduce_ranges(np.where(f, member_weight, 0.0), member_bounds)
    return out


def _bounds_ok(bounds: np.ndarray, n: int) -> bool:
    return (bounds.dtype == np.int64 and bounds.ndim == 1 and len(bounds) >= 2
            and bounds[0] == 0 and bounds[-1] == n and bool((np.diff(bounds) >= 0).all()))


def _ranges_ok(weight: np.ndarray, arrays: tuple[np.ndarray, ...], bounds: np.ndarray) -> bool:
    return (weight.dtype == np.float64 and weight.ndim == 1 and _bounds_ok(bounds, len(weight))
            and all(a.ndim == 1 and len(a) == len(weight) for a in arrays))


def _reduce_ranges(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sums of ``values`` over each range (empty ranges give 0)."""
    out = np.zeros(len(bounds) - 1)
    for g in range(len(out)):
        out[g] = values[bounds[g]:bounds[g + 1]].sum()
    return out


def warm_up() -> None:
    """Compile (or load) every loop of this module for the dtypes the model uses."""
    for dtype in (np.float32, np.float64):
        sum_rows(np.zeros((1, 1), dtype), [0])
    for floor in (True, False):
        advance_window(np.zeros(1), np.zeros(1), np.zeros((2, 1), dtype=np.float32), 0, 1, floor)
    for dtype in (np.float32, np.float64):
        school_levels(np.zeros(1, dtype), np.zeros(1, dtype=bool), [6, 12, 18, 23])
    code = np.zeros(1, dtype=np.int8)
    one_index = np.zeros(1, dtype=np.int64)
    any_living(one_index, one_index, np.ones(1, dtype=np.int64), np.ones(1, dtype=bool),
               np.ones(1, dtype=bool))
    one, zero = np.ones(1, dtype=bool), np.zeros(1)
    zero32 = np.zeros(1, dtype=np.float32)
    for index in (np.int32, np.int64):
        hh = np.zeros(1, dtype=index)
        for writeable in (True, False):  # the truth's ``hh`` is read-only once it is shared
            hh.flags.writeable = writeable
            member_incomes(hh, one, one, zero32, zero32, np.zeros(1, dtype=np.int16), zero32, 1)
            member_flows(hh, one, one, code, 2, code, zero, 1)
            member_range_counts(np.ones(1), hh, one, (one,) * 5, np.array([0, 1]))
            living_counts(one, np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64), hh=hh)
    bounds = np.array([0, 1])
    for k in range(1, 4):
        range_counts(np.ones(1), (one,) * k, bounds)
        range_totals(np.ones(1), (zero,) * k, bounds)
    range_code_sums(np.ones(1), code, 1, bounds)
    range_code_sums(np.ones(1), np.zeros(1, dtype=np.int16), 1, bounds)
    living_counts(np.ones(1, dtype=bool), np.zeros(1, dtype=np.int64),
                  np.ones(1, dtype=np.int64))


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
            own, paid = np.float64(wage[i]), np.float64(pension[i])
            claimed = paid + np.float64(benefit[i])
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
    def advance_window(total, now, leaving, row, floor,
                       out):  # type: ignore[no-untyped-def]  # pragma: no cover
        for i in range(out.shape[0]):
            now32 = np.float32(now[i])
            running = total[i] + np.float64(now32)
            running -= np.float64(leaving[i])  # read before the row is written (old = slot)
            row[i] = now32
            kept = (running > 0.0) | (running != running) | (not floor)  # np.maximum's choice
            out[i] = running if kept else 0.0

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
    def living_counts(alive, starts, counts, households,
                      out):  # type: ignore[no-untyped-def]  # pragma: no cover
        for k in range(households.shape[0]):
            h = households[k]
            first = starts[h]
            total = 0
            for i in range(first, first + counts[h]):
                total += alive[i]
            out[k] = total

    @jit
    def slot_counts(alive, hh, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        for i in range(hh.shape[0]):  # hh is ascending: its ends are its bounds
            out[hh[i]] += alive[i]

    # Each district's sums run in row order, one running sum per array as a loop over the
    # rows would add them; four arrays at a time (four independent chains of additions, each
    # row's weight read once for the four), over slices of the district's rows. (No loop here
    # calls another: numba's disk cache would not recognise a loop that holds one.)
    @jit
    def range_counts(weight, masks, bounds, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        k = len(masks)
        for g in range(bounds.shape[0] - 1):
            lo, hi = bounds[g], bounds[g + 1]
            w = weight[lo:hi]
            for j in range(0, k, 4):
                m0 = masks[j][lo:hi]
                m1 = masks[min(j + 1, k - 1)][lo:hi]
                m2 = masks[min(j + 2, k - 1)][lo:hi]
                m3 = masks[min(j + 3, k - 1)][lo:hi]
                a0 = a1 = a2 = a3 = 0.0
                for i in range(w.shape[0]):
                    wi = w[i]
                    a0 += wi if m0[i] else 0.0
                    a1 += wi if m1[i] else 0.0
                    a2 += wi if m2[i] else 0.0
                    a3 += wi if m3[i] else 0.0
                out[g, j] += a0
                if j + 1 < k:
                    out[g, j + 1] += a1
                if j + 2 < k:
                    out[g, j + 2] += a2
                if j + 3 < k:
                    out[g, j + 3] += a3

    @jit
    def range_totals(weight, values, bounds, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        k = len(values)
        for g in range(bounds.shape[0] - 1):
            lo, hi = bounds[g], bounds[g + 1]
            w = weight[lo:hi]
            for j in range(0, k, 4):
                x0 = values[j][lo:hi]
                x1 = values[min(j + 1, k - 1)][lo:hi]
                x2 = values[min(j + 2, k - 1)][lo:hi]
                x3 = values[min(j + 3, k - 1)][lo:hi]
                a0 = a1 = a2 = a3 = 0.0
                for i in range(w.shape[0]):
                    wi = w[i]
                    a0 += wi * x0[i]
                    a1 += wi * x1[i]
                    a2 += wi * x2[i]
                    a3 += wi * x3[i]
                out[g, j] += a0
                if j + 1 < k:
                    out[g, j + 1] += a1
                if j + 2 < k:
                    out[g, j + 2] += a2
                if j + 3 < k:
                    out[g, j + 3] += a3

    @jit
    def range_code_sums(weight, codes, bounds, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        for g in range(bounds.shape[0] - 1):
            for i in range(bounds[g], bounds[g + 1]):
                out[g, codes[i]] += weight[i]

    @jit
    def member_range_counts(weight, hh, alive, flags, bounds,
                            out):  # type: ignore[no-untyped-def]  # pragma: no cover
        k = len(flags)  # eight flags at a time: each member's weight gathered once for them
        for g in range(bounds.shape[0] - 1):
            lo, hi = bounds[g], bounds[g + 1]
            h, living = hh[lo:hi], alive[lo:hi]
            for j in range(0, k, 8):
                f0 = flags[j][lo:hi]
                f1 = flags[min(j + 1, k - 1)][lo:hi]
                f2 = flags[min(j + 2, k - 1)][lo:hi]
                f3 = flags[min(j + 3, k - 1)][lo:hi]
                f4 = flags[min(j + 4, k - 1)][lo:hi]
                f5 = flags[min(j + 5, k - 1)][lo:hi]
                f6 = flags[min(j + 6, k - 1)][lo:hi]
                f7 = flags[min(j + 7, k - 1)][lo:hi]
                a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
                for i in range(h.shape[0]):
                    wi = weight[h[i]] * living[i]  # products, not branches: alive is a coin toss
                    a0 += wi * f0[i]
                    a1 += wi * f1[i]
                    a2 += wi * f2[i]
                    a3 += wi * f3[i]
                    a4 += wi * f4[i]
                    a5 += wi * f5[i]
                    a6 += wi * f6[i]
                    a7 += wi * f7[i]
                sums = (a0, a1, a2, a3, a4, a5, a6, a7)
                for c in range(min(8, k - j)):
                    out[g, j + c] += sums[c]

    return SimpleNamespace(member_incomes=member_incomes, sum_rows=sum_rows,
                           advance_window=advance_window,
                           school_levels=school_levels, member_flows=member_flows,
                           any_living=any_living, living_counts=living_counts,
                           slot_counts=slot_counts,
                           range_counts=range_counts,
                           range_totals=range_totals, range_code_sums=range_code_sums,
                           member_range_counts=member_range_counts)
