"""Synthetic households from scenario parameters, with sampling weights.

Low-income households are over-sampled (``population.oversample_low_income``) by Poisson sampling:
candidates are generated round after round and each is kept with probability ``a`` (1 for
low-income, 1/factor otherwise); weights ∝ 1/a then sum to ``households_represented``. Rare
households are thus seen often enough to measure missed cases and leakage without bias.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from reliefsim.aggregates import member_flows, school_levels
from reliefsim.facts import MILD, SEVERE, Facts
from reliefsim.kernels import standard_normal
from reliefsim.rng import Streams
from reliefsim.scenario import Values

RING_MONTHS = 12


@dataclass
class Population:
    """Households with their true facts and the things that never change during a run.

    Households are stored district by district (and street by street within a district), so
    a district's households are one range of rows, ``bounds[d]:bounds[d + 1]``, and its
    members one range too.

    Attributes:
        facts: true facts.
        weight: real households represented by each simulated one.
        street: street office index per household.
        district: district index per household (ascending).
        misreporter: under-declares income when applying.
        ids: household identifiers (strings).
        district_names: one name per district.
        file_order: for imported households, the row each came from (they are stored street by
            street); None for a synthetic town.
    """

    facts: Facts
    weight: np.ndarray
    street: np.ndarray
    district: np.ndarray
    misreporter: np.ndarray
    ids: Sequence[str]
    district_names: tuple[str, ...] = ()
    file_order: np.ndarray | None = None

    def __post_init__(self) -> None:
        if np.any(np.diff(self.district) < 0):
            raise ValueError("households must be stored district by district")
        n_districts = int(self.district.max()) + 1 if len(self.district) else 1
        if not self.district_names:
            self.district_names = tuple(f"district {d + 1}" for d in range(n_districts))
        self.bounds = np.searchsorted(self.district, np.arange(len(self.district_names) + 1)
                                      ).astype(np.int64)
        self.bounds[-1] = len(self.district)
        counts = self.facts.member_counts()
        member_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.member_bounds = member_start[self.bounds]

    @property
    def n(self) -> int:
        """Number of simulated households."""
        return len(self.weight)


class SerialIds(Sequence[str]):
    """The identifiers ``h0, h1, …`` of ``n`` synthetic households, made when asked for."""

    def __init__(self, n: int) -> None:
        self.n = int(n)

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> str:
        ...

    @overload
    def __getitem__(self, i: slice) -> list[str]:
        ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [f"h{k}" for k in range(*i.indices(self.n))]
        k = int(i)
        if not -self.n <= k < self.n:
            raise IndexError(f"household {k} out of range (0…{self.n - 1})")
        return f"h{k % self.n}"


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * standard_normal(rng, n))


def _members(rng: np.random.Generator, v: Values, size: np.ndarray) -> dict[str, np.ndarray]:
    """Draw members for households of the given sizes (ages, health, work, pay)."""
    pop = v.population
    k = len(size)
    hh = np.repeat(np.arange(k), size)
    m = len(hh)
    starts = np.concatenate(([0], np.cumsum(size)[:-1]))
    pos = np.arange(m) - starts[hh]
    head_age = rng.uniform(pop.head_age_min, pop.head_age_max, k)[hh]
    spouse_gap = 0.0 + 3.0 * standard_normal(rng, m)  # as rng.normal(0, 3, m) computes it
    spouse_age = np.clip(head_age + spouse_gap, 18, 100)
    # a young head lives with children (and, in big households, a parent); an older head with
    # an adult child and the child's spouse, then grandchildren
    child_age = rng.uniform(0, 1, m) * np.clip(head_age - 20, 1, 22)
    grandparent = np.minimum(head_age + rng.uniform(22, 32, m), 95)
    # as rng.uniform(22, high) computes it (22 + (high − 22) × one double each), without its
    # slower path for an array of bounds
    adult_child = 22.0 + (np.maximum(head_age - 22, 23) - 22.0) * rng.random(m)
    grandchild = rng.uniform(0, 1, m) * np.clip(adult_child - 20, 1, 15)
    other = np.where(head_age < pop.older_head_age, np.where(pos >= 4, grandparent, child_age),
                     np.where(pos <= 3, adult_child, grandchild))
    age = np.where(pos == 0, head_age, np.where(pos == 1, spouse_age, other))
    h_effect = standard_normal(rng, k)[hh]
    rho = pop.household_wage_correlation
    z = np.sqrt(rho) * h_effect + np.sqrt(1.0 - rho) * standard_normal(rng, m)
    wage = np.maximum(pop.wage_median * np.exp(pop.wage_sigma * z), pop.minimum_wage)
    pension = np.where(rng.random(m) < pop.no_pension_share, pop.basic_pension,
                       pop.pension_median * np.exp(pop.pension_sigma * z))
    pension = np.where(age >= pop.retirement_age, pension, 0.0)
    u = rng.random(m)
    disability = np.where(u < pop.severe_disability_share, SEVERE,
                          np.where(u < pop.severe_disability_share + pop.mild_disability_share,
                                   MILD, 0)).astype(np.int8)
    serious = rng.random(m) < pop.serious_illness_share
    chronic = (age >= 60) & (rng.random(m) < pop.chronic_share_60plus)
    self_care = (((age >= 75) & (rng.random(m) < pop.unable_self_care_share_75plus))
                 | ((disability == SEVERE) & (rng.random(m) < pop.unable_self_care_share_severe)))
    # students in tertiary education live in their parents' household, not on their own
    tertiary_track = (rng.random(m) < pop.tertiary_enrolment) & (pos > 0)
    phone_share = np.where(age < 60, pop.smartphone_share_under60,
                           np.where(age < 70, pop.smartphone_share_60_69,
                                    np.where(age < 80, pop.smartphone_share_70_79,
                                             pop.smartphone_share_80plus)))
    smartphone = rng.random(m) < phone_share
    can_work = (able_to_work(age, disability, serious, v)
                & (student_level(age, tertiary_track, pop.school_ages) == 0))
    works = can_work & (rng.random(m) < pop.employment_rate)
    # most households with someone able to work have an earner: the first able member works
    idle = np.bincount(hh, weights=works, minlength=k) == 0
    first_able = np.full(k, m)
    able = np.flatnonzero(can_work)  # members are in household order: the first is the least
    lead = np.ones(len(able), dtype=bool)
    lead[1:] = hh[able[1:]] != hh[able[:-1]]
    first_able[hh[able[lead]]] = able[lead]
    pick = idle & (first_able < m) & (rng.random(k) < pop.earner_share)
    works[first_able[pick]] = True
    # the able who do not work are unemployed job seekers or out of the labour force
    # (someone living alone who can work but does not is looking for work)
    seeking = can_work & ~works & ((rng.random(m) < pop.seeking_share) | (size[hh] == 1))
    return {
        "hh": hh, "age": age, "alive": np.ones(m, dtype=bool), "works": works, "wage": wage,
        "pension": pension, "disability": disability, "serious_illness": serious,
        "chronic": chronic, "unable_self_care": self_care,
        "student": student_level(age, tertiary_track, pop.school_ages),
        "tertiary_track": tertiary_track,
        "smartphone": smartphone, "benefit": np.zeros(m),
        "benefit_months": np.zeros(m, dtype=np.int16), "seeking": seeking,
    }


def able_to_work(age: np.ndarray, disability: np.ndarray, serious_illness: np.ndarray,
                 v: Values) -> np.ndarray:
    """Physically able to hold a job: working age, no severe disability, no serious illness."""
    p = v.population
    return ((age >= p.work_start_age) & (age < p.retirement_age) & (disability < SEVERE)
            & ~serious_illness)


def student_level(age: np.ndarray, tertiary_track: np.ndarray,
                  school_ages: list[float]) -> np.ndarray:
    """School level by age: 1 primary, 2 secondary, 3 tertiary (if on that track), 0 none.

    Args:
        age: member ages (years).
        tertiary_track: members who go on to tertiary education.
        school_ages: ``population.school_ages``, the ages at which primary, secondary and
            tertiary school start and tertiary school ends (baseline 6, 12, 18, 23).
    """
    level = school_levels(age, tertiary_track, school_ages)
    if level is not None:
        return level
    primary, secondary, tertiary, leaving = school_ages
    level = np.zeros(len(age), dtype=np.int8)
    young = np.flatnonzero(age < leaving)  # nobody older is at school
    a = age[young]
    level[young] = np.select([(a >= primary) & (a < secondary), (a >= secondary) & (a < tertiary),
                              (a >= tertiary) & tertiary_track[young]], [1, 2, 3], 0)
    return level


def monthly_flows(f: Facts, v: Values, z: np.ndarray) -> None:
    """Set this month's rigid expenditure flows (medical, care, rehab, education) from members.

    Medical out-of-pocket for ill members is log-normal in ``z`` (one standard normal per
    member); the hospital cost of a new serious illness is added by the shocks module.
    """
    s = v.shocks
    alive = f.alive
    ill = f.serious_illness
    sick = np.flatnonzero((ill | f.chronic) & alive)
    spread = np.exp(s.oop_sigma * z[sick])
    oop = np.where(ill[sick], s.serious_oop_median * spread, s.chronic_oop_median * spread)
    f.medical_oop = f.sum_members(sick, oop)
    cost = np.array([0.0, s.education_cost.primary, s.education_cost.secondary,
                     s.education_cost.tertiary])
    counted = member_flows(f.hh, alive, f.unable_self_care, f.disability, SEVERE, f.student, cost,
                           f.n_households)
    if counted is None:
        pupils = np.flatnonzero((f.student > 0) & alive)
        counted = (f.count(f.unable_self_care), f.count(f.disability == SEVERE),
                   f.sum_members(pupils, cost[f.student[pupils]]))
    unable, severe, f.education = counted
    f.care = s.care_cost * unable
    f.rehab = s.rehab_cost * severe


def _households(rng: np.random.Generator, v: Values, k: int) -> dict[str, np.ndarray]:
    pop = v.population
    size = rng.choice(np.arange(1, len(pop.size_probs) + 1), size=k, p=pop.size_probs)
    homes = rng.choice(3, size=k, p=pop.homes_probs).astype(np.int8)
    rent = np.where(homes == 0, _lognormal(rng, pop.rent_median, pop.rent_sigma, k), 0.0)
    return {
        "size": size,
        "other_income": np.where(rng.random(k) < pop.other_income_share,
                                 rng.exponential(pop.other_income_mean / pop.other_income_share,
                                                 k), 0.0),
        "asset_factor": np.exp(pop.assets_sigma * standard_normal(rng, k)),
        "homes_owned": homes,
        "floor_space_pc": _lognormal(rng, pop.floor_space_median, pop.floor_space_sigma, k),
        "car": rng.random(k) < pop.car_share,
        "rent": rent,
        "has_capable_supporter": rng.random(k) < pop.capable_supporter_share,
        "street": rng.integers(0, pop.streets, k),
        "misreporter": rng.random(k) < pop.misreporter_share,
    }


def _round(streams: Streams, v: Values, k: int, r: int) -> tuple[dict, dict]:
    rng = streams("population", -100 - r)
    house = _households(rng, v, k)
    members = _members(rng, v, house["size"])
    return house, members


def build_facts(house: dict[str, np.ndarray], members: dict[str, np.ndarray],
                v: Values, rng: np.random.Generator) -> Facts:
    """Assemble :class:`Facts` from household and member columns; fill the rings.

    The rings are filled with the current month's income and rigid expenditure, as if the last
    12 months had been like this one.
    """
    k = len(house["size"])
    zeros = np.zeros(k)
    f = Facts(
        **members,
        wages=zeros.copy(), pensions=zeros.copy(), other_income=house["other_income"],
        financial_assets=zeros.copy(), homes_owned=house["homes_owned"],
        floor_space_pc=house["floor_space_pc"], car=house["car"], rent=house["rent"],
        has_capable_supporter=house["has_capable_supporter"], medical_oop=zeros.copy(),
        care=zeros.copy(), rehab=zeros.copy(), education=zeros.copy(),
        damage=np.zeros(k, dtype=np.int8), income_window=zeros.copy(),
        rigid_window=zeros.copy(), income_ring=np.zeros((RING_MONTHS, k)),
        rigid_ring=np.zeros((RING_MONTHS, k)),
    )
    f.refresh_incomes()
    f.financial_assets = v.population.assets_months_median * f.income() * house["asset_factor"]
    monthly_flows(f, v, standard_normal(rng, len(f.age)))
    # every past month like this one: the same row in every slot, windows summed at the end
    f.push_month(0, tuple(v.policy.rigid_items), v.policy.rigid_window_months)
    f.income_ring[1:] = f.income_ring[0]
    f.rigid_ring[1:] = f.rigid_ring[0]
    f.update_windows(RING_MONTHS - 1, v.policy.rigid_window_months)
    return f


def _select(columns: dict[str, np.ndarray], keep: np.ndarray, hh: np.ndarray | None = None
            ) -> dict[str, np.ndarray]:
    rows = np.flatnonzero(keep if hh is None else keep[hh])
    return {name: col[rows] for name, col in columns.items()}


def synthesize(v: Values, n: int, streams: Streams) -> Population:
    """Generate ``n`` weighted households from the scenario's population parameters.

    Args:
        v: scenario values at the start month.
        n: simulated households.
        streams: common-random-number streams of the replication.

    Returns:
        The population, with weights summing to ``population.households_represented``.
    """
    pop = v.population
    factor = pop.oversample_low_income
    kept_h: list[dict] = []
    kept_m: list[dict] = []
    inv_prob: list[np.ndarray] = []
    total, r = 0, 0
    while total < n:
        house, members = _round(streams, v, n, r)
        size = house["size"]
        hh = members["hh"]
        income = (np.bincount(hh, weights=members["wage"] * members["works"], minlength=n)
                  + np.bincount(hh, weights=members["pension"], minlength=n)
                  + house["other_income"])
        low = income / size < pop.low_income_cut
        accept_prob = np.where(low, 1.0, 1.0 / factor)
        keep = streams("population-accept", -100 - r).random(n) < accept_prob
        take = np.flatnonzero(keep)[: n - total]
        mask = np.zeros(n, dtype=bool)
        mask[take] = True
        kept_h.append(_select(house, mask))
        kept_m.append(_select(members, mask, hh))
        inv_prob.append(1.0 / accept_prob[mask])
        total += len(take)
        r += 1
    house = {k: np.concatenate([h[k] for h in kept_h]) for k in kept_h[0]}
    members = {k: np.concatenate([m[k] for m in kept_m]) for k in kept_m[0] if k != "hh"}
    w = np.concatenate(inv_prob)
    # households street by street (so district by district), members following them
    order = np.argsort(house["street"], kind="stable")
    size = house["size"]
    first = np.concatenate(([0], np.cumsum(size)[:-1]))
    moved = np.repeat(first[order] - np.concatenate(([0], np.cumsum(size[order])[:-1])),
                      size[order]) + np.arange(int(size.sum()))
    house = {k: col[order] for k, col in house.items()}
    members = {k: col[moved] for k, col in members.items()}
    members["hh"] = np.repeat(np.arange(n), house["size"])
    w = w[order]
    f = build_facts(house, members, v, streams("population-flows", -1))
    weight = w * pop.households_represented / w.sum()
    street = house["street"].astype(np.int32)
    district = (street * pop.districts // pop.streets).astype(np.int32)
    return Population(f, weight, street, district, house["misreporter"],
                      SerialIds(n))
