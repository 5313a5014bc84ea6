"""ReliefModel: one step is one month of shocks, monitoring, casework, payments and measurement."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from reliefsim import behaviour
from reliefsim.aggregates import (
    add_to_cells,
    masked_sum,
    member_weights,
    split_by_code,
    sum_rows,
)
from reliefsim.caseload import Caseload
from reliefsim.casework import (
    CaseBook,
    StreetOffice,
    VisitPlan,
    order_queues,
    plan_visits,
    pool_offices,
)
from reliefsim.deciles import BOTTOM_TENTHS, TENTHS, deciles
from reliefsim.decisions import Hardship, Outcome, visit
from reliefsim.facts import HOUSEHOLD_FIELDS, MEMBER_FIELDS, Facts
from reliefsim.metrics import DAYS_PER_MONTH, Indicator, Ledger, summarize
from reliefsim.monitoring import Monitor
from reliefsim.payments import PROGRAMMES, entitlement, monthly_payments
from reliefsim.population import RING_MONTHS, Population, synthesize
from reliefsim.rng import Streams
from reliefsim.rules import DIBAO, MARGINAL, NONE, Assessment, assess, employment_participants
from reliefsim.scenario import Scenario, Values, add_months, load_scenario
from reliefsim.schema import DEPARTMENTS, TIER_NAMES, WARNING_RULES
from reliefsim.shocks import Events, apply_shocks
from reliefsim.story import HouseholdView, StoryLog

STAGES: tuple[str, ...] = ("shocks", "monitoring", "casework", "rules", "benefits", "metrics")
"""The stages of a month, as timed in :attr:`ReliefModel.stage_seconds`."""


class ReliefModel(mesa.Model):
    """The tiered social-assistance system of a city, month by month.

    Households are a vectorised population (columns of numpy arrays); street offices are Mesa
    agents (neighbouring ones pooled in a small sample: ``casework.min_simulated_visits``).
    Usable from ``mesa.batch_run``: every argument is a keyword.

    Args:
        scenario: a :class:`Scenario`, or a scenario name/path.
        households: simulated households (default ``run.households``).
        months: months to simulate (default ``run.months``).
        seed: root seed (default ``run.seed``).
        replication: replication number (a separate set of random streams).
        overrides: ``{dotted key: value}`` applied to the scenario.
        population: a ready population (e.g. imported microdata) instead of a synthetic one.
        story: keep the per-household event log (``household(i).story``).

    Attributes:
        stage_seconds: wall-clock seconds spent so far in each stage of the month
            (:data:`STAGES`: shocks, monitoring, casework, rules, benefits, metrics).
    """

    def __init__(self, scenario: Scenario | str | Path = "baseline", *,
                 households: int | None = None, months: int | None = None,
                 seed: int | None = None, replication: int = 0,
                 overrides: dict[str, Any] | None = None,
                 population: Population | None = None, story: bool = True) -> None:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        run_overrides = {k: val for k, val in (("run.households", households),
                                                ("run.months", months), ("run.seed", seed))
                         if val is not None}
        if overrides or run_overrides:
            scenario = scenario.with_overrides({**(overrides or {}), **run_overrides},
                                               origin="model arguments")
        self.scenario = scenario
        v = scenario.values(0)
        super().__init__(rng=np.random.default_rng([v.run.seed, replication]))
        self.months_total = int(v.run.months)
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
        self.ledger = Ledger()
        self.log = StoryLog() if story else None
        self.month = 0
        self.stage_seconds = dict.fromkeys(STAGES, 0.0)
        self._lap_start = 0.0
        n_streets = max(int(self.pop.street.max()) + 1, int(v.population.streets))
        office_of_street = pool_offices(self.pop.street, self.pop.district, self.pop.weight,
                                        n_streets, v.casework.visits_per_month,
                                        v.casework.min_simulated_visits)
        self.office_of = office_of_street.astype(np.int32)[self.pop.street]  # per household
        # offices hold consecutive streets: split the streets where the office number changes
        streets = np.split(np.arange(n_streets), np.flatnonzero(np.diff(office_of_street)) + 1)
        self.office_streets = np.array([len(s) for s in streets], dtype=np.float64)
        capacity = self.office_streets * v.casework.visits_per_month
        self.offices = [StreetOffice(self, o, s, capacity[o]) for o, s in enumerate(streets)]
        self.visit_plan = VisitPlan(np.zeros(0, dtype=np.int64),
                                    np.zeros(len(streets) + 1, dtype=np.int64),
                                    np.zeros(len(streets), dtype=np.int64), capacity)
        self.spell_start = np.full(n, -1, dtype=np.int32)
        self.spell_warned = np.zeros(n, dtype=bool)
        # out-of-pocket medical costs of the last RING_MONTHS (12), for the CHE indicator only,
        # over the same months as the income ring that gives the capacity to pay
        self.medical_ring = np.zeros((RING_MONTHS, n), dtype=np.float32)
        self.prev_disposable_pc = np.zeros(n)
        self.prev_basic = np.zeros(n)
        self._enrol_initial(v)
        self.datacollector = mesa.DataCollector(model_reporters={
            "missed": lambda m: m.ledger.series["missed"][-1],
            "enrolled": lambda m: m.ledger.series["enrolled"][-1],
            "eligible": lambda m: m.ledger.series["eligible"][-1],
            "leak_households": lambda m: m.ledger.series["leak_households"][-1],
            "spend_total": lambda m: m.ledger.series["spend_total"][-1],
            "warnings": lambda m: m.ledger.series["warnings"][-1],
            "backlog": lambda m: m.ledger.series["backlog"][-1],
        })

    # ------------------------------------------------------------------ set-up
    def _enrol_initial(self, v: Values) -> None:
        """Enrol a share of the truly eligible at the start (the existing caseload)."""
        a = assess(self.truth, v)
        u = self.streams.uniform("initial-takeup", -1, self.pop.n)
        start = (a.tier > NONE) & (u < v.population.initial_takeup)
        self.case.tier[start] = a.tier[start]
        self.case.since[start] = 0
        review = np.array([0] + [v.casework.review_months[t] for t in TIER_NAMES[1:]])
        u_review = self.streams.uniform("initial-review", -1, self.pop.n)
        self.case.next_review[start] = (u_review[start] * review[a.tier[start]]).astype(np.int32)
        self.prev_true_tier = a.tier.copy()

    # ------------------------------------------------------------------ the month
    def _lap(self, stage: str) -> None:
        """Add the time since the last lap to ``stage``."""
        now = time.perf_counter()
        self.stage_seconds[stage] += now - self._lap_start
        self._lap_start = now

    def step(self) -> None:
        """Simulate one month."""
        self._lap_start = time.perf_counter()
        t = self.month
        v = self.scenario.values(t)
        calendar_month = int(add_months(self.scenario.start, t)[5:])
        f, admin, case, pop = self.truth, self.admin, self.case, self.pop
        items = tuple(v.policy.rigid_items)
        window = v.policy.rigid_window_months

        # 1. shocks on the true facts
        boost = employment_participants(admin, v, case.tier)
        ev = apply_shocks(pop, v, self.streams, t, boost)
        f.push_month(t, items, window)
        self._lap("shocks")
        a_true = assess(f, v)
        self._lap("rules")
        lookback = v.casework.temporary_lookback_months
        self._record_hardship(t, v, ev, a_true, lookback)
        self._track_spells(a_true, t)
        self._lap("shocks")

        # 2. monitoring: the admin view of linked data, warnings
        self.monitor.observe(f, admin, v, t)
        self._lap("monitoring")
        a_admin = assess(admin, v)
        self._lap("rules")
        enrolled = case.enrolled(t)
        warned = self.monitor.warnings(admin, a_admin, v, t, enrolled, self.book.open)
        any_warning = np.zeros(pop.n, dtype=bool)
        for rule, mask in warned.items():
            self.book.add(mask, rule, t, warnings=1)
            any_warning |= mask
        self.spell_warned |= any_warning & (self.spell_start >= 0)
        self._lap("monitoring")

        # 3. reviews due, early reviews on linked-data changes, applications
        due = (case.tier > NONE) & (case.next_review <= t)
        early = enrolled & self.monitor.any_linked & (a_admin.tier < case.tier)
        self.book.add(due | early, "review", t)
        free = (~enrolled & ~self.book.open & (a_true.size > 0)
                & (t - case.rejected >= v.behaviour.reapply_months))
        shock_before = self.hardship.recent(t, lookback)  # unchanged until the visits pay
        applying = behaviour.applications(pop, a_true, shock_before, free, v, self.streams, t)
        declared = behaviour.declare(pop, admin, applying, self.monitor.linked["human_resources"],
                                     v)
        self.book.add(applying, "application", t)

        # 4. street offices visit; decisions
        order, bounds = order_queues(self.book, self.office_of, len(self.offices))
        u_cap = self.streams.uniform("capacity", t, len(self.offices))
        capacity = self.office_streets * v.casework.visits_per_month
        taken = plan_visits(order, bounds, pop.weight[order], capacity, u_cap)
        self.visit_plan = VisitPlan(order, bounds, taken, capacity)
        self.agents.do("step")
        # the households the offices chose, office after office (office order, as planned)
        visited = np.concatenate([office.chosen for office in self.offices])
        out = visit(pop, admin, case, self.hardship, self.book.applied, visited, v,
                    self.streams.uniform("visit", t, pop.n, scratch=True), t,
                    self.monitor.linked["emergency_management"], before=a_admin,
                    changed=declared)
        self._record_visits(out, t, v)
        self._lap("casework")

        # 5. payments (the admin view has not changed since the visits' assessment)
        a_admin = out.assessment
        pay = monthly_payments(f, admin, a_admin, case, v, t, calendar_month)
        pending = self.book.open & self.book.applied
        temporary_pending = np.zeros(pop.n)
        if v.policy.temporary_while_pending:
            owed = np.flatnonzero(pending & (a_admin.tier >= DIBAO))
            temporary_pending[owed] = ((v.policy.dibao_line - a_admin.income_pc[owed])
                                       * a_admin.size[owed])
        pay["temporary"] = temporary_pending.copy()
        pay["disaster"] = np.zeros(pop.n)
        np.add.at(pay["temporary"], out.visited, out.temporary)
        np.add.at(pay["disaster"], out.visited, out.disaster)
        self._lap("benefits")
        self._log_month(t, ev, warned, applying, out, pay)
        del ev  # its member masks are not measured: free them before the measurement's arrays
        self._measure(t, v, a_true, pay, out, warned, applying, temporary_pending,
                      calendar_month, shock_before)
        self.prev_true_tier = a_true.tier
        self.month += 1
        self.datacollector.collect(self)
        if self.month >= self.months_total:
            self._close_spells()
            self.running = False
        self._lap("metrics")

    # ------------------------------------------------------------------ bookkeeping
    def _record_hardship(self, t: int, v: Values, ev: Events, a_true: Assessment,
                         lookback: int) -> None:
        """Note this month's shocks as hardship (for temporary assistance).

        Hospital and disaster costs, and a job loss that leaves the household without income
        (a month of the dibao line per member). A method of its own so that its
        household-sized arrays are freed before the month goes on.
        """
        f = self.truth
        lost_job = np.zeros(self.pop.n, dtype=bool)
        lost_job[f.hh[ev.job_loss]] = True
        job_gap = np.where(lost_job & (f.income() == 0), v.policy.dibao_line * a_true.size, 0.0)
        self.hardship.add(t, ev.hospital_cost + ev.disaster_cost + job_gap, lookback,
                          ev.disaster)

    def _track_spells(self, a_true: Assessment, t: int) -> None:
        became = (a_true.tier > NONE) & (self.prev_true_tier == NONE)
        ended = (a_true.tier == NONE) & (self.spell_start >= 0)
        self._count_spells(ended)
        self.spell_start[ended] = -1
        self.spell_start[became] = t
        self.spell_warned[became] = False

    def _count_spells(self, mask: np.ndarray) -> None:
        mask = mask & (self.spell_start >= self.warmup)
        w = self.pop.weight
        self.ledger.spells_total += float(masked_sum(w, mask))
        self.ledger.spells_found += float(masked_sum(w, mask & self.spell_warned))

    def _close_spells(self) -> None:
        self._count_spells(self.spell_start >= 0)

    def _record_visits(self, out: Outcome, t: int, v: Values) -> None:
        vis = out.visited
        self.warnings_resolved = float((self.book.warnings[vis] * self.pop.weight[vis]).sum())
        self.warnings_helped = float(
            (self.book.warnings[vis] * out.helped * self.pop.weight[vis]).sum())
        if t >= self.warmup:
            onset = np.where(out.newly_enrolled & (self.spell_start[vis] >= 0),
                             self.spell_start[vis], -1)
            temp_onset = np.where(out.temporary > 0, self.hardship.month[vis], -1)
            first = np.where(onset >= 0, onset, temp_onset)
            ok = first >= 0
            days = (t - first[ok]) * DAYS_PER_MONTH + v.casework.processing_days
            self.ledger.days.append(days)
            self.ledger.days_weight.append(self.pop.weight[vis][ok])
        self.book.close(vis)

    def _measure(self, t: int, v: Values, a_true: Assessment, pay: dict[str, np.ndarray],
                 out: Outcome, warned: dict[str, np.ndarray], applying: np.ndarray,
                 temporary_pending: np.ndarray, calendar_month: int,
                 true_shock: np.ndarray) -> None:
        w = self.pop.weight
        case = self.case
        true_tier = a_true.tier
        eligible = true_tier > NONE
        in_exit = case.in_exit(t)
        tiered = case.tier > NONE
        enrolled = tiered | in_exit
        missed = eligible & ~enrolled
        not_eligible = ~eligible & ~in_exit
        total = _add_up(pay.values())
        monthly = total - pay["temporary"]
        monthly -= pay["disaster"]
        one_off_leak = _one_off_leak(pay, temporary_pending, out.visited, true_shock,
                                     true_tier >= DIBAO, self.hardship.disaster_level > 0)
        size = a_true.size
        disposable_pc = self.truth.income()
        disposable_pc += total
        with np.errstate(divide="ignore", invalid="ignore"):
            disposable_pc /= size
        alive = size > 0
        disposable_pc[~alive] = 0.0
        line = v.metrics.poverty_line_multiple * v.policy.dibao_line
        basic_now = pay["basic_living"] + pay["gradual_exit"]
        left = (self.prev_basic > 0) & (basic_now == 0)
        cliff = left & (disposable_pc < (1 - v.metrics.cliff_share) * self.prev_disposable_pc)
        pre_pc = a_true.income_pc
        decile = deciles(pre_pc, w * alive)
        bottom = decile < BOTTOM_TENTHS
        employed, unemployed = self._labour_force(w)
        che_households = self._catastrophic_health(t, v, w, size, alive)
        old, new = out.old_tier, out.new_tier
        wv = w[out.visited]
        # masked_sum(x, mask) is x[mask].sum(): the same elements, added in the same order
        people = w * size
        spent = w * total
        lacking = np.flatnonzero(missed)
        visits = wv.sum()
        # entitlements are needed for missed households only (the rules are per household)
        owed = entitlement(self.truth.subset(lacking), a_true.rows(lacking), v, calendar_month)
        by_rule = {rule: masked_sum(w, mask) for rule, mask in warned.items()}
        rec: dict[str, float] = {
            "employed": employed, "unemployed": unemployed, "che_households": che_households,
            "dibao_entries": wv[(new == DIBAO) & (old != DIBAO)].sum(),
            "dibao_exits": wv[(old == DIBAO) & (new != DIBAO)].sum(),
            "low_income_people": masked_sum(people, (case.tier >= MARGINAL) | in_exit),
            "households": masked_sum(w, alive), "people": people.sum(),
            "eligible": masked_sum(w, eligible), "enrolled": masked_sum(w, enrolled),
            "enrolled_tiered": masked_sum(w, tiered & ~in_exit),
            "enrolled_eligible": masked_sum(w, enrolled & eligible),
            "in_exit": masked_sum(w, in_exit), "missed": masked_sum(w, missed),
            "missed_money": (w[lacking] * owed).sum(),
            "leak_households": masked_sum(w, tiered & not_eligible),
            "over_tiered": masked_sum(w, tiered & eligible & ~in_exit & (case.tier > true_tier)),
            "leak_money": (w * np.where(not_eligible, monthly - pay["gradual_exit"], 0.0)).sum()
            + (w * one_off_leak).sum(),
            "spend_total": spent.sum(),
            "visits": visits,
            "visit_cost": visits * v.casework.visit_cost,
            "backlog": masked_sum(w, self.book.open), "applications": masked_sum(w, applying),
            "warnings": sum(by_rule.values()),
            "warnings_resolved": self.warnings_resolved,
            "warnings_helped": self.warnings_helped,
            "poor_people": masked_sum(people, alive & (disposable_pc < line)),
            # over the living: the same products, selected in the same order
            "poverty_gap": masked_sum(people * np.maximum(line - disposable_pc, 0.0), alive),
            "poverty_gap_max": masked_sum(people * line, alive),
            "cliff_falls": masked_sum(w, cliff),
            "transfers_bottom20": masked_sum(spent, bottom),
        }
        true_sums = _group_sums(w, true_tier, len(TIER_NAMES))
        enrolled_sums = _group_sums(w, case.tier, len(TIER_NAMES))
        missed_sums = _group_sums(w[lacking], true_tier[lacking], len(TIER_NAMES))
        for code, tier in enumerate(TIER_NAMES):
            rec[f"true_{tier}"] = true_sums[code]
            rec[f"enrolled_{tier}"] = enrolled_sums[code]
            rec[f"missed_{tier}"] = missed_sums[code]
        for prog in PROGRAMMES:
            rec[f"spend_{prog}"] = (w * pay[prog]).sum()
        by_decile = np.bincount(decile, weights=spent, minlength=TENTHS)
        for d in range(TENTHS):
            rec[f"transfers_decile_{d + 1}"] = by_decile[d]
        for rule in WARNING_RULES:
            rec[f"warnings_{rule}"] = by_rule[rule] if rule in warned else 0.0
        looked = 0.0
        for dept in DEPARTMENTS:
            rec[f"lookups_{dept}"] = self.monitor.lookups[dept]
            looked += self.monitor.lookups[dept]
            self.monitor.lookups[dept] = 0.0
        rec["lookups_total"] = looked
        self.ledger.add(t, rec)
        if t >= self.warmup:
            add_to_cells(self.ledger.confusion, true_tier, case.tier, w)  # in order
        self.prev_disposable_pc = disposable_pc
        self.prev_basic = basic_now

    def _labour_force(self, w: np.ndarray) -> tuple[float, float]:
        """Weighted workers and job seekers (people), for the unemployment rate."""
        f = self.truth
        terms = member_weights(w, f.hh, f.alive, f.works, f.seeking)
        if terms is None:
            member_w = w[f.hh] * f.alive
            terms = member_w * f.works, member_w * f.seeking
        return float(terms[0].sum()), float(terms[1].sum())

    def _catastrophic_health(self, t: int, v: Values, w: np.ndarray, size: np.ndarray,
                             alive: np.ndarray) -> float:
        """Weighted households whose 12-month out-of-pocket ≥ ``metrics.che_threshold`` × capacity.

        Capacity to pay = 12-month income − ``metrics.che_subsistence_multiple`` × dibao line ×
        size × 12, taken as at least 1 yuan. Kept in a helper so that its household-sized
        temporaries are freed before the month ends.
        """
        self.medical_ring[t % RING_MONTHS] = self.truth.medical_oop
        medical_12m = sum_rows(self.medical_ring, range(RING_MONTHS))
        subsistence = RING_MONTHS * v.metrics.che_subsistence_multiple * v.policy.dibao_line * size
        capacity = sum_rows(self.truth.income_ring, range(RING_MONTHS)) - subsistence
        che = alive & (medical_12m >= v.metrics.che_threshold * np.maximum(capacity, 1.0)) & (
            medical_12m > 0)
        return float(masked_sum(w, che))

    def _log_month(self, t: int, ev: Any, warned: dict[str, np.ndarray], applying: np.ndarray,
                   out: Outcome, pay: dict[str, np.ndarray]) -> None:
        log = self.log
        if log is None:
            return
        hh = self.truth.hh
        for name in ("job_loss", "reemployed", "illness_onset", "recovered", "disability_onset",
                     "self_care_loss", "died"):
            members = getattr(ev, name)
            if members.any():
                log.log(t, np.unique(hh[members]), name.replace("_", " "))
        log.log(t, ev.disaster > 0, "disaster", ev.disaster_cost[ev.disaster > 0])
        for rule, mask in warned.items():
            log.log(t, mask, f"warning: {rule}")
        log.log(t, applying, "application")
        log.log(t, out.visited, "home visit")
        for k, name in ((out.newly_enrolled, "enrolled"), (out.gradual, "gradual exit starts"),
                        (out.exits, "exit")):
            log.log(t, out.visited[k], name)
        changed = (out.old_tier != out.new_tier) & (out.old_tier > 0) & (out.new_tier > 0)
        for code, tier in enumerate(TIER_NAMES[1:], start=1):
            log.log(t, out.visited[changed & (out.new_tier == code)], f"tier → {tier}")
        for prog, amount in pay.items():
            paid = amount > 0
            log.log(t, paid, f"paid {prog}", amount[paid])

    # ------------------------------------------------------------------ results
    def run(self) -> list[Indicator]:
        """Run all months and return the headline indicators."""
        while self.running:
            self.step()
        return self.summary()

    def summary(self) -> list[Indicator]:
        """Headline indicators over the months after the warm-up."""
        return summarize(self.ledger, min(self.warmup, max(self.month - 1, 0)))

    def household(self, i: int) -> HouseholdView:
        """A read-only view of household ``i``: facts (true and as seen) and its story."""
        v = self.scenario.values(max(self.month - 1, 0))
        a_true = assess(self.truth, v)
        return HouseholdView(
            index=i, facts=_describe(self.truth, i), seen=_describe(self.admin, i),
            true_tier=TIER_NAMES[a_true.tier[i]], enrolled_tier=TIER_NAMES[self.case.tier[i]],
            weight=float(self.pop.weight[i]),
            story=self.log.events(i) if self.log is not None else [])


def _add_up(arrays: Iterable[np.ndarray]) -> np.ndarray:
    """``sum(arrays)`` (the same additions in the same order) into one new array."""
    total = None
    for a in arrays:
        if total is None:
            total = 0 + a  # as sum() starts: 0 + a (−0.0 becomes 0.0)
        else:
            total += a
    return np.zeros(0) if total is None else total


def _one_off_leak(pay: dict[str, np.ndarray], pending: np.ndarray, visited: np.ndarray,
                  true_shock: np.ndarray, true_dibao: np.ndarray,
                  true_disaster: np.ndarray) -> np.ndarray:
    """Per household, temporary and disaster aid paid without the true grounds for it (yuan).

    Temporary aid beyond the pending-application payment is a leak without a true recent
    shock; the pending payment is a leak unless the true tier is dibao or destitute; disaster
    aid is a leak without a true disaster. Only visited and pending households can have any,
    so only they are computed (the others are 0.0, as the same formula gives them).
    """
    out = np.zeros(len(pending))
    temporary, disaster = pay["temporary"], pay["disaster"]
    out[visited] = np.where(true_shock[visited], 0.0, temporary[visited] - pending[visited])
    owed = np.flatnonzero(pending)
    out[owed] += np.where(true_dibao[owed], 0.0, pending[owed])
    granted = np.flatnonzero(disaster)
    out[granted] += np.where(true_disaster[granted], 0.0, disaster[granted])
    return out


def _group_sums(w: np.ndarray, codes: np.ndarray, n: int) -> list[float]:
    """``[w[codes == k].sum() for k in range(n)]``: the same elements added in the same order.

    The weights are grouped by code in one compiled pass; where the loop does not apply, the
    non-zero codes are taken from their few rows.
    """
    split = split_by_code(w, codes, n)
    if split is not None:
        grouped, bounds = split
        return [grouped[bounds[k]:bounds[k + 1]].sum() for k in range(n)]
    rows = np.flatnonzero(codes)
    w_rows, c_rows = w[rows], codes[rows]
    return [w[codes == 0].sum()] + [w_rows[c_rows == k].sum() for k in range(1, n)]


def _describe(f: Facts, i: int) -> dict[str, Any]:
    members = np.flatnonzero(f.hh == i)
    house = {name: _plain(getattr(f, name)[i]) for name in HOUSEHOLD_FIELDS}
    house["members"] = [{name: _plain(getattr(f, name)[j]) for name in MEMBER_FIELDS}
                        for j in members]
    return house


def _plain(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x
