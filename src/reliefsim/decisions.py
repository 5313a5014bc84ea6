"""What a home visit decides: verification, enrolment, tier changes, gradual exit, one-off aid.

A visit sees the true facts with probability ``casework.visit_accuracy``; otherwise the case is
decided on what the administration already holds (linked data and declarations). The decision then
applies the same rules as everywhere else to the (now corrected) admin view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reliefsim.caseload import Caseload
from reliefsim.codes import ENROLLABLE_TIERS
from reliefsim.facts import Facts
from reliefsim.kernels import flatnonzero
from reliefsim.population import Population
from reliefsim.rules import (
    DIBAO,
    NONE,
    TIER_CODE,
    Assessment,
    assess,
    disaster_grant,
    reassess,
    temporary_cap,
)
from reliefsim.scenario import Values
from reliefsim.shocks import Events


@dataclass
class Hardship:
    """True sudden hardships (RULES.md §4 temporary assistance), per household.

    Attributes:
        need: uncovered need from recent shocks (yuan).
        month: month of the latest shock.
        disaster_level: damage level of the latest disaster.
        disaster_month: month of the latest disaster.
    """

    need: np.ndarray
    month: np.ndarray
    disaster_level: np.ndarray
    disaster_month: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Hardship:
        """No hardship anywhere."""
        return cls(np.zeros(n), np.full(n, -10_000, dtype=np.int32),
                   np.zeros(n, dtype=np.int8), np.full(n, -10_000, dtype=np.int32))

    def reset(self, households: np.ndarray) -> None:
        """No hardship for the given households (new ones in their slots)."""
        self.need[households] = 0.0
        self.month[households] = -10_000
        self.disaster_level[households] = 0
        self.disaster_month[households] = -10_000

    def recent(self, t: int, lookback: int) -> np.ndarray:
        """Households with a sudden hardship within the look-back window."""
        return (self.need > 0) & (t - self.month <= lookback)

    def add(self, t: int, need: np.ndarray, lookback: int, disaster: np.ndarray) -> None:
        """Record this month's new needs (older needs expire after the look-back)."""
        self.need[t - self.month > lookback] = 0.0
        self.need += need
        self.month[need > 0] = t
        hit = flatnonzero(disaster > 0)
        self.disaster_level[hit] = disaster[hit]
        self.disaster_month[hit] = t

    def record(self, t: int, v: Values, truth: Facts, ev: Events, size: np.ndarray) -> None:
        """Note this month's shocks as hardship (RULES.md §4, temporary assistance).

        Hospital and disaster costs, and a job loss that leaves the household without income
        (a month of the dibao line per member).
        """
        lost_job = np.zeros(len(size), dtype=bool)
        lost_job[truth.hh[ev.job_loss]] = True
        lost = flatnonzero(lost_job)
        lost = lost[truth.income(lost) == 0]
        need = ev.hospital_cost + ev.disaster_cost
        need[lost] += v.policy.dibao_line * size[lost]  # the others' job gap is 0.0
        self.add(t, need, v.casework.temporary_lookback_months, ev.disaster)


@dataclass
class Spells:
    """Spells of true eligibility, for the warnings' recall (RULES.md §6).

    A spell starts in the month a household becomes truly eligible and ends when it no longer
    is; it was found when a warning reached the household while it lasted.

    Attributes:
        start: month the current spell started (−1: not eligible).
        warned: the current spell has been warned.
        eligible: last month's true eligibility.
    """

    start: np.ndarray
    warned: np.ndarray
    eligible: np.ndarray

    @classmethod
    def begin(cls, eligible: np.ndarray) -> Spells:
        """No spell open; last month's eligibility as given (spells start when it changes)."""
        n = len(eligible)
        return cls(np.full(n, -1, dtype=np.int32), np.zeros(n, dtype=bool), eligible.copy())

    def track(self, eligible: np.ndarray, t: int, since: int, final: bool = False
              ) -> tuple[np.ndarray, np.ndarray]:
        """Open and close spells for this month's true eligibility.

        Args:
            eligible: this month's true eligibility per household.
            t: month index.
            since: only spells started from this month on are counted (the measured ones).
            final: the run's last month: spells still open count as ended (censored).

        Returns:
            The counted spells that ended this month, and those of them that were warned.
        """
        became = eligible & ~self.eligible
        ended = (self.start >= since) & (~eligible | final)
        found = ended & self.warned
        self.start[~eligible] = -1
        self.start[became] = t
        self.warned[became] = False
        self.eligible = eligible.copy()
        if final:
            ended = ended | (became & (t >= since))
        return ended, found

    def reset(self, households: np.ndarray) -> None:
        """No spell for the given households (new ones in their slots)."""
        self.start[households] = -1
        self.warned[households] = False
        self.eligible[households] = False


@dataclass
class Followup:
    """Whether warnings led to help within ``warnings.followup_months`` (RULES.md §6).

    Attributes:
        month: month of the household's latest warning (−10,000: none).
        pending: warnings raised since the household was last helped and still within reach.
    """

    month: np.ndarray
    pending: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Followup:
        """No warning yet."""
        return cls(np.full(n, -10_000, dtype=np.int32), np.zeros(n, dtype=np.int16))

    def reset(self, households: np.ndarray) -> None:
        """No warning waiting for the given households (new ones in their slots)."""
        self.month[households] = -10_000
        self.pending[households] = 0

    def raised(self, households: np.ndarray, count: np.ndarray, t: int, followup: int) -> None:
        """Note ``count`` new warnings for each of the given households in month ``t``."""
        stale = t - self.month[households] > followup
        self.pending[households] = np.where(stale, 0, self.pending[households]) + count
        self.month[households] = t

    def helped(self, households: np.ndarray, t: int, followup: int) -> np.ndarray:
        """Warnings that led to help, for households helped this month (and clear them)."""
        recent = t - self.month[households] <= followup
        out = np.where(recent, self.pending[households], 0)
        self.pending[households] = 0
        return out


@dataclass
class Outcome:
    """What the month's visits decided (arrays over the visited households, in visit order).

    ``assessment`` is the assessment of the whole admin view after the visits.
    """

    visited: np.ndarray
    accurate: np.ndarray
    helped: np.ndarray  # new enrolment, a higher-paying tier or new one-off aid (RULES.md §6)
    newly_enrolled: np.ndarray
    temporary: np.ndarray
    disaster: np.ndarray
    old_tier: np.ndarray
    new_tier: np.ndarray
    exits: np.ndarray
    gradual: np.ndarray
    assessment: Assessment
    old_individual: np.ndarray
    new_individual: np.ndarray


def visit(pop: Population, admin: Facts, case: Caseload, hardship: Hardship,
          declared: np.ndarray, visited: np.ndarray, v: Values, u: np.ndarray, t: int,
          em_linked: np.ndarray, before: Assessment | None = None,
          changed: np.ndarray | None = None) -> Outcome:
    """Verify and decide the visited households.

    Args:
        pop: population (true facts).
        admin: admin view (changed in place: accurate visits reveal the truth).
        case: case records (changed in place).
        hardship: true sudden hardships (needs reduced by what is paid).
        declared: per household, the open case holds declared facts (an application or a
            review's declaration): a misreporter seen by the visit is caught.
        visited: household indices visited this month.
        v: scenario values in force.
        u: this month's visit-accuracy draws, one per visited household.
        t: month index.
        em_linked: households linked to emergency-management data.
        before: an assessment of the admin view made earlier this month (optional).
        changed: mask of the households whose admin facts changed since ``before``; with it,
            only those and the visited ones are assessed again.
    """
    n = pop.n
    lookback = v.casework.temporary_lookback_months
    accurate = u < v.casework.visit_accuracy
    seen = np.zeros(n, dtype=bool)
    seen[visited[accurate]] = True
    caught = seen & pop.misreporter & declared
    admin.reveal(pop.facts, seen)
    if before is None or changed is None:
        a = assess(admin, v)
    else:
        a = reassess(admin, v, before, flatnonzero(changed | seen))

    old = case.tier[visited].copy()
    new = a.tier[visited]
    old_individual = case.individual[visited].copy()
    new_individual = np.where(new == NONE, a.individual[visited], 0).astype(np.int8)
    in_exit = case.in_exit(t, visited)
    immediate = caught[visited] | ~a.assets_ok[visited] | (a.size[visited] == 0)
    falling = (old > 0) & (new < old)
    gradual = falling & ~immediate & ~in_exit & (v.policy.exit_period_months > 0)
    idx_g = visited[gradual]
    case.exit_until[idx_g] = t + v.policy.exit_period_months
    case.exit_from[idx_g] = old[gradual]
    case.exit_amount[idx_g] = case.last_basic[idx_g] * v.policy.exit_benefit_share
    back = in_exit & (new >= case.exit_from[visited])
    case.exit_until[visited[back]] = -1
    ends_exit = in_exit & immediate
    case.exit_until[visited[ends_exit]] = -1
    was_enrolled = (old > NONE) | (old_individual > 0)
    now_enrolled = (new > NONE) | (new_individual > 0)
    newly = ~was_enrolled & now_enrolled & ~in_exit
    case.tier[visited] = new
    case.individual[visited] = new_individual
    case.since[visited[newly]] = t
    case.since[visited[~now_enrolled]] = -1
    review = np.array([v.casework.review_months[name] for name in ENROLLABLE_TIERS])
    codes = np.array([TIER_CODE[name] for name in ENROLLABLE_TIERS])
    months = np.zeros(len(TIER_CODE), dtype=np.int64)
    months[codes] = review
    # households with individually enrolled members are reviewed on dibao's cycle
    cycle = months[np.where(new > NONE, new, DIBAO)]
    case.next_review[visited] = np.where(now_enrolled, t + cycle, 1 << 30)

    size = a.size[visited]
    temporary, disaster = _one_off_aid(pop, admin, case, hardship, visited, seen[visited],
                                       size, v, t, lookback, em_linked)
    helped = newly | ((old > NONE) & (new > old)) | (temporary > 0) | (disaster > 0)
    gave = now_enrolled | case.in_exit(t, visited) | (temporary > 0) | (disaster > 0)
    exits = falling & (new == NONE) & ~gradual
    case.rejected[visited[~gave]] = t
    return Outcome(visited, accurate, helped, newly, temporary, disaster, old, new, exits,
                   gradual, a, old_individual, new_individual)


def _one_off_aid(pop: Population, admin: Facts, case: Caseload, hardship: Hardship,
                 visited: np.ndarray, seen: np.ndarray, size: np.ndarray, v: Values, t: int,
                 lookback: int, em_linked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Temporary assistance and disaster grants decided at the visit."""
    # temporary assistance: the need the visit sees (true when accurate; otherwise what the
    # household declares: honest households their true need, misreporters a share of the cap)
    cap = temporary_cap(v, size)
    true_need = np.where(hardship.recent(t, lookback)[visited], hardship.need[visited], 0.0)
    claimed = np.where(pop.misreporter[visited], v.behaviour.misreport_temporary_claim * cap,
                       true_need)
    # uncovered need: what the household's own savings cannot cover
    need = np.maximum(np.where(seen, true_need, claimed) - admin.financial_assets[visited], 0.0)
    unpaid = case.temporary_paid[visited] < hardship.month[visited]
    unpaid |= ~seen & pop.misreporter[visited] & (t - case.temporary_paid[visited] > lookback)
    temporary = np.where(unpaid & (need > 0) & (size > 0), np.minimum(need, cap), 0.0)
    paid = visited[temporary > 0]
    case.temporary_paid[paid] = t
    hardship.need[paid] = np.maximum(hardship.need[paid] - temporary[temporary > 0], 0.0)

    # disaster grants: verified damage (the visit sees it; otherwise linked or declared data)
    recent = t - hardship.disaster_month[visited] <= lookback
    level = np.where(recent, hardship.disaster_level[visited], 0)
    level = np.where(seen | ~em_linked[visited], level,
                     np.maximum(level, admin.damage[visited])).astype(np.int8)
    fresh = case.disaster_paid[visited] < hardship.disaster_month[visited]
    disaster = np.where(fresh, disaster_grant(v, level), 0.0)
    case.disaster_paid[visited[disaster > 0]] = t
    return temporary, disaster
