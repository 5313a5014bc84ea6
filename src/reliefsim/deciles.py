"""Weighted income deciles of households, the same to the last bit whichever way they are found.

The definition (:func:`deciles_by_sort`): households in stable order of their value (ties by
index); the weight before each one, ``below``, is the running sum (``np.cumsum``) less its own
weight; its decile is ``floor(10 · below / total)``, at most 9.

When every weight is either 0 (a household nobody is left in) or one common weight ``w`` (a
synthetic town), the running sum at a household depends only on how many weighted households
come up to it: it is the sum of ``k`` copies of ``w`` added one by one, whatever the order of
the rest. So the decile is a step function of that count, and only the nine households where
it steps up need to be found: a partial sort (``np.partition``) finds them, and comparing every
value with theirs gives each household its decile, without sorting a million values every month
(:func:`deciles`).
"""

from __future__ import annotations

import numpy as np

TENTHS = 10
SMALL = 4096  # below this many households, sorting is as quick as anything else
_WINDOW = 64  # ranks either side of the estimate searched for a step of the decile function

_prefix_cache: tuple[float, np.ndarray] = (0.0, np.zeros(0))


def deciles(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted decile (0 = poorest tenth … 9) of each household by ``values``.

    Args:
        values: one value per household (e.g. pre-transfer income per capita).
        weights: one weight per household (0 for a household that no longer counts).

    Returns:
        int8 deciles, equal to :func:`deciles_by_sort`'s bit for bit.
    """
    fast = _deciles_for_equal_weights(values, weights)
    return deciles_by_sort(values, weights) if fast is None else fast


def deciles_by_sort(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The definition: cumulative weights in stable sorted order (see the module docstring)."""
    order = stable_argsort(values)
    ordered = weights[order]
    below = np.cumsum(ordered)
    total = max(below[-1], 1e-12) if len(below) else 1e-12
    below -= ordered  # weight of the households before each one
    decile = np.empty(len(values), dtype=np.int8)
    decile[order] = tenths(below, total)
    return decile


def tenths(below: np.ndarray, total: float) -> np.ndarray:
    """``min(floor(10 · below / total), 9)`` as floats, rounded exactly as ``//`` would.

    ``below`` is overwritten. A division and a floor give the same as ``//`` except where the
    quotient rounds to a whole number, so those few take ``//``.
    """
    below *= TENTHS
    share = below / total
    tenth = np.floor(share)
    edge = np.flatnonzero(tenth == share)
    tenth[edge] = below[edge] // total
    return np.minimum(tenth, TENTHS - 1)


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` for float64, by a radix sort on 16-bit digits.

    Floats are mapped to unsigned integers in the same order (negative numbers bit-flipped;
    −0.0 and 0.0 to one key, as they compare equal), then sorted digit by digit with NumPy's
    stable (radix) sort of 16-bit keys, least significant first (``np.lexsort``). Arrays with
    NaN fall back to NumPy's own stable sort.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    if len(values) < SMALL or np.isnan(values).any():
        return np.argsort(values, kind="stable")
    keys = (values + 0.0).view(np.uint64)  # + 0.0 turns −0.0 into 0.0
    if (values < 0).any():
        sign = np.uint64(1 << 63)
        keys = np.where(keys & sign, ~keys, keys | sign)
    digits = keys.view(np.uint16).reshape(-1, 4)  # little-endian: column 0 is the lowest
    if digits.strides[1] != 2 or not np.little_endian:
        return np.argsort(values, kind="stable")
    return np.lexsort((digits[:, 0], digits[:, 1], digits[:, 2], digits[:, 3]))


def _deciles_for_equal_weights(values: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """The deciles by partial sorting when all weights are 0 or one value; None otherwise.

    With ``k`` weighted households up to and including a weighted household, its ``below`` is
    ``S[k] − w``; a household of weight 0 after ``k`` weighted ones has ``below = S[k]``
    (adding 0.0 changes no sum), where ``S[k]`` is ``k`` copies of ``w`` summed in order. Both
    decile functions of ``k`` only step up, so a household's decile is the number of steps it
    has reached: steps are the keys (value, index) of the weighted households at the step
    ranks, found by ``np.partition``.
    """
    n = len(values)
    if n < SMALL or values.dtype != np.float64:
        return None
    w = float(weights.max())
    weighted = weights != 0
    k_total = int(np.count_nonzero(weighted))
    if not w > 0 or np.count_nonzero(weights == w) != k_total or np.isnan(values).any():
        return None
    sums = _prefix_sums(w, k_total)  # sums[k] = k copies of w, added one by one
    total = max(float(sums[k_total]), 1e-12)
    steps_weighted = _steps(sums, w, total, k_total, first=1)
    steps_unweighted = _steps(sums, 0.0, total, k_total, first=0)
    if steps_weighted is None or steps_unweighted is None:
        return None
    members = None if k_total == n else np.flatnonzero(weighted)
    ranked = values if members is None else values[members]
    ranks = sorted({r - 1 for r in steps_weighted + steps_unweighted if 1 <= r <= k_total})
    part = np.partition(ranked, ranks) if ranks else ranked
    keys = {r + 1: _key_at(values, ranked, members, part, r) for r in ranks}
    decile = _count_steps(values, None, [keys.get(r) for r in steps_weighted], steps_weighted,
                          k_total)
    if steps_unweighted != steps_weighted and members is not None:
        others = np.flatnonzero(~weighted)
        decile[others] = _count_steps(values[others], others,
                                      [keys.get(r) for r in steps_unweighted],
                                      steps_unweighted, k_total)
    return decile


def _prefix_sums(w: float, k: int) -> np.ndarray:
    """``[0, w, w + w, …]`` (k + 1 sums, each added in order), kept for the next month."""
    global _prefix_cache
    cached_w, sums = _prefix_cache
    if cached_w != w or len(sums) < k + 1:
        sums = np.concatenate(([0.0], np.cumsum(np.full(k, w))))
        _prefix_cache = (w, sums)
    return sums[:k + 1]


def _steps(sums: np.ndarray, own: float, total: float, k_total: int,
           first: int) -> list[int] | None:
    """For d = 1 … 9, the first count ``k`` whose decile is ≥ d (``k_total + 1`` if none).

    A household after ``k`` weighted ones (itself included) has ``below = sums[k] − own``
    (``own`` is its weight); counts run from ``first`` to ``k_total``. Each step is looked for
    near where an exact tenth would put it; None if it is not there (the caller then sorts).
    """
    out = []
    for d in range(1, TENTHS):
        centre = round(d * k_total / TENTHS)
        lo, hi = max(centre - _WINDOW, first), min(centre + _WINDOW, k_total)
        if lo > hi:
            return None
        got = tenths(sums[lo:hi + 1] - own, total)
        reached = np.flatnonzero(got >= d)
        if len(reached) == 0:
            if hi < k_total:
                return None
            out.append(k_total + 1)
        elif reached[0] == 0 and lo > first:
            return None
        else:
            out.append(lo + int(reached[0]))
    return out


def _key_at(values: np.ndarray, ranked: np.ndarray, members: np.ndarray | None,
            part: np.ndarray, rank: int) -> tuple[float, int | None]:
    """(value, index) of the weighted household at 0-based ``rank`` in stable order.

    The index is None when no other household has that value (then none needs it).
    """
    value = part[rank]
    if np.count_nonzero(values == value) == 1:
        return float(value), None
    before = int(np.count_nonzero(ranked < value))
    tied = np.flatnonzero(ranked == value)[rank - before]
    return float(value), int(tied if members is None else members[tied])


def _count_steps(values: np.ndarray, index: np.ndarray | None, keys: list, steps: list[int],
                 k_total: int) -> np.ndarray:
    """Per household, how many steps its own key (value, index) has reached.

    Args:
        values: the households' values.
        index: their household indices, ascending (None: all households, in order).
        keys: each step's key (value, index or None when the value is not tied).
        steps: each step's count (< 1: everybody reaches it; > ``k_total``: nobody does).
        k_total: number of weighted households.
    """
    count = np.zeros(len(values), dtype=np.int8)
    for key, step in zip(keys, steps, strict=True):
        if step > k_total:
            continue
        if step < 1:
            count += 1
            continue
        value, at = key
        count += values >= value
        if at is not None:  # the households tied with the step's value but before it
            cut = at if index is None else int(np.searchsorted(index, at))
            count[np.flatnonzero(values[:cut] == value)] -= 1
    return count
