"""Street offices as Mesa agents: case queues, visit capacity and the choice of whom to visit.

Cases live in per-household arrays (one open case at most per household). Each month every street
office takes cases from its own queue, most urgent source first (``casework.queue_order``), then
oldest, until its capacity of real visits is used. A simulated household represents ``weight``
real ones, so a visit to it uses ``weight`` visits of capacity.
"""

from __future__ import annotations

import mesa
import numpy as np

from reliefsim.schema import CASE_SOURCES

NO_CASE = 127


class CaseBook:
    """The open cases of every household.

    Attributes:
        source: rank of the case's most urgent source (``NO_CASE`` when no case is open).
        opened: month the case was opened.
        warnings: warnings merged into the open case (for warning precision).
        applied: the case includes an application (declared facts to verify).
    """

    def __init__(self, n: int, queue_order: list[str]) -> None:
        self.rank = {name: queue_order.index(name) if name in queue_order else len(queue_order)
                     for name in CASE_SOURCES}
        self.source = np.full(n, NO_CASE, dtype=np.int8)
        self.opened = np.zeros(n, dtype=np.int32)
        self.warnings = np.zeros(n, dtype=np.int32)
        self.applied = np.zeros(n, dtype=bool)

    @property
    def open(self) -> np.ndarray:
        """Households with an open case."""
        return self.source != NO_CASE

    def add(self, mask: np.ndarray, source: str, t: int, warnings: int = 0) -> None:
        """Open (or merge into) a case for the households in ``mask``."""
        new = mask & ~self.open
        self.opened[new] = t
        self.source[mask] = np.minimum(self.source[mask], self.rank[source])
        if warnings:
            self.warnings[mask] += warnings
        if source == "application":
            self.applied[mask] = True

    def close(self, households: np.ndarray) -> None:
        """Close the cases of the given household indices."""
        self.source[households] = NO_CASE
        self.warnings[households] = 0
        self.applied[households] = False


class StreetOffice(mesa.Agent):
    """A street office (街道) with its caseworkers' monthly visit capacity.

    Attributes:
        street: street index.
        capacity: real home visits per month.
        visits_done: simulated households visited in the last month.
        backlog: simulated households left waiting after the last month.
    """

    def __init__(self, model: mesa.Model, street: int, capacity: float) -> None:
        super().__init__(model)
        self.street = street
        self.capacity = capacity
        self.visits_done = 0
        self.backlog = 0
        self.queue = np.zeros(0, dtype=np.int64)
        self.weights = np.zeros(0)
        self.chosen = np.zeros(0, dtype=np.int64)

    def take(self, queue: np.ndarray, weights: np.ndarray, u: float) -> None:
        """Receive this month's queue (already in order) and the capacity draw."""
        self.queue, self.weights = queue, weights
        self._u = u

    def step(self) -> None:
        """Choose whom to visit: a queue prefix whose weights fill the capacity."""
        cum = np.cumsum(self.weights)
        n = int(np.searchsorted(cum - self._u * self.weights > self.capacity, True))
        self.chosen = self.queue[:n]
        self.visits_done = n
        self.backlog = len(self.queue) - n


def order_queues(book: CaseBook, street: np.ndarray, n_streets: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """All open cases sorted by (street, source rank, month opened, household); street bounds.

    Returns:
        ``(order, bounds)``: household indices, and ``bounds[s]:bounds[s+1]`` for street s.
    """
    idx = np.flatnonzero(book.open)
    order = idx[np.lexsort((idx, book.opened[idx], book.source[idx], street[idx]))]
    bounds = np.searchsorted(street[order], np.arange(n_streets + 1))
    return order, bounds
