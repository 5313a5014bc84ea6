"""Street offices as Mesa agents: case queues, visit capacity and the choice of whom to visit.

Cases live in per-household arrays (one open case at most per household). Each month every street
office takes cases from its own queue, most urgent source first (``casework.queue_order``), then
oldest, until its capacity of real visits is used. A simulated household represents ``weight``
real ones, so a visit to it uses ``weight`` visits of capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        idx = np.flatnonzero(mask)
        current = self.source[idx]
        self.opened[idx[current == NO_CASE]] = t
        self.source[idx] = np.minimum(current, self.rank[source])
        if warnings:
            self.warnings[idx] += warnings
        if source == "application":
            self.applied[idx] = True

    def close(self, households: np.ndarray) -> None:
        """Close the cases of the given household indices."""
        self.source[households] = NO_CASE
        self.warnings[households] = 0
        self.applied[households] = False


@dataclass
class VisitPlan:
    """This month's queues of all streets and how many cases each office takes from its own.

    Attributes:
        order: open cases by (street, source rank, month opened, household).
        bounds: street s's queue is ``order[bounds[s]:bounds[s + 1]]``.
        taken: per street, the length of the queue prefix its office visits.
        capacity: real home visits per office this month.
    """

    order: np.ndarray
    bounds: np.ndarray
    taken: np.ndarray
    capacity: float


class StreetOffice(mesa.Agent):
    """A street office (街道) with its caseworkers' monthly visit capacity.

    Each month the model plans every office's visits at once (:func:`plan_visits`, the same
    choice an office would make alone); an office's step takes its share of that plan.

    Attributes:
        street: street index.
        capacity: real home visits per month.
        queue: this month's queue (household indices, most urgent first).
        chosen: households visited this month.
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
        self.chosen = np.zeros(0, dtype=np.int64)

    def step(self) -> None:
        """Visit a queue prefix whose weights fill the capacity (as planned for this month)."""
        plan: VisitPlan = self.model.visit_plan  # type: ignore[attr-defined]
        s = self.street
        n = int(plan.taken[s])
        self.capacity = plan.capacity
        self.queue = plan.order[plan.bounds[s]:plan.bounds[s + 1]]
        self.chosen = self.queue[:n]
        self.visits_done = n
        self.backlog = len(self.queue) - n


def plan_visits(order: np.ndarray, bounds: np.ndarray, weights: np.ndarray, capacity: float,
                u: np.ndarray) -> np.ndarray:
    """How many queued cases each street office visits this month.

    An office with queue weights ``w`` (in queue order) and capacity draw ``u`` visits the
    first ``searchsorted(cumsum(w) − u·w > capacity, True)`` cases: a simulated household
    represents ``weight`` real ones and uses that much capacity. All streets are computed at
    once, one row per street (cumulative sums run along each row in queue order, as for one
    office alone); a row whose test is not ordered False…True is done office by office.

    Args:
        order: open cases by street (see :func:`order_queues`).
        bounds: street s's queue is ``order[bounds[s]:bounds[s + 1]]``.
        weights: the weight of each case in ``order``.
        capacity: real visits per office.
        u: per street, the month's capacity draw.

    Returns:
        Per street, the number of cases visited.
    """
    lengths = np.diff(bounds)
    streets = len(lengths)
    if len(order) == 0:
        return np.zeros(streets, dtype=np.int64)
    width = int(lengths.max()) + 1  # one spare column: a full queue still finds a "True"
    rows = np.repeat(np.arange(streets), lengths)
    cols = np.arange(len(order)) - bounds[rows]
    w = np.zeros((streets, width))
    w[rows, cols] = weights
    over = np.ones((streets, width), dtype=bool)
    over[rows, cols] = (np.cumsum(w, axis=1) - u[:, None] * w)[rows, cols] > capacity
    taken = np.argmax(over, axis=1).astype(np.int64)
    for s in np.flatnonzero((over[:, 1:] < over[:, :-1]).any(axis=1)):
        q = weights[bounds[s]:bounds[s + 1]]
        taken[s] = np.searchsorted(np.cumsum(q) - u[s] * q > capacity, True)
    return taken


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
