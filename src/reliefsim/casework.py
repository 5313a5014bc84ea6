"""Street offices as Mesa agents: case queues, visit capacity and the choice of whom to visit.

Cases live in per-household arrays (one open case at most per household). Each month every street
office takes cases from its own queue, most urgent source first (``casework.queue_order``), then
oldest, until its capacity of real visits is used. A simulated household represents ``weight``
real ones, so a visit to it uses ``weight`` visits of capacity.

In a small sample an office would visit only a handful of simulated households a month, so its
queue would move in steps too big for the real office's; neighbouring street offices of a
district are then pooled into one simulated office with their summed capacity
(:func:`streets_per_office`, :func:`pool_streets`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from reliefsim import behaviour
from reliefsim.caseload import Caseload
from reliefsim.codes import CASE_SOURCES, TIER_NAMES
from reliefsim.decisions import Outcome, visit
from reliefsim.facts import Facts
from reliefsim.kernels import flatnonzero
from reliefsim.population import pay
from reliefsim.rng import Streams
from reliefsim.rules import NONE, Assessment, lower_tier
from reliefsim.scenario import Values

DAYS_PER_MONTH = 30.44

NO_CASE = 127


class CaseBook:
    """The open cases of every household.

    Attributes:
        source: rank of the case's most urgent source (``NO_CASE`` when no case is open).
        opened: month the case was opened.
        warnings: warnings merged into the open case (for warning precision).
        applied: the case includes an application.
        declared: the case holds facts the household declared (an application, or a review's
            declaration) for a visit to verify.
    """

    def __init__(self, n: int, queue_order: list[str]) -> None:
        self.rank = {name: queue_order.index(name) if name in queue_order else len(queue_order)
                     for name in CASE_SOURCES}
        self.source = np.full(n, NO_CASE, dtype=np.int8)
        self.opened = np.zeros(n, dtype=np.int32)
        self.warnings = np.zeros(n, dtype=np.int32)
        self.applied = np.zeros(n, dtype=bool)
        self.declared = np.zeros(n, dtype=bool)

    @property
    def open(self) -> np.ndarray:
        """Households with an open case."""
        return self.source != NO_CASE

    def add(self, mask: np.ndarray, source: str, t: int, warnings: int = 0,
            declared: np.ndarray | None = None) -> None:
        """Open (or merge into) a case for the households in ``mask``.

        ``declared``: of them, those whose case now holds a declaration (applications always).
        """
        idx = flatnonzero(mask)
        current = self.source[idx]
        self.opened[idx[current == NO_CASE]] = t
        self.source[idx] = np.minimum(current, self.rank[source])
        if warnings:
            self.warnings[idx] += warnings
        if source == "application":
            self.applied[idx] = True
            self.declared[idx] = True
        if declared is not None:
            self.declared[idx[declared[idx]]] = True

    def close(self, households: np.ndarray) -> None:
        """Close the cases of the given household indices."""
        self.source[households] = NO_CASE
        self.warnings[households] = 0
        self.applied[households] = False
        self.declared[households] = False


@dataclass
class VisitPlan:
    """This month's queues of all offices and how many cases each office takes from its own.

    Attributes:
        order: open cases by (office, source rank, month opened, household).
        bounds: office o's queue is ``order[bounds[o]:bounds[o + 1]]``.
        taken: per office, the length of the queue prefix it visits.
        capacity: per office, real home visits this month.
    """

    order: np.ndarray
    bounds: np.ndarray
    taken: np.ndarray
    capacity: np.ndarray


def pool_offices(street: np.ndarray, district: np.ndarray, weight: np.ndarray, n_streets: int,
                 visits_per_month: float, min_visits: float) -> np.ndarray:
    """Per street, the simulated office that serves it (see the module docstring).

    Args:
        street: per household, its street.
        district: per household, its district.
        weight: per household, the real households it represents.
        n_streets: street offices in the town.
        visits_per_month: real home visits per street office per month.
        min_visits: ``casework.min_simulated_visits``.

    Returns:
        Per street, its office index (0, 1, … in street order; see :func:`pool_streets`).
    """
    per_office = streets_per_office(visits_per_month, float(weight.mean()), min_visits,
                                    n_streets)
    return pool_streets(street_districts(street, district, n_streets), per_office)


def streets_per_office(visits_per_month: float, mean_weight: float, min_visits: float,
                       n_streets: int) -> int:
    """How many neighbouring street offices one simulated office stands for.

    A street office's month of visits, ``visits_per_month`` real ones, would reach
    ``visits_per_month / mean_weight`` simulated households of average weight. Offices are
    pooled until that is at least ``min_visits`` (``casework.min_simulated_visits``); 1 (no
    pooling) when it already is, when ``min_visits`` is 0, or when there is no capacity at all.
    The households that queue are mostly the oversampled low-income ones, lighter than the
    average, so an office can in fact visit more of them than this floor (about twice as many
    at the baseline's 20,000 households, whose visited households weigh about half the mean).
    Pools stop at district boundaries (:func:`pool_streets`).

    Args:
        visits_per_month: real home visits per street office per month.
        mean_weight: real households per simulated household, on average.
        min_visits: simulated households of average weight an office should reach a month.
        n_streets: street offices in the town (the most that can be pooled).

    Returns:
        Streets per pool, at least (1 to ``n_streets``).
    """
    reach = visits_per_month / mean_weight if mean_weight > 0 else 0.0
    if min_visits <= 0 or reach <= 0:
        return 1
    # the mean weight carries rounding (8 million / 100,000 may come out as 80.000000001):
    # a ratio within 1e-9 of a whole number counts as that number
    return min(n_streets, math.ceil(min_visits / reach * (1 - 1e-9)))


def street_districts(street: np.ndarray, district: np.ndarray, n_streets: int) -> np.ndarray:
    """Per street, its district, from the households' streets and districts.

    A street that no simulated household lives on is a district of its own (never pooled: it
    keeps its own capacity and serves nobody, as without pooling).

    Args:
        street: per household, its street (below ``n_streets``).
        district: per household, its district.
        n_streets: street offices in the town.

    Returns:
        Per street, a district number.
    """
    out = np.full(n_streets, -1, dtype=np.int64)
    out[street] = district
    empty = flatnonzero(out < 0)
    out[empty] = out.max(initial=-1) + 1 + np.arange(len(empty))
    return out


def pool_streets(street_district: np.ndarray, per_office: int) -> np.ndarray:
    """The simulated office of each street: neighbouring streets of one district pooled.

    A district of ``n`` streets (in index order) is split into ``max(1, n // per_office)``
    pools of neighbouring streets as equal as possible, so every pool has at least
    ``per_office`` streets unless the whole district has fewer. A pool never crosses a district
    boundary: a district's burst of cases after a disaster stays with that district's capacity.
    A district's streets are expected to be neighbours (consecutive indices, as the synthetic
    town numbers them); a district whose streets come in several runs is pooled run by run.

    Args:
        street_district: per street, its district (streets of a district are neighbours).
        per_office: streets per pool, at least (:func:`streets_per_office`).

    Returns:
        Per street, its office index (0, 1, … in street order).
    """
    n = len(street_district)
    if per_office <= 1 or n == 0:
        return np.arange(n)
    index = np.arange(n)
    new_district = np.concatenate(([True], street_district[1:] != street_district[:-1]))
    first = np.maximum.accumulate(np.where(new_district, index, 0))
    size = np.diff(np.append(flatnonzero(new_district), n))[np.cumsum(new_district) - 1]
    pools = np.maximum(size // per_office, 1)
    pool = (index - first) * pools // size
    new_office = new_district | np.concatenate(([False], pool[1:] != pool[:-1]))
    return np.cumsum(new_office) - 1


class StreetOffice(mesa.Agent):
    """A street office (街道), or neighbouring ones pooled, with its monthly visit capacity.

    Each month the model plans every office's visits at once (:func:`plan_visits`, the same
    choice an office would make alone); an office's step takes its share of that plan.

    Attributes:
        office: office index (the order of the plan's rows).
        streets: the streets it serves (one, unless pooled).
        capacity: real home visits this month (its streets' together).
        queue: this month's queue (household indices, most urgent first).
        chosen: households visited this month.
        visits_done: simulated households visited in the last month.
        backlog: simulated households left waiting after the last month.
    """

    def __init__(self, model: mesa.Model, office: int, streets: np.ndarray,
                 capacity: float) -> None:
        super().__init__(model)
        self.office = office
        self.streets = streets
        self.capacity = capacity
        self.visits_done = 0
        self.backlog = 0
        self.queue = np.zeros(0, dtype=np.int64)
        self.chosen = np.zeros(0, dtype=np.int64)

    def step(self) -> None:
        """Visit a queue prefix whose weights fill the capacity (as planned for this month)."""
        plan: VisitPlan = self.model.visit_plan  # type: ignore[attr-defined]
        o = self.office
        n = int(plan.taken[o])
        self.capacity = float(plan.capacity[o])
        self.queue = plan.order[plan.bounds[o]:plan.bounds[o + 1]]
        self.chosen = self.queue[:n]
        self.visits_done = n
        self.backlog = len(self.queue) - n


def plan_visits(order: np.ndarray, bounds: np.ndarray, weights: np.ndarray,
                capacity: float | np.ndarray, u: np.ndarray) -> np.ndarray:
    """How many queued cases each office visits this month.

    An office with queue weights ``w`` (in queue order), capacity ``c`` and capacity draw ``u``
    visits the first ``searchsorted(cumsum(w) − u·w > c, True)`` cases: a simulated household
    represents ``weight`` real ones and uses that much capacity. All offices are computed at
    once, one row per office (cumulative sums run along each row in queue order, as for one
    office alone); a row whose test is not ordered False…True is done office by office.

    Args:
        order: open cases by office (see :func:`order_queues`).
        bounds: office o's queue is ``order[bounds[o]:bounds[o + 1]]``.
        weights: the weight of each case in ``order``.
        capacity: real visits, per office or one number for all.
        u: per office, the month's capacity draw.

    Returns:
        Per office, the number of cases visited.
    """
    lengths = np.diff(bounds)
    offices = len(lengths)
    capacity = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (offices,))
    if len(order) == 0:
        return np.zeros(offices, dtype=np.int64)
    width = int(lengths.max()) + 1  # one spare column: a full queue still finds a "True"
    rows = np.repeat(np.arange(offices), lengths)
    cols = np.arange(len(order)) - bounds[rows]
    w = np.zeros((offices, width))
    w[rows, cols] = weights
    over = np.ones((offices, width), dtype=bool)
    over[rows, cols] = (np.cumsum(w, axis=1) - u[:, None] * w)[rows, cols] > capacity[rows]
    taken = np.argmax(over, axis=1).astype(np.int64)
    for o in flatnonzero((over[:, 1:] < over[:, :-1]).any(axis=1)):
        q = weights[bounds[o]:bounds[o + 1]]
        taken[o] = np.searchsorted(np.cumsum(q) - u[o] * q > capacity[o], True)
    return taken


def order_queues(book: CaseBook, office: np.ndarray, n_offices: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """All open cases sorted by (office, source rank, month opened, household); office bounds.

    Args:
        book: the open cases.
        office: per household, the office that serves it.
        n_offices: number of offices.

    Returns:
        ``(order, bounds)``: household indices, and ``bounds[o]:bounds[o+1]`` for office o.
    """
    idx = flatnonzero(book.open)
    order = idx[np.lexsort((idx, book.opened[idx], book.source[idx], office[idx]))]
    bounds = np.searchsorted(office[order], np.arange(n_offices + 1))
    return order, bounds


@dataclass
class CaseworkMonth:
    """What the month's casework did (see :func:`month`).

    Attributes:
        outcome: the visits' decisions.
        applying: households that applied this month.
        pending: households whose open case holds an application (after the visits).
        shock_before: households with a recent true hardship, before the visits paid any.
        visited_warnings: per visited household, the warnings its case held.
        helped_index: households helped this month that had warnings within the follow-up.
        helped_warnings: for them, how many warnings led to the help.
        days: hardship-to-payment events ``(days, weight, district)`` of the month.
    """

    outcome: Outcome
    applying: np.ndarray
    pending: np.ndarray
    shock_before: np.ndarray
    visited_warnings: np.ndarray
    helped_index: np.ndarray
    helped_warnings: np.ndarray
    days: tuple[np.ndarray, np.ndarray, np.ndarray]


def enrol_initial(case: Caseload, a: Assessment, v: Values, streams: Streams) -> None:
    """Enrol the truly eligible at the start as their take-up has made them.

    ``population.initial_takeup`` of the truly eligible households of the paid tiers (destitute,
    dibao) and of individual enrolment, ``population.initial_takeup_lower`` of the lower tiers
    (marginal, rigid-expenditure hardship), chosen at random: the shares the baseline's own
    applications, reviews and exits settle at, so the caseload starts where it stays.
    """
    n = len(a.tier)
    u = streams.uniform("initial-takeup", -1, n)
    lower = lower_tier(a.tier)
    share = np.where(lower, v.population.initial_takeup_lower, v.population.initial_takeup)
    start = a.eligible & (u < share)
    case.tier[start] = a.tier[start]
    case.individual[start] = a.individual[start]
    case.since[start] = 0
    review = np.array([v.casework.review_months.dibao]
                      + [v.casework.review_months[t] for t in TIER_NAMES[1:]])
    u_review = streams.uniform("initial-review", -1, n)
    # records of every age: each household is somewhere in its review cycle
    case.next_review[start] = (u_review[start] * review[a.tier[start]]).astype(np.int32)


RIGID_SOURCES = {"medical_oop": "medical_insurance", "care": "disability_federation",
                 "rehab": "disability_federation", "education": "education", "rent": "housing"}
"""The monthly rigid-expenditure fields and the department that reveals each."""


def first_records(admin: Facts, case: Caseload, linked: dict[str, np.ndarray],
                  v: Values) -> None:
    """The administration's records at the start: what it holds on households it does not serve.

    It has case files (and so every fact) for enrolled households; of the others it knows only
    what linked departments report. Their rigid expenditure has no history yet (the rings fill
    month by month from linked data) and the monthly items no department reports are unknown
    (none): a household with such costs shows them by applying. Where human resources data are
    not linked, its record of a household it does not serve dates from some earlier contact, and
    shows the household as it usually is: the members able to work at work at their usual pay
    (a household's spell of joblessness shows only once it applies, is visited or is linked).
    """
    outside = flatnonzero(~case.enrolled(0))
    unseen = outside[~linked["human_resources"][outside]]
    members = admin.members_of(unseen)
    able = (admin.alive[members] & ~admin.serious_illness[members]
            & (admin.disability[members] < 2) & (admin.student[members] == 0)
            & (admin.age[members] >= v.population.work_start_age)
            & (admin.age[members] < v.population.retirement_age))
    at_work = members[able]
    admin.works[at_work] = True
    admin.wage[at_work] = pay(admin.wage_base[at_work], admin.age[at_work], v)
    admin.seeking[at_work] = False
    admin.refresh_incomes(unseen)
    admin.fill_history(unseen, tuple(v.policy.rigid_items), v.policy.rigid_window_months)
    admin.rigid_ring[:, outside] = 0.0
    admin.rigid_window[outside] = 0.0
    for name, department in RIGID_SOURCES.items():
        unknown = outside[~linked[department][outside]]
        column = getattr(admin, name)
        column[unknown] = 0.0


def month(model: Any, v: Values, t: int, a_true: Assessment, a_admin: Assessment,
          streams: Streams) -> CaseworkMonth:
    """Reviews, applications, the offices' visits and their decisions (RULES.md §5).

    Reviews fall due by the review cycle, or early when linked data put an enrolled household
    below its tier; households in hardship apply (人找政策) and declare their facts; every street
    office visits the head of its queue up to its capacity; each visit decides.

    Args:
        model: the :class:`~reliefsim.model.ReliefModel` (its case records, offices, facts).
        v: scenario values in force.
        t: month index.
        a_true: the true facts' assessment.
        a_admin: the admin view's assessment after this month's linked data.
        streams: common-random-number streams.
    """
    pop, case, book, admin = model.pop, model.case, model.book, model.admin
    enrolled = case.enrolled(t)
    due = (case.tier > NONE) & (case.next_review <= t)
    fell = (a_admin.tier < case.tier) | ((case.individual > 0) & (a_admin.individual == 0))
    early = enrolled & model.monitor.any_linked & fell
    book.add(due | early, "review", t, declared=due)  # a household due for review declares
    free = (~enrolled & ~book.open & (a_true.size > 0) & (model.pop.hid >= 0)
            & (t - case.rejected >= v.behaviour.reapply_months))
    shock_before = model.hardship.recent(t, v.casework.temporary_lookback_months)
    applying = behaviour.applications(pop, a_true, shock_before, free, v, streams, t)
    declared = behaviour.declare(pop, admin, applying | due, model.monitor.linked, v)
    book.add(applying, "application", t)

    offices = model.offices
    order, bounds = order_queues(book, model.office_of, len(offices))
    capacity = model.office_streets * v.casework.visits_per_month
    taken = plan_visits(order, bounds, pop.weight[order], capacity,
                        streams.uniform("capacity", t, len(offices)))
    model.visit_plan = VisitPlan(order, bounds, taken, capacity)
    model.agents.do("step")
    visited = np.concatenate([office.chosen for office in offices])  # office after office
    out = visit(pop, admin, case, model.hardship, book.declared, visited, v,
                streams.uniform_at("visit", t, pop.hid[visited]), t,
                model.monitor.linked["emergency_management"], before=a_admin, changed=declared)

    w = pop.weight
    visited_warnings = book.warnings[visited].astype(np.float64)
    helped = visited[out.helped]
    counts = model.followup.helped(helped, t, v.warnings.followup_months)
    helped_index, helped_warnings = helped[counts > 0], counts[counts > 0].astype(np.float64)
    spell_start = model.spells.start[visited]
    onset = np.where(out.newly_enrolled & (spell_start >= 0), spell_start, -1)
    temp_onset = np.where(out.temporary > 0, model.hardship.month[visited], -1)
    first = np.where(onset >= 0, onset, temp_onset)
    ok = first >= 0
    days = ((t - first[ok]) * DAYS_PER_MONTH + v.casework.processing_days, w[visited][ok],
            pop.district[visited][ok])
    book.close(visited)
    return CaseworkMonth(out, applying, book.open & book.applied, shock_before,
                         visited_warnings, helped_index, helped_warnings, days)
