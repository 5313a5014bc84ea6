"""Means with 95 % intervals: one sample, paired differences, and independent samples (Welch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


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
