"""The month's measurement (RULES.md §6) and the ledger that keeps it, per district.

Each month :class:`Measurement` turns the true facts, the case records and the month's payments
into the weighted totals of :data:`reliefsim.indicators.SERIES`, one value per district, and
writes them into the :class:`Ledger`. Households are stored district by district, so a
district's total is a sum over one range of rows.

The true tier, the enrolled tier and the gradual exit combine into one code per household
(:func:`state_codes`); one pass adds the weights by code and district, and every count of who is
eligible, enrolled, missed or leaked is read off that table.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from reliefsim.aggregates import (
    advance_window,
    member_range_counts,
    range_code_sums,
    range_counts,
    range_totals,
    sum_rows,
)
from reliefsim.codes import DEPARTMENTS, ENROLMENT_STATES, INDIVIDUAL, WARNING_RULES
from reliefsim.indicators import (
    BOTTOM_TENTHS,
    INDICATORS,
    MONTHLY_PROGRAMMES,
    PROGRAMMES,
    SERIES,
    SERIES_INDEX,
    TENTHS,
    Means,
    evaluate,
)
from reliefsim.kernels import flatnonzero, searchsorted_right
from reliefsim.threads import together

NONE, RIGID, MARGINAL, DIBAO, DESTITUTE = range(5)
N_STATES_ONE = len(ENROLMENT_STATES)
SEVERE = 2
"""The code of a severe disability (``facts.SEVERE``)."""
NO_DAYS = (np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int32))
"""A month without hardship-to-payment events (the warm-up's)."""
EXIT_STATES = 3
"""Gradual exit in a state code: 0 none, 1 from a low-income tier (marginal or above), 2 other."""
N_STATES = N_STATES_ONE * N_STATES_ONE * EXIT_STATES


@dataclass(frozen=True)
class _Month:
    """What both halves of a month's measurement read (neither writes it)."""

    model: Any
    truth: Any
    t: int
    v: Any
    calendar_month: int
    a_true: Any
    in_exit: np.ndarray
    state: np.ndarray
    codes: np.ndarray
    rec: Record
    people_w: np.ndarray
    city: CityFacts
    transfers: np.ndarray
    disposable: np.ndarray
    disposable_pc: np.ndarray


@dataclass(frozen=True)
class CityFacts:
    """The measures of the true facts that the month's money measurement reads.

    Attributes:
        income: per household, income before transfers.
        decile: per household, its weighted tenth by assessed income per head (0 … 9).
        che: per household, catastrophic health spending.
    """

    income: np.ndarray
    decile: np.ndarray
    che: np.ndarray


class Record:
    """One month of the ledger: each series a per-district array, set by attribute.

    ``rec.missed = per_district`` writes the series ``missed``; a name that is not a series is
    an AttributeError naming the nearest one.
    """

    __slots__ = ("_data",)

    def __init__(self, data: np.ndarray) -> None:
        object.__setattr__(self, "_data", data)

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            row = SERIES_INDEX[name]
        except KeyError:
            from reliefsim.indicators import _nearest

            raise AttributeError(f"no series {name!r}{_nearest(name, SERIES_INDEX)}") from None
        self._data[row] = value

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self._data[SERIES_INDEX[name]]
        except KeyError:
            raise AttributeError(f"no series {name!r}") from None


@dataclass
class Ledger:
    """The monthly series of a run, per district, and its timeliness events.

    Attributes:
        data: ``data[month, series, district]``, weighted totals (:data:`SERIES` order).
        districts: district names.
        days: per month, ``(days, weight, district)`` arrays of hardship-to-payment events.
        months_done: months recorded so far.
    """

    data: np.ndarray
    districts: tuple[str, ...]
    days: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    months_done: int = 0

    @classmethod
    def empty(cls, months: int, districts: tuple[str, ...]) -> Ledger:
        """A ledger for ``months`` months and the given districts."""
        return cls(np.zeros((months, len(SERIES), len(districts))), tuple(districts), [])

    def record(self, t: int) -> Record:
        """Month ``t``'s row, to write series into."""
        self.months_done = max(self.months_done, t + 1)
        return Record(self.data[t])

    def series(self, name: str, district: int | None = None) -> np.ndarray:
        """The monthly values of series ``name`` (the city's, or one district's), months done."""
        from reliefsim.indicators import series

        k = SERIES_INDEX[series(name).name]
        values = self.data[: self.months_done, k]
        return values.sum(axis=1) if district is None else values[:, district].copy()

    def city(self) -> dict[str, np.ndarray]:
        """Every series of the city, month by month (months done)."""
        total = self.data[: self.months_done].sum(axis=2)
        return {s.name: total[:, k] for k, s in enumerate(SERIES)}

    def means(self, start: int, district: int | None = None) -> Means:
        """The series aggregated over months ``start``… (stocks averaged, flows per year)."""
        done = self.months_done
        start = min(start, max(done - 1, 0))
        block = self.data[start:done]
        block = block.sum(axis=2) if district is None else block[:, :, district]
        months = max(done - start, 1)
        values = []
        for k, s in enumerate(SERIES):
            column = block[:, k]
            values.append(float(column.sum()) * 12.0 / months if s.flow
                          else float(column.mean()) if len(column) else 0.0)
        days = [e for e in self.days[start:done]]
        if district is not None:
            days = [(d[g == district], w[g == district], g) for d, w, g in days]
        flat = ((np.concatenate([d for d, _, _ in days]) if days else np.zeros(0)),
                (np.concatenate([w for _, w, _ in days]) if days else np.zeros(0)))
        return Means(values, flat)

    def summary(self, start: int, district: int | None = None) -> dict[str, float]:
        """Every indicator over months ``start``… (the city's, or one district's)."""
        return evaluate(self.means(start, district))

    def by_district(self, start: int) -> np.ndarray:
        """Every indicator per district: an array (districts × :data:`INDICATORS`)."""
        return np.array([[v for v in self.summary(start, d).values()]
                         for d in range(len(self.districts))])


def enrolment_state(tier: np.ndarray, individual: np.ndarray) -> np.ndarray:
    """Per household, its tier code, or ``INDIVIDUAL`` for tier none with members on their own."""
    return np.where((tier == NONE) & (individual > 0), INDIVIDUAL, tier).astype(np.int16)


def state_codes(true_state: np.ndarray, state: np.ndarray, in_exit: np.ndarray,
                exit_from: np.ndarray) -> np.ndarray:
    """One code per household for (true state, enrolled state, gradual exit): 0 … N_STATES − 1."""
    exit_state = np.where(in_exit, np.where(exit_from >= MARGINAL, 1, 2), 0)
    return ((true_state * N_STATES_ONE + state) * EXIT_STATES + exit_state).astype(np.int16)


def _decode() -> dict[str, np.ndarray]:
    """For each state code: its true state, enrolled state and exit state."""
    code = np.arange(N_STATES)
    return {"true": code // (N_STATES_ONE * EXIT_STATES),
            "tier": code // EXIT_STATES % N_STATES_ONE, "exit": code % EXIT_STATES}


STATE = _decode()
IN_CASELOAD = (((STATE["tier"] >= MARGINAL) & (STATE["exit"] == 0)) | (STATE["exit"] == 1))
"""Per state code: on the low-income caseload (destitute, dibao, marginal, or members enrolled on
their own; or in the gradual exit from one of them), the base of ``caseload.*``."""


def state_series(table: np.ndarray, people: np.ndarray, rec: Record) -> None:
    """Write every count read off the state tables into ``rec``.

    Args:
        table: households per (district, state code).
        people: people per (district, state code) (for a household with members enrolled on
            their own, those members).
        rec: the month's record.
    """
    true, tier, exit_state = STATE["true"], STATE["tier"], STATE["exit"]
    in_exit = exit_state > 0
    eligible = true > NONE
    on_rolls = tier > NONE
    enrolled = on_rolls | in_exit

    def total(selected: np.ndarray, of: np.ndarray = table) -> np.ndarray:
        return of[:, selected].sum(axis=1)

    rec.eligible = total(eligible)
    rec.enrolled = total(enrolled)
    rec.enrolled_tiered = total(on_rolls & ~in_exit)
    rec.enrolled_eligible = total(enrolled & eligible)
    rec.in_exit = total(in_exit)
    rec.enrolled_people = total(enrolled, people)
    rec.missed = total(eligible & ~enrolled)
    rec.leak_households = total(on_rolls & ~eligible & ~in_exit)
    rec.over_tiered = total(on_rolls & eligible & ~in_exit & (tier > true) & (tier != INDIVIDUAL)
                            & (true != INDIVIDUAL))
    low = IN_CASELOAD
    rec.low_income_households = total(low)
    rec.low_income_people = total(low, people)
    for code, name in enumerate(ENROLMENT_STATES):
        setattr(rec, f"true_{name}", total(true == code))
        setattr(rec, f"enrolled_{name}", total((tier == code) & ~in_exit))
        setattr(rec, f"enrolled_people_{name}", total((tier == code) & ~in_exit, people))
        setattr(rec, f"missed_{name}", total((true == code) & eligible & ~enrolled))
        for other, other_name in enumerate(ENROLMENT_STATES):
            setattr(rec, f"confusion_{name}_{other_name}", total((true == code) & (tier == other)))


class Measurement:
    """The month's measurement, with the little it remembers from month to month.

    Args:
        weight: real households per household slot (changed in place as households come and
            go).
        bounds: household rows of each district (``bounds[d]:bounds[d + 1]``).
        member_bounds: member rows of each district.
        district: district per household.
    """

    def __init__(self, weight: np.ndarray, bounds: np.ndarray, member_bounds: np.ndarray,
                 district: np.ndarray) -> None:
        n = len(weight)
        self.weight = weight
        self.bounds = bounds
        self.member_bounds = member_bounds
        self.district = district
        self.prev_disposable_pc = np.zeros(n)
        self.prev_basic = np.zeros(n)
        self.medical_12m = np.zeros(n)
        self.income_12m = np.zeros(n)
        self._medical_ring: np.ndarray | None = None
        self._income_ring: np.ndarray | None = None

    def reset(self, households: np.ndarray) -> None:
        """Forget last month's payments of the given households (new ones in their slots)."""
        self.prev_basic[households] = 0.0
        self.prev_disposable_pc[households] = 0.0

    def _group(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per district, the sum of ``values`` over the given household indices."""
        return np.bincount(self.district[idx], weights=values,
                           minlength=len(self.bounds) - 1).astype(np.float64)

    def facts(self, model: Any, t: int, v: Any, a_true: Any) -> CityFacts:
        """Measure the true facts as the month's shocks left them, into month ``t``'s series.

        People, registration, work, age, disability, the population's changes and the
        disasters: the casework reads the true facts but never changes them, so they are
        measured beside it (the month's saving and trades that follow change none of these).

        Returns:
            What the rest of the month's measurement (:meth:`month`) needs of them.
        """
        rec = model.ledger.record(t)
        facts = model.truth
        w, bounds = self.weight, self.bounds
        size = a_true.size
        alive = size > 0
        income = facts.income()
        rec.registered_households, rec.registered_people = range_counts(
            w, (alive & facts.registered,), bounds)[:, 0], range_counts(
            w * size, (facts.registered,), bounds)[:, 0]
        moves = model.moves
        rec.births = self._group(facts.hh[moves.born], w[facts.hh[moves.born]])
        rec.deaths = self._group(facts.hh[moves.died], w[facts.hh[moves.died]])
        rec.moved_in = self._group(moves.moved_in, w[moves.moved_in])
        rec.formed = self._group(moves.formed, w[moves.formed])
        rec.moved_out = self._group(moves.moved_out, moves.left_weight[
            np.isin(moves.vacated, moves.moved_out)])
        rec.dissolved = self._group(moves.dissolved, moves.left_weight[
            np.isin(moves.vacated, moves.dissolved)])
        (rec.employed, rec.unemployed, rec.elderly_people, rec.old_people_65,
         rec.severe_disability_people) = member_range_counts(
            w, facts.hh, facts.alive, (facts.works, facts.seeking, facts.age >= 60,
                                       facts.age >= 65, facts.disability == SEVERE),
            self.member_bounds).T
        hit = flatnonzero(facts.damage)
        rec.disaster_households = self._group(hit, w[hit])
        return CityFacts(income=income, decile=income_tenths(a_true.income_pc, w * alive),
                         che=self._catastrophic_health(t, v, facts, income, size, alive))

    def month(self, model: Any, t: int, v: Any, calendar_month: int, a_true: Any,
              pay: np.ndarray, transfers: np.ndarray, pending: np.ndarray,
              warned: Mapping[str, np.ndarray], work: Any,
              spells: tuple[np.ndarray, np.ndarray], city: CityFacts,
              beside: Callable[[], Any] | None = None) -> Any:
        """Write month ``t``'s series into the model's ledger.

        The month is measured on the true facts as the month's payments found them: ``beside``
        (the households' saving and trades, which replace some of the true arrays) may run at
        the same time.

        Args:
            model: the model (true facts, case records, open cases, hardship, spells).
            t: month index.
            v: scenario values in force.
            calendar_month: 1 … 12.
            a_true: the true facts' assessment.
            pay: the month's payments, one row per programme.
            transfers: their sum per household (all programmes).
            pending: the temporary payment made while a dibao application is pending.
            warned: the month's warnings per rule.
            work: the month's casework (:class:`~reliefsim.casework.CaseworkMonth`).
            spells: spells of eligibility that ended this month, and those warned.
            city: the month's measures of the true facts (:meth:`facts`).
            beside: work of the month's that runs beside the measurement, if any: it may
                replace the true facts' arrays, but must not change them in place.

        Returns:
            What ``beside`` returns (None without it).
        """
        rec = model.ledger.record(t)
        size = a_true.size
        case = model.case

        def states() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            in_exit = case.in_exit(t)
            state = enrolment_state(case.tier, case.individual)
            return in_exit, state, state_codes(enrolment_state(a_true.tier, a_true.individual),
                                               state, in_exit, case.exit_from)

        def incomes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            disposable = city.income + transfers
            return disposable, np.divide(disposable, size, out=np.zeros(len(size)),
                                         where=size > 0), self.weight * size

        # the enrolment states beside the incomes, then the two halves of the measurement
        (in_exit, state, codes), (disposable, disposable_pc, people_w) = together(states,
                                                                                  incomes)
        truth = copy.copy(model.truth)  # the arrays as they are now, whatever ``beside`` does
        month = _Month(model, truth, t, v, calendar_month, a_true, in_exit, state, codes, rec,
                       people_w=people_w, city=city, transfers=transfers,
                       disposable=disposable, disposable_pc=disposable_pc)
        # two halves that share no array they write, side by side (reliefsim.threads)
        basic_now, _, aside = together(
            partial(self._money, month, pay, pending, work, spells),
            partial(self._people, month, warned, work), beside or (lambda: None))
        model.ledger.days.append(work.days if t >= model.warmup else NO_DAYS)
        self.prev_disposable_pc = disposable_pc
        self.prev_basic = basic_now
        return aside

    def _money(self, m: _Month, pay: np.ndarray, pending: np.ndarray, work: Any,
               spells: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Incomes, poverty, spending, leakage, transfers by tenth and counts of households.

        Returns:
            Per household, this month's basic-living payment (next month's "last month").
        """
        from reliefsim.payments import monthly_leak, one_off_leak

        model, v, a_true, rec = m.model, m.v, m.a_true, m.rec
        facts, out = m.truth, work.outcome
        w, bounds = self.weight, self.bounds
        size = a_true.size
        alive = size > 0
        total, disposable_pc = m.transfers, m.disposable_pc
        line = v.metrics.poverty_line_multiple * v.policy.dibao_line
        basic_now = pay[PROGRAMMES.index("basic_living")] + pay[PROGRAMMES.index("gradual_exit")]
        left = (self.prev_basic > 0) & (basic_now == 0)
        cliff = left & (disposable_pc < (1 - v.metrics.cliff_share) * self.prev_disposable_pc)
        che = m.city.che
        poor = alive & (disposable_pc < line)
        ended, found = spells
        counts = range_counts(w, (alive, model.book.open, work.applying, cliff, che, ended,
                                  found), bounds)
        (rec.households, rec.backlog, rec.applications, rec.cliff_falls, rec.che_households,
         rec.spells_ended, rec.spells_found) = counts.T
        rec.people, rec.poor_people = range_counts(m.people_w, (alive, poor), bounds).T
        gap = np.maximum(line - disposable_pc, 0.0) * size * alive
        leak = monthly_leak(pay, ~a_true.eligible & ~m.in_exit) + one_off_leak(
            pay, pending, out.visited, work.shock_before, a_true.tier >= DIBAO,
            model.hardship.disaster_level > 0)
        caseload = IN_CASELOAD[m.codes]
        monthly = sum_rows(pay, range(len(MONTHLY_PROGRAMMES)))
        money = range_totals(w, (*pay, total, leak, gap, line * size * alive, m.disposable,
                                 facts.wages, facts.pensions + total,
                                 np.where(caseload, monthly, 0.0)),
                             bounds)
        for k, prog in enumerate(PROGRAMMES):
            setattr(rec, f"spend_{prog}", money[:, k])
        k = len(PROGRAMMES)
        rec.spend_total, rec.leak_money, rec.poverty_gap, rec.poverty_gap_max = (
            money[:, k:k + 4].T)
        (rec.income_people, rec.income_wages, rec.income_transfers,
         rec.spend_caseload) = money[:, k + 4:k + 8].T
        by_decile = range_code_sums(w * total, m.city.decile, TENTHS, bounds)
        for tenth in range(TENTHS):
            setattr(rec, f"transfers_decile_{tenth + 1}", by_decile[:, tenth])
        rec.transfers_bottom20 = by_decile[:, :BOTTOM_TENTHS].sum(axis=1)
        return basic_now

    def _people(self, m: _Month, warned: Mapping[str, np.ndarray], work: Any) -> None:
        """The caseload by state, the poorest fifth, warnings, visits, missed money, lookups."""
        from reliefsim.payments import entitlement

        model, v, a_true, rec = m.model, m.v, m.a_true, m.rec
        facts, case, out = m.truth, model.case, work.outcome
        w, bounds = self.weight, self.bounds
        alive = a_true.size > 0
        # the statistics' lowest fifth
        bottom = income_tenths(m.disposable_pc, w * alive) < BOTTOM_TENTHS
        rec.income_bottom20, rec.people_bottom20 = range_totals(
            w, (np.where(bottom, m.disposable, 0.0), a_true.size * bottom), bounds).T
        counted_w = w * np.where((m.state == INDIVIDUAL) & ~m.in_exit, case.individual,
                                 a_true.size)
        state_series(range_code_sums(w, m.codes, N_STATES, bounds),
                     range_code_sums(counted_w, m.codes, N_STATES, bounds), rec)
        warned_total = np.zeros(len(bounds) - 1)
        for rule in WARNING_RULES:
            mask = warned.get(rule)
            per = (self._group(flatnonzero(mask), w[mask]) if mask is not None
                   else np.zeros(len(bounds) - 1))
            setattr(rec, f"warnings_{rule}", per)
            warned_total += per
        rec.warnings = warned_total
        vis = out.visited
        wv = w[vis]
        rec.warnings_visited = self._group(vis, wv * work.visited_warnings)
        rec.warnings_helped = self._group(work.helped_index,
                                          w[work.helped_index] * work.helped_warnings)
        rec.visits = self._group(vis, wv)
        rec.visit_cost = rec.visits * v.casework.visit_cost
        rec.dibao_entries = self._group(vis, wv * ((out.new_tier == DIBAO)
                                                   & (out.old_tier != DIBAO)))
        gone, gone_weight = model.dibao_left
        rec.dibao_exits = (self._group(vis, wv * ((out.old_tier == DIBAO)
                                                  & (out.new_tier != DIBAO)))
                           + self._group(gone, gone_weight))
        missed = flatnonzero(a_true.eligible & ~case.enrolled(m.t))
        owed = entitlement(facts.read_subset(missed), a_true.rows(missed), v, m.calendar_month)
        rec.missed_money = self._group(missed, w[missed] * owed)
        looked = range_counts(w, tuple(model.monitor.linked[d] for d in DEPARTMENTS), bounds)
        for k, dept in enumerate(DEPARTMENTS):
            setattr(rec, f"lookups_{dept}", looked[:, k])
        rec.lookups_total = looked.sum(axis=1)

    def _catastrophic_health(self, t: int, v: Any, facts: Any, income: np.ndarray,
                             size: np.ndarray, alive: np.ndarray) -> np.ndarray:
        """Households whose 12-month out-of-pocket ≥ ``metrics.che_threshold`` × capacity.

        Capacity to pay = 12-month income − ``metrics.che_subsistence_multiple`` × dibao line ×
        size × 12, taken as at least 1 yuan. The 12-month sums run on: this month's value in,
        the value of 12 months ago out.
        """
        n = len(size)
        if self._medical_ring is None:  # as if the past year's incomes were this month's
            self._medical_ring = np.zeros((12, n), dtype=np.float32)
            self._income_ring = np.empty((12, n), dtype=np.float32)
            self._income_ring[:] = facts.income()
            self.income_12m = self._income_ring.sum(axis=0, dtype=np.float64)
        slot = t % 12
        self.medical_12m = advance_window(self.medical_12m, facts.medical_oop,
                                          self._medical_ring, slot, slot, floor=False)
        self.income_12m = advance_window(self.income_12m, income, self._income_ring, slot, slot,
                                         floor=False)
        subsistence = 12 * v.metrics.che_subsistence_multiple * v.policy.dibao_line * size
        capacity = np.maximum(self.income_12m - subsistence, 1.0)
        return alive & (self.medical_12m > 0) & (
            self.medical_12m >= v.metrics.che_threshold * capacity)


def income_tenths(values: np.ndarray, weights: np.ndarray, sample: int = 50_000) -> np.ndarray:
    """Weighted decile (0 = poorest tenth … 9) of each household by ``values``.

    The nine cut points are the weighted tenths of the values; beyond ``sample`` households
    they are read off an evenly spaced subsample of households, which sets them to within a
    fraction of a percentile.

    Args:
        values: one value per household (pre-transfer income per capita).
        weights: one weight per household (0 for an empty household).
        sample: most households used to place the cut points.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    step = max(1, n // sample)
    v_s, w_s = values[::step], weights[::step]
    order = np.argsort(v_s)  # tied values have one value: their order never moves a cut
    cum = np.cumsum(w_s[order])
    if cum[-1] <= 0:
        return np.zeros(n, dtype=np.int8)
    cuts = v_s[order][np.searchsorted(cum, cum[-1] * np.arange(1, TENTHS) / TENTHS)]
    return searchsorted_right(cuts, values).astype(np.int8)


def error_rates(series: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Month by month, the missed rate and the leakage of recipients (0 where undefined).

    Args:
        series: the city's monthly series (:meth:`Ledger.city`), or a mapping with at least
            ``missed``, ``eligible``, ``leak_households`` and ``enrolled_tiered``.
    """

    def share(num: str, den: str) -> np.ndarray:
        n, d = np.asarray(series[num], dtype=float), np.asarray(series[den], dtype=float)
        return np.divide(n, d, out=np.zeros(len(n)), where=d > 0)

    return share("missed", "eligible"), share("leak_households", "enrolled_tiered")


def reporters() -> dict[str, Any]:
    """Mesa ``DataCollector`` model reporters: this month's city totals of a few series."""
    names = ("missed", "enrolled", "eligible", "leak_households", "spend_total", "warnings",
             "backlog")

    def latest(name: str) -> Any:
        k = SERIES_INDEX[name]
        return lambda m: float(m.ledger.data[m.ledger.months_done - 1, k].sum())

    return {name: latest(name) for name in names}


def indicator_units() -> dict[str, str]:
    """The unit of every indicator, by name."""
    return {i.name: i.unit for i in INDICATORS}

