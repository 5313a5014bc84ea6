"""The administration's case records: who is enrolled in which tier, reviews, exits, one-off aid."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _full(n: int, value: float, dtype: type = np.int32) -> np.ndarray:
    return np.full(n, value, dtype=dtype)


@dataclass
class Caseload:
    """Per-household enrolment state (arrays of length H).

    Attributes:
        tier: enrolled tier code (0 = not enrolled).
        individual: members enrolled in dibao on their own (单人保) in a household of tier 0.
        since: month of enrolment (−1 when not enrolled).
        next_review: month the next periodic review is due.
        exit_until: the gradual-exit period runs while month < exit_until.
        exit_from: tier the household is exiting from.
        exit_amount: monthly basic living kept during the gradual exit.
        last_basic: last basic living payment.
        medical_paid_year: medical assistance paid in the current calendar year.
        temporary_paid: month of the last temporary payment.
        disaster_paid: month of the last disaster grant.
        rejected: month of the last visit that found the household not eligible and gave nothing.
    """

    n: int
    tier: np.ndarray = field(init=False)
    individual: np.ndarray = field(init=False)
    since: np.ndarray = field(init=False)
    next_review: np.ndarray = field(init=False)
    exit_until: np.ndarray = field(init=False)
    exit_from: np.ndarray = field(init=False)
    exit_amount: np.ndarray = field(init=False)
    last_basic: np.ndarray = field(init=False)
    medical_paid_year: np.ndarray = field(init=False)
    temporary_paid: np.ndarray = field(init=False)
    disaster_paid: np.ndarray = field(init=False)
    rejected: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.n
        self.tier = np.zeros(n, dtype=np.int8)
        self.individual = np.zeros(n, dtype=np.int8)
        self.since = _full(n, -1)
        self.next_review = _full(n, 1 << 30)
        self.exit_until = _full(n, -1)
        self.exit_from = np.zeros(n, dtype=np.int8)
        self.exit_amount = np.zeros(n)
        self.last_basic = np.zeros(n)
        self.medical_paid_year = np.zeros(n)
        self.temporary_paid = _full(n, -10_000)
        self.disaster_paid = _full(n, -10_000)
        self.rejected = _full(n, -10_000)

    def in_exit(self, t: int, households: np.ndarray | None = None) -> np.ndarray:
        """Households in their gradual-exit period in month ``t`` (all, or the given ones)."""
        if households is not None:
            return self.exit_until[households] > t
        return self.exit_until > t

    def enrolled(self, t: int) -> np.ndarray:
        """Households receiving help in month ``t`` (a tier, individual members, gradual exit)."""
        return (self.tier > 0) | (self.individual > 0) | self.in_exit(t)

    def reset(self, households: np.ndarray) -> None:
        """Forget the records of the given households (they left; new ones take the slots)."""
        fresh = Caseload(len(households))
        for name in ("tier", "individual", "since", "next_review", "exit_until", "exit_from",
                     "exit_amount", "last_basic", "medical_paid_year", "temporary_paid",
                     "disaster_paid", "rejected"):
            getattr(self, name)[households] = getattr(fresh, name)
