"""Departments, data linkage, the administration's view, the audit trail and the warning rules.

Each department links a share (``coverage``) of households, fixed for the run from its own random
stream, and reveals some fields with a lag. Every monthly look-up of a linked household is counted
(weighted) per department: how much personal data the policy touches.
"""

from __future__ import annotations

import weakref
from collections import deque
from typing import Any

import numpy as np

from reliefsim.codes import DEPARTMENTS, WARNING_RULES
from reliefsim.facts import SEVERE, Facts
from reliefsim.kernels import flatnonzero
from reliefsim.population import Population
from reliefsim.rng import Streams
from reliefsim.rules import Assessment, assess, income_ceiling, rigid_test
from reliefsim.scenario import Values
from reliefsim.threads import together

DEPARTMENT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "medical_insurance": (("serious_illness", "chronic"), ("medical_oop",)),
    "human_resources": (("works", "wage", "pension", "benefit", "benefit_months", "seeking"),
                        ()),
    "public_security": (("alive", "age"), ("car", "registered")),
    "education": (("student", "tertiary_track"), ("education",)),
    "disability_federation": (("disability", "unable_self_care"), ("care", "rehab")),
    "emergency_management": ((), ("damage",)),
    "housing": ((), ("homes_owned", "floor_space_pc", "rent")),
    "finance": ((), ("financial_assets",)),
}
"""What each department reveals: (member fields, household fields). RULES.md §5."""
RIGID_DEPARTMENTS = ("medical_insurance", "disability_federation", "housing", "education")


class Monitor:
    """Linkage masks, lagged snapshots of the truth, the admin view's refresh and the warnings.

    Lagged snapshots hold references to the true arrays of past months (the shocks replace
    those arrays, never change them in place). A snapshot keeps only the fields some linked
    department may still read at its age.

    Args:
        pop: the population (true facts).
        v: scenario values at the start.
        streams: common-random-number streams.
        lags: the largest lag of each department over the run (default: the lags in ``v``).
    """

    def __init__(self, pop: Population, v: Values, streams: Streams,
                 lags: dict[str, int] | None = None) -> None:
        n = pop.n
        self.weight = pop.weight
        self.linked = {d: streams.uniform(f"linkage-{d}", -1, n)
                       < v.departments[d].coverage for d in DEPARTMENTS}
        self.any_linked = np.logical_or.reduce(list(self.linked.values()))
        self.rigid_linked = np.logical_or.reduce([self.linked[d] for d in RIGID_DEPARTMENTS])
        # linkage is fixed for the run: the member slots of each department's linked households
        # (where it copies member fields and links some households only)
        self._members_linked: dict[str, np.ndarray] = {}
        for d in DEPARTMENTS:
            linked = self.linked[d]
            if DEPARTMENT_FIELDS[d][0] and not linked.all():
                self._members_linked[d] = linked[pop.facts.hh]
        # screening runs household by household through its cycle (a rolling programme),
        # not on the whole city in one month
        self.screening_offset = np.floor(
            streams.uniform("screening-offset", -1, n) * 120).astype(np.int16)
        self._phases: tuple[int, np.ndarray] | None = None  # (cycle months, offsets modulo)
        self.max_lag = max(v.departments[d].lag_months for d in DEPARTMENTS)
        self.snapshots: deque[dict[str, np.ndarray]] = deque(maxlen=self.max_lag + 1)
        lags = lags or {d: v.departments[d].lag_months for d in DEPARTMENTS}
        self._keep: dict[str, int] = {}  # field → oldest snapshot age anybody may read
        for d in DEPARTMENTS:
            if self.linked[d].any():
                for name in DEPARTMENT_FIELDS[d][0] + DEPARTMENT_FIELDS[d][1]:
                    self._keep[name] = max(self._keep.get(name, 0), min(lags[d], self.max_lag))
        # (dept, field) → the array copied, weakly held: one the truth has dropped is freed
        self._copied: dict[tuple[str, str], weakref.ref[np.ndarray]] = {}
        # int16 months: runs are at most 600 months (schema), so t + 10,000 always fits
        self.last_warned = {r: np.full(n, -10_000, dtype=np.int16) for r in WARNING_RULES}
        self.prev_income = np.zeros(n)
        self.prev_severe = np.zeros(n)
        self.prev_alive: np.ndarray | None = None
        self.prev_works: np.ndarray | None = None

    def reset(self, households: np.ndarray) -> None:
        """No warning history for the given households (new ones in their slots)."""
        for last in self.last_warned.values():
            last[households] = -10_000

    def month(self, truth: Facts, admin: Facts, v: Values, t: int, enrolled: np.ndarray,
              busy: np.ndarray, touched: np.ndarray | None = None
              ) -> tuple[Assessment, dict[str, np.ndarray]]:
        """The month's monitoring: refresh the admin view, assess it, raise the warnings.

        Reads the case records (``enrolled``, ``busy``) and writes only the admin view and this
        monitor's own records; :meth:`follow` then opens the cases.

        Args:
            truth: the true facts.
            admin: the admin view (refreshed in place).
            v: scenario values in force.
            t: month index.
            enrolled: households currently enrolled (any tier or gradual exit).
            busy: households with an open case.
            touched: households the month's demography changed in place (:meth:`observe`).

        Returns:
            The admin view's assessment, and the month's warnings per rule (household masks).
        """
        self.observe(truth, admin, v, t, touched)
        a_admin = assess(admin, v)
        return a_admin, self.warnings(admin, a_admin, v, t, enrolled, busy)

    @staticmethod
    def follow(warned: dict[str, np.ndarray], v: Values, t: int, book: Any, spells: Any,
               followup: Any) -> None:
        """Each warning opens (or joins) a case for a home visit.

        The household's spell of eligibility is marked as warned, and the warning waits
        ``warnings.followup_months`` to see whether help follows.
        """
        count = np.zeros(len(book.open), dtype=np.int16)
        for rule, mask in warned.items():
            book.add(mask, rule, t, warnings=1)
            count += mask
        raised = flatnonzero(count)
        spells.warned[raised[spells.start[raised] >= 0]] = True
        followup.raised(raised, count[raised], t, v.warnings.followup_months)

    def _snapshot(self, truth: Facts) -> dict[str, np.ndarray]:
        """This month's true arrays, by reference: the shocks replace them, never change them."""
        names = {n for member, house in DEPARTMENT_FIELDS.values() for n in member + house}
        return {n: getattr(truth, n) for n in names}

    def observe(self, truth: Facts, admin: Facts, v: Values, t: int,
                touched: np.ndarray | None = None) -> None:
        """Refresh the admin view of linked households from (lagged) true facts.

        Args:
            truth: the true facts.
            admin: the admin view (changed in place).
            v: scenario values in force.
            t: month index.
            touched: households whose true facts the month's demography changed in place
                (births and moves): their linked departments copy every field they reveal.
        """
        self.prev_income = admin.income()
        self.prev_severe = admin.count(admin.disability == SEVERE)
        self.prev_alive = admin.alive.copy()
        self.prev_works = admin.works.copy()
        self.snapshots.append(self._snapshot(truth) if self.max_lag else {})
        for age, snapshot in enumerate(reversed(self.snapshots)):
            for name in [n for n in snapshot if self._keep.get(n, 0) < age]:
                del snapshot[name]
        for dept in DEPARTMENTS:
            linked = self.linked[dept]
            if not linked.any():
                continue
            lag = min(v.departments[dept].lag_months, len(self.snapshots) - 1)
            source = truth if lag == 0 else _FactsView(self.snapshots[-1 - lag])
            members, house = (self._changed(dept, names, source, truth)
                              for names in DEPARTMENT_FIELDS[dept])
            if linked.all():  # every household linked: copy whole columns
                for name in members + house:
                    np.copyto(getattr(admin, name), getattr(source, name))
            else:
                admin.reveal_where(source, linked, self._members_linked.get(dept),  # type: ignore[arg-type]
                                   members, house)
            if touched is not None and len(touched):
                moved = touched[linked[touched]]
                admin.reveal(source, moved, *DEPARTMENT_FIELDS[dept])  # type: ignore[arg-type]
        admin.refresh_incomes()
        admin.push_month(t, tuple(v.policy.rigid_items), v.policy.rigid_window_months)

    def _changed(self, dept: str, names: tuple[str, ...], source: Facts | _FactsView,
                 truth: Facts) -> tuple[str, ...]:
        """The fields ``dept`` must copy this month: those whose source array is new.

        A field whose source is the very array this department copied last month, and still
        the truth's current array, holds the same values in the admin view already: the truth's
        arrays are replaced whenever they change (never edited in place, except for the few
        households the demography touches, which :meth:`observe` copies on their own), and
        everything else that writes these admin fields (visits, declarations) copies the
        truth's current values. Misreporting changes declared wages only where human resources
        data are not linked (so never a field this department copies), savings only where
        finance data are not linked, and other income (no department's).
        """
        out = []
        for name in names:
            array = getattr(source, name)
            copied = self._copied.get((dept, name))
            if copied is not None and array is copied() and array is getattr(truth, name):
                continue
            self._copied[(dept, name)] = weakref.ref(array)
            out.append(name)
        return tuple(out)

    def warnings(self, admin: Facts, a: Assessment, v: Values, t: int,
                 enrolled: np.ndarray, busy: np.ndarray) -> dict[str, np.ndarray]:
        """The month's warnings per rule (household masks), after the cool-down.

        Args:
            admin: the admin view, refreshed this month.
            a: assessment of the admin view.
            v: scenario values in force.
            t: month index.
            enrolled: households currently enrolled (any tier or gradual exit).
            busy: households with an open case (their alerts merge into it, uncounted).
        """
        w = v.warnings
        lk = self.linked
        exists = (a.size > 0) & ~busy
        income = admin.income()
        monitored = enrolled | (a.income_pc < w.monitoring_line_multiple * v.policy.dibao_line)
        # the rigid-expenditure rules watch households up to the rigid tier's income cap, or
        # only the monitored low-income population (warnings.monitored_only)
        watched = (monitored if w.monitored_only
                   else enrolled | (a.income_pc < v.policy.rigid_income_cap))

        def cooled(raised: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            """Each rule's warnings after its cool-down (each rule's records are its own)."""
            out = {}
            for rule, mask in raised.items():
                mask = mask & exists & (t - self.last_warned[rule] >= max(w.cooldown_months, 1))
                self.last_warned[rule][mask] = t
                out[rule] = mask
            return out

        def from_households() -> dict[str, np.ndarray]:
            raised: dict[str, np.ndarray] = {}
            if w.medical_surge:
                surge = ((admin.medical_oop >= w.medical_surge_amount)
                         | (admin.medical_oop >= w.medical_surge_ratio * np.maximum(income, 1e-9)))
                raised["medical_surge"] = (lk["medical_insurance"] & surge
                                           & (admin.medical_oop > 0) & watched)
            if w.income_drop:
                drop = (self.prev_income > 0) & (
                    self.prev_income - income >= w.income_drop_share * self.prev_income)
                raised["income_drop"] = lk["human_resources"] & drop & monitored
            if w.disaster_hit:
                raised["disaster_hit"] = (lk["emergency_management"] & (admin.damage > 0)
                                          & monitored)
            if w.rigid_ratio:
                raised["rigid_ratio"] = (self.rigid_linked & ~enrolled & a.assets_ok
                                         & a.registered & rigid_test(admin, v) & watched
                                         & (a.income_pc < v.policy.rigid_income_cap))
            if w.screening:
                # (t + offset) % n == 0, with the offsets' phases worked out once per cycle
                due = self._phase(w.screening_months) == -t % w.screening_months
                raised["screening"] = (self.any_linked & ~enrolled
                                       & self._screen(admin, a, v, due))
            return cooled(raised)

        def from_members() -> dict[str, np.ndarray]:
            raised: dict[str, np.ndarray] = {}
            if w.disability_onset:
                raised["disability_onset"] = (lk["disability_federation"]
                                              & (admin.count(admin.disability == SEVERE)
                                                 > self.prev_severe) & monitored)
            if (w.death_of_earner and self.prev_alive is not None
                    and self.prev_works is not None):
                gone = self.prev_alive & ~admin.alive & self.prev_works
                bereaved = np.zeros(len(income), dtype=bool)
                bereaved[admin.hh[gone]] = True
                raised["death_of_earner"] = lk["public_security"] & monitored & bereaved
            return cooled(raised)

        # the rules on household facts beside those on members' (each writes its own records)
        by_households, by_members = together(from_households, from_members)
        found = by_households | by_members
        return {rule: found[rule] for rule in WARNING_RULES if rule in found}


    def _phase(self, months: int) -> np.ndarray:
        """Each household's screening offset modulo ``months``."""
        if self._phases is None or self._phases[0] != months:
            self._phases = months, self.screening_offset % months
        return self._phases[1]

    def _screen(self, admin: Facts, a: Assessment, v: Values, due: np.ndarray) -> np.ndarray:
        """Households due for screening whose observed facts pass the tier tests.

        Screening runs on the data the administration has: where no department links a
        household's savings, homes or car, the assets test cannot fail on them (a home visit
        verifies), so a stale record does not hide a household from screening.
        """
        found = a.eligible & due
        unsure = flatnonzero(due & ~a.eligible & ~a.assets_ok & a.registered
                                & (a.income_pc < income_ceiling(v)) & (a.size > 0) & (
            ~self.linked["finance"] | ~self.linked["housing"] | ~self.linked["public_security"]))
        if not len(unsure):
            return found
        view = admin.read_subset(unsure)
        view.financial_assets = np.where(self.linked["finance"][unsure],
                                         view.financial_assets, 0.0)
        view.homes_owned = np.where(self.linked["housing"][unsure], view.homes_owned,
                                    np.minimum(view.homes_owned, 1)).astype(np.int8)
        view.car = np.where(self.linked["public_security"][unsure], view.car, False)
        found[unsure] = assess(view, v).eligible
        return found


class _FactsView:
    """Attribute access to a snapshot dict, so :meth:`Facts.reveal` can read it."""

    def __init__(self, data: dict[str, np.ndarray]) -> None:
        self.__dict__.update(data)
