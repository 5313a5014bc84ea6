"""ReliefModel: one step is one month of shocks, monitoring, casework, payments and measurement."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from reliefsim import casework, demography, economy, metrics
from reliefsim.aggregates import sum_rows
from reliefsim.caseload import Caseload
from reliefsim.casework import CaseBook, StreetOffice, VisitPlan, pool_offices
from reliefsim.codes import DEPARTMENTS, TIER_NAMES
from reliefsim.decisions import Followup, Hardship, Spells
from reliefsim.facts import HOUSEHOLD_FIELDS, MEMBER_FIELDS, Facts
from reliefsim.kernels import flatnonzero
from reliefsim.metrics import Ledger, Measurement
from reliefsim.monitoring import Monitor
from reliefsim.payments import monthly_payments, one_off_payments, pending_payment
from reliefsim.population import Population, synthesize
from reliefsim.rng import Streams
from reliefsim.rules import DIBAO, Assessment, assess, employment_participants
from reliefsim.scenario import Scenario, Values, add_months, load_scenario
from reliefsim.shocks import Events, apply_shocks, growth
from reliefsim.story import HouseholdView, StoryLog
from reliefsim.threads import MIN_HOUSEHOLDS, side_by_side, together

STAGES: tuple[str, ...] = ("population", "shocks", "monitoring", "casework", "benefits", "metrics")
"""The stages of a month, as timed in :attr:`ReliefModel.stage_seconds` ("monitoring" includes
the true facts' assessment, which runs beside it)."""


class ReliefModel(mesa.Model):
    """The tiered social-assistance system of a city, month by month.

    Households are a vectorised population (columns of numpy arrays, stored district by
    district); street offices are Mesa agents (neighbouring ones pooled in a small sample:
    ``casework.min_simulated_visits``). Usable from ``mesa.batch_run``: every argument is a
    keyword.

    Args:
        scenario: a :class:`Scenario`, or a scenario name/path.
        households: simulated households (default ``run.households``).
        months: months to simulate (default ``run.months``).
        seed: root seed (default ``run.seed``).
        replication: replication number (a separate set of random streams).
        overrides: ``{dotted key: value}`` reforms from the start.
        population: a ready population (e.g. imported microdata) instead of a synthetic one.
        story: keep the per-household event log (``household(i).story``).

    Attributes:
        stage_seconds: wall-clock seconds spent so far in each stage of the month.
        side_by_side: run the month's independent pieces on two threads
            (:mod:`reliefsim.threads`; the same numbers either way). True from
            ``threads.MIN_HOUSEHOLDS`` household slots.
        ledger: the monthly series per district (:class:`~reliefsim.metrics.Ledger`).
    """

    def __init__(self, scenario: Scenario | str | Path = "baseline", *,
                 households: int | None = None, months: int | None = None,
                 seed: int | None = None, replication: int = 0,
                 overrides: dict[str, Any] | None = None,
                 population: Population | None = None, story: bool = True) -> None:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        run = {k: val for k, val in (("run.households", households), ("run.months", months),
                                      ("run.seed", seed)) if val is not None}
        if overrides or run:
            scenario = scenario.with_overrides({**(overrides or {}), **run},
                                               origin="model arguments")
        v = scenario.values(0)
        self.scenario = scenario
        self.months_total = int(v.run.months)
        scenario.check_months(self.months_total)
        super().__init__(rng=np.random.default_rng([v.run.seed, replication]))
        self.warmup = min(int(v.run.warmup_months), self.months_total - 1)
        self.streams = Streams(v.run.seed, replication)
        self.pop = population or synthesize(v, int(v.run.households), self.streams)
        n = self.pop.n
        self.truth: Facts = self.pop.facts
        self.admin: Facts = self.truth.copy()
        lags = {d: max(scenario.values(t).departments[d].lag_months
                       for t in range(self.months_total)) for d in DEPARTMENTS}
        self.monitor = Monitor(self.pop, v, self.streams, lags)
        self.case = Caseload(n)
        self.book = CaseBook(n, list(v.casework.queue_order))
        self.hardship = Hardship.empty(n)
        self.followup = Followup.empty(n)
        self.ledger = Ledger.empty(self.months_total, self.pop.district_names)
        self.measurement = Measurement(self.pop.weight, self.pop.bounds, self.pop.member_bounds,
                                       self.pop.district)
        self.log = StoryLog() if story else None
        self.dibao_left: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=np.int64),
                                                          np.zeros(0))
        self.month = 0
        self.stage_seconds = dict.fromkeys(STAGES, 0.0)
        self.side_by_side = n >= MIN_HOUSEHOLDS
        self._set_up_offices(v)
        a = assess(self.truth, v)
        casework.enrol_initial(self.case, a, v, self.streams)
        casework.first_records(self.admin, self.case, self.monitor.linked, v)
        self.spells = Spells.begin(a.eligible)
        self.datacollector = mesa.DataCollector(model_reporters=metrics.reporters())

    def _set_up_offices(self, v: Values) -> None:
        """Street offices as Mesa agents (pooled by district in small samples)."""
        n_streets = max(int(self.pop.street.max()) + 1, int(v.population.streets))
        office_of_street = pool_offices(self.pop.street, self.pop.district, self.pop.weight,
                                        n_streets, v.casework.visits_per_month,
                                        v.casework.min_simulated_visits)
        self.office_of = office_of_street.astype(np.int32)[self.pop.street]
        # offices hold consecutive streets: split the streets where the office number changes
        streets = np.split(np.arange(n_streets), flatnonzero(np.diff(office_of_street)) + 1)
        self.office_streets = np.array([len(s) for s in streets], dtype=np.float64)
        capacity = self.office_streets * v.casework.visits_per_month
        self.offices = [StreetOffice(self, o, s, capacity[o]) for o, s in enumerate(streets)]
        self.visit_plan = VisitPlan(np.zeros(0, dtype=np.int64),
                                    np.zeros(len(streets) + 1, dtype=np.int64),
                                    np.zeros(len(streets), dtype=np.int64), capacity)

    def _turnover(self, moves: demography.Moves) -> None:
        """New households in slots left or taken this month: no records, the admin told."""
        # dibao households that died out, merged or moved away leave the dibao too
        vacated = moves.vacated
        left = ((self.case.tier[vacated] == DIBAO)
                & ~self.case.in_exit(max(self.month - 1, 0), vacated))
        self.dibao_left = (vacated[left], moves.left_weight[left])
        slots = np.concatenate([moves.vacated, moves.arrived])
        if not len(slots):
            return
        slots = np.unique(slots)
        self.case.reset(slots)
        self.book.close(slots)
        self.hardship.reset(slots)
        self.followup.reset(slots)
        self.spells.reset(slots)
        self.monitor.reset(slots)
        self.measurement.reset(slots)
        self.admin.reveal(self.truth, slots)  # a new household registers its residence

    def _truth_month(self, t: int, v: Values, events: Events
                     ) -> tuple[Assessment, tuple[np.ndarray, np.ndarray]]:
        """The true facts' month recorded and assessed; hardship and spells noted."""
        self.truth.push_month(t, tuple(v.policy.rigid_items), v.policy.rigid_window_months)
        a_true = assess(self.truth, v)
        self.hardship.record(t, v, self.truth, events, a_true.size)
        spells = self.spells.track(a_true.eligible, t, self.warmup,
                                   final=t + 1 >= self.months_total)
        return a_true, spells

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        with side_by_side(self.side_by_side):
            yield
        self.stage_seconds[name] += time.perf_counter() - start

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """Simulate one month.

        The city's life, shocks, the rules, monitoring, casework, payments, measurement.
        """
        t, stage = self.month, self._stage
        v, v_before = self.scenario.values(t), self.scenario.values(t - 1)
        calendar_month = int(add_months(self.scenario.start, t)[5:])
        with stage("population"):
            self.moves = demography.month(self.pop, v, self.streams, t)
            self._turnover(self.moves)
        with stage("shocks"):
            events = apply_shocks(self.pop, v, v_before, self.streams, t, partial(
                employment_participants, self.admin, v, self.case.tier))
        with stage("monitoring"):  # the truth assessed beside the administration's monitoring
            # (the longer piece first, in this thread: its own pieces take the other thread
            # once the truth's piece is done)
            (a_admin, warned), (a_true, spells) = together(
                partial(self.monitor.month, self.truth, self.admin, v, t, self.case.enrolled(t),
                        self.book.open, self.moves.touched),
                partial(self._truth_month, t, v, events))
            self.monitor.follow(warned, v, t, self.book, self.spells, self.followup)
        logged = events if self.log is not None else None  # kept for the story log only
        del events
        with stage("casework"):  # the true facts measured beside the casework
            work, city = together(partial(casework.month, self, v, t, a_true, a_admin,
                                          self.streams),
                                  partial(self.measurement.facts, self, t, v, a_true))
        del a_admin  # freed before the month's payments are made
        with stage("benefits"):
            pay = monthly_payments(self.truth, self.admin, work.outcome.assessment, self.case,
                                   v, t, calendar_month)
            pending = pending_payment(work.outcome.assessment, work.pending, v)
            one_off_payments(pay, pending, work.outcome.visited, work.outcome.temporary,
                             work.outcome.disaster)
            transfers = sum_rows(pay, range(len(pay)))  # per household, all programmes
        with stage("metrics"):  # the month measured beside the households' saving and trades
            self.measurement.month(self, t, v, calendar_month, a_true, pay, transfers, pending,
                                   warned, work, spells, city, beside=partial(
                                       self._economy, t, v, v_before, transfers, a_true.size))
        if self.log is not None:
            self.log.month(t, logged, warned, work, pay, self.moves)
        self.month += 1
        self.datacollector.collect(self)
        if self.month >= self.months_total:
            self.running = False

    def _economy(self, t: int, v: Values, v_before: Values, transfers: np.ndarray,
                 size: np.ndarray) -> None:
        """The households' saving, and the cars and homes they buy and sell (true facts)."""
        trade = economy.month(self.truth, v, self.streams, t, transfers, self.pop.saving, size,
                              growth(v, v_before, "rent_index"), self.pop.hid)
        demography.settle_trades(self.pop, trade)

    # ------------------------------------------------------------------ results
    def run(self) -> dict[str, float]:
        """Run all months and return the headline indicators of the city, by name."""
        while self.running:
            self.step()
        return self.summary()

    def summary(self, district: int | None = None) -> dict[str, float]:
        """Every indicator over the months after the warm-up (the city's, or a district's)."""
        return self.ledger.summary(min(self.warmup, max(self.month - 1, 0)), district)

    def household(self, i: int) -> HouseholdView:
        """A read-only view of household ``i``: facts (true and as seen) and its story."""
        v = self.scenario.values(max(self.month - 1, 0))
        a_true = assess(self.truth, v)
        return HouseholdView(
            index=i, facts=_describe(self.truth, i), seen=_describe(self.admin, i),
            true_tier=TIER_NAMES[a_true.tier[i]], enrolled_tier=TIER_NAMES[self.case.tier[i]],
            weight=float(self.pop.weight[i]),
            story=self.log.events(i) if self.log is not None else [])


def _describe(f: Facts, i: int) -> dict[str, Any]:
    members = f.members_of(np.array([i]))
    house = {name: _plain(getattr(f, name)[i]) for name in HOUSEHOLD_FIELDS}
    house["members"] = [{name: _plain(getattr(f, name)[j]) for name in MEMBER_FIELDS}
                        for j in members]
    return house


def _plain(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x
