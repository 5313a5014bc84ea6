"""The synthetic city: households in slots, with sampling weights, districts and registration.

Every household lives in a **slot** (a row of the household arrays) with room for a fixed number
of members (its slot's member capacity, ``population.spare_member_slots`` more than it had at the
start). Slots never move: births fill a free member slot, households that leave or dissolve
leave their slot vacant, and new households (formed, or moving in) take vacant slots
(:mod:`reliefsim.demography`). Slots are stored district by district, street by street, so a
district is one range of rows; a slot is a household's stable place for the common random
numbers, which are drawn per slot.

Low-income households are over-sampled (``population.oversample_low_income``) by Poisson
sampling: candidates are drawn batch after batch and each is kept with probability ``a`` (1 for
low-income, 1/factor otherwise); weights ∝ 1/a then sum to ``households_represented``. Rare
households are thus seen often enough to measure missed cases and leakage without bias.
Households moving in are sampled the same way (:func:`draw_newcomers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from reliefsim.aggregates import member_flows, school_levels
from reliefsim.facts import HOUSEHOLD_FIELDS, MEMBER_DTYPES, MEMBER_FIELDS, SEVERE, Facts
from reliefsim.kernels import flatnonzero, standard_normal
from reliefsim.rng import Streams
from reliefsim.scenario import Values
from reliefsim.threads import together

RING_MONTHS = 12


@dataclass
class Population:
    """Household slots with their true facts and the things that never change during a run.

    Attributes:
        facts: true facts.
        weight: real households represented by the household in each slot (0: vacant).
        street: street office index per slot.
        district: district index per slot (ascending: slots are stored district by district).
        misreporter: the household under-declares income and savings when it declares.
        hid: household identifier per slot, −1 for a vacant slot (a new household in a slot
            gets a new one).
        saving: per slot, the share of its surplus the household saves (:mod:`economy`).
        district_names: one name per district.
        file_order: for imported households, the row each came from (they are stored street by
            street); None for a synthetic town.
        ids: household identifiers as text (imported files keep their own).
        unit_weights: every household stands for one household (a classroom town): households
            that move in count one each instead of the flow they replace.
        free_homes: per district, owned homes on the market (weighted): freed by households
            that leave the city or dissolve and by owners who sell, taken by households that
            move in and by buyers.
    """

    facts: Facts
    weight: np.ndarray
    street: np.ndarray
    district: np.ndarray
    misreporter: np.ndarray
    hid: np.ndarray
    saving: np.ndarray
    district_names: tuple[str, ...] = ()
    file_order: np.ndarray | None = None
    text_ids: Sequence[str] | None = None
    unit_weights: bool = False
    free_homes: np.ndarray | None = None

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
        self.next_hid = int(self.hid.max()) + 1 if len(self.hid) else 0
        if self.free_homes is None:
            self.free_homes = np.zeros(len(self.district_names))

    @property
    def n(self) -> int:
        """Number of household slots (occupied or vacant)."""
        return len(self.weight)

    @property
    def occupied(self) -> np.ndarray:
        """Per slot, whether a household lives in it."""
        return self.hid >= 0

    @property
    def ids(self) -> Sequence[str]:
        """Household identifiers as text, one per slot (``h<number>`` for synthetic ones)."""
        if self.text_ids is not None:
            return self.text_ids
        return [f"h{k}" for k in self.hid]

    def new_ids(self, k: int) -> np.ndarray:
        """``k`` fresh household identifiers."""
        out = np.arange(self.next_hid, self.next_hid + k, dtype=np.int64)
        self.next_hid += k
        return out


# ---------------------------------------------------------------- drawing households
def lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    """``n`` log-normal draws with the given median and log-sigma."""
    return median * np.exp(sigma * standard_normal(rng, n))


def draw_households(rng: np.random.Generator, v: Values, k: int, newcomers: bool = False
                    ) -> dict[str, np.ndarray]:
    """Household-level facts of ``k`` new households (sizes, housing, assets, registration).

    Args:
        rng: the generator to draw from.
        v: scenario values in force.
        k: how many.
        newcomers: households moving into the city (``population.newcomer_*``) rather than
            the city's own.
    """
    pop = v.population
    probs = pop.newcomer_size_probs if newcomers else pop.size_probs
    size = rng.choice(np.arange(1, len(probs) + 1), size=k, p=probs)
    # households moving in rent until they take one of the homes the city's leavers freed
    homes = (np.zeros(k, dtype=np.int8) if newcomers
             else rng.choice(3, size=k, p=pop.homes_probs).astype(np.int8))
    rent = np.where(homes == 0, lognormal(rng, pop.rent_median * v.economy.rent_index,
                                          pop.rent_sigma, k), 0.0)
    owners = homes > 0
    registered_share = (np.full(k, pop.newcomer_registered_share) if newcomers else
                        np.where(owners, pop.registered_share_owners,
                                 pop.registered_share_renters))
    return {
        "size": size,
        "other_income": np.where(rng.random(k) < pop.other_income_share,
                                 rng.exponential(pop.other_income_mean / pop.other_income_share,
                                                 k), 0.0),
        "asset_factor": np.exp(pop.assets_sigma * standard_normal(rng, k)),
        "homes_owned": homes,
        "floor_space_pc": lognormal(rng, pop.floor_space_median, pop.floor_space_sigma, k),
        "car": rng.random(k) < pop.car_share,
        "rent": rent,
        "has_capable_supporter": rng.random(k) < pop.capable_supporter_share,
        "misreporter": rng.random(k) < pop.misreporter_share,
        "registered": rng.random(k) < registered_share,
    }


def draw_wage_base(rng: np.random.Generator, v: Values, z: np.ndarray) -> np.ndarray:
    """Members' permanent pay levels (at the profile's peak age) from standard normals ``z``.

    Log-normal about ``population.wage_median`` with spread ``population.wage_sigma``; a share
    ``population.low_pay_share`` work in low-paid, often informal jobs at
    ``population.low_pay_ratio`` × that level. In yuan of the month in force (the median follows
    ``economy.wage_index``); a member's pay at an age is this level × :func:`age_factor`.
    """
    pop = v.population
    index = v.economy.wage_index
    low = rng.random(len(z)) < pop.low_pay_share
    level = np.multiply(pop.wage_sigma, z)
    np.exp(level, out=level)
    level *= pop.wage_median * index
    level[low] *= pop.low_pay_ratio
    return level.astype(np.float32)


def age_factor(age: np.ndarray, v: Values) -> np.ndarray:
    """Pay at an age relative to the peak: exp(−curvature × ((age − peak) ÷ 10)²).

    ``population.wage_age_peak`` and ``population.wage_age_curvature`` (a concave age–earnings
    profile, as in Mincer's equation).
    """
    pop = v.population
    decades = (np.asarray(age, dtype=np.float32) - pop.wage_age_peak) / np.float32(10.0)
    return np.exp(-np.float32(pop.wage_age_curvature) * decades * decades).astype(np.float32)


def pay(base: np.ndarray, age: np.ndarray, v: Values) -> np.ndarray:
    """A member's pay level at its age, floored at the minimum wage (yuan of the month)."""
    floor = np.float32(v.population.minimum_wage * v.economy.wage_index)
    return np.maximum(base * age_factor(age, v), floor)


def draw_members(rng: np.random.Generator, v: Values, size: np.ndarray,
                 newcomers: bool = False) -> dict[str, np.ndarray]:
    """Members of households of the given sizes (ages, health, work, pay), household by household.

    The head is member 0; a young head lives with a spouse and children (and, in big
    households, a parent), an older head with a spouse, an adult child and the child's
    spouse, then grandchildren.

    Args:
        rng: the generator to draw from.
        v: scenario values in force.
        size: members per household.
        newcomers: heads' ages from ``population.newcomer_head_age_*``.
    """
    pop = v.population
    k = len(size)
    hh = np.repeat(np.arange(k), size)
    m = len(hh)
    starts = np.concatenate(([0], np.cumsum(size)[:-1]))
    pos = np.arange(m) - starts[hh]
    if len(size) and size.max() <= np.iinfo(np.int8).max:
        pos = pos.astype(np.int8)
    if newcomers:
        head_age = rng.uniform(pop.newcomer_head_age_min, pop.newcomer_head_age_max, k)[hh]
    else:  # a ten-year band by its share, then uniformly within it
        band = rng.choice(len(pop.head_age_probs), size=k, p=pop.head_age_probs)
        head_age = (pop.head_age_min + 10.0 * (band + rng.random(k)))[hh]
    # each member's age by its place: pos 0 the head, 1 the spouse; then, under a young head,
    # children (pos 2-3) and a parent (pos 4 on), under an older head an adult child and the
    # child's spouse (pos 2-3) and grandchildren; each age is drawn for every member slot
    young = head_age < pop.older_head_age
    age = head_age.copy()
    spouse_age = standard_normal(rng, m)  # head_age + 3 × normal, within 18-100
    spouse_age *= 3.0
    spouse_age += head_age
    np.copyto(age, np.clip(spouse_age, 18, 100, out=spouse_age), where=pos == 1)
    del spouse_age
    child_age = rng.uniform(0, 1, m)
    child_age *= np.clip(head_age - 20, 1, 22)
    np.copyto(age, child_age, where=young & (pos >= 2) & (pos < 4))
    del child_age
    grandparent = rng.uniform(22, 32, m)
    grandparent += head_age
    np.copyto(age, np.minimum(grandparent, 95, out=grandparent), where=young & (pos >= 4))
    del grandparent
    adult_child = head_age - 22
    np.maximum(adult_child, 23, out=adult_child)
    adult_child -= 22.0
    adult_child *= rng.random(m)
    adult_child += 22.0
    del head_age
    grandchild = rng.uniform(0, 1, m)
    grandchild *= np.clip(adult_child - 20, 1, 15)
    np.copyto(age, adult_child, where=~young & (pos >= 2) & (pos <= 3))
    del adult_child
    np.copyto(age, grandchild, where=~young & (pos >= 4))
    del grandchild, young
    h_effect = standard_normal(rng, k)[hh]
    rho = pop.household_wage_correlation
    h_effect *= np.sqrt(rho)
    z = standard_normal(rng, m)  # √ρ × household effect + √(1 − ρ) × the member's own
    z *= np.sqrt(1.0 - rho)
    z += h_effect
    del h_effect
    wage_base = draw_wage_base(rng, v, z)
    del z
    wage = pay(wage_base, age, v)
    # a pension as retiring members get one (shocks): a share of the member's pay level at the
    # retirement age, at least the basic pension; some have only the basic pension
    retired_pay = pay(wage_base, np.full(m, pop.retirement_age, dtype=np.float32), v)
    index = v.economy.pension_index
    basic = pop.basic_pension * index
    pension = np.where(rng.random(m) < pop.no_pension_share, basic,
                       np.maximum(basic, pop.pension_replacement * retired_pay))
    pension = np.where(age >= pop.retirement_age, pension, 0.0)
    u = rng.random(m)
    severe_share = np.where(age >= 60, pop.severe_disability_share_60plus,
                            pop.severe_disability_share)
    disability = np.zeros(m, dtype=np.int8)  # severe below the severe share
    disability[u < severe_share] = SEVERE
    del u, severe_share
    permanent = rng.random(m) < pop.permanent_disability_share
    serious = rng.random(m) < pop.serious_illness_share
    chronic = (age >= 60) & (rng.random(m) < pop.chronic_share_60plus)
    self_care = (((age >= 75) & (rng.random(m) < pop.unable_self_care_share_75plus))
                 | ((disability == SEVERE) & (rng.random(m) < pop.unable_self_care_share_severe)))
    # students in tertiary education live in their parents' household, not on their own
    tertiary_track = (rng.random(m) < pop.tertiary_enrolment) & (pos > 0)
    smartphone = rng.random(m) < smartphone_share(age, v)
    student = student_level(age, tertiary_track, pop.school_ages)
    can_work = able_to_work(age, disability, serious, v) & (student == 0)
    works = can_work & (rng.random(m) < pop.employment_rate)
    # most households with someone able to work have an earner: the first able member works
    idle = np.bincount(hh, weights=works, minlength=k) == 0
    first_able = np.full(k, m)
    able = flatnonzero(can_work)  # members are in household order: the first is the least
    lead = np.ones(len(able), dtype=bool)
    lead[1:] = hh[able[1:]] != hh[able[:-1]]
    first_able[hh[able[lead]]] = able[lead]
    pick = idle & (first_able < m) & (rng.random(k) < pop.earner_share)
    works[first_able[pick]] = True
    # the able who do not work are unemployed job seekers or out of the labour force
    # (someone living alone who can work but does not is looking for work)
    seeking = can_work & ~works & ((rng.random(m) < pop.seeking_share) | (size[hh] == 1))
    return {
        "age": age, "alive": np.ones(m, dtype=bool), "works": works, "wage": wage,
        "wage_base": wage_base, "pension": pension, "disability": disability,
        "disability_permanent": permanent & (disability == SEVERE),
        "serious_illness": serious, "chronic": chronic, "unable_self_care": self_care,
        "student": student, "tertiary_track": tertiary_track, "smartphone": smartphone,
        "benefit": np.zeros(m), "benefit_months": np.zeros(m, dtype=np.int16),
        "seeking": seeking,
    }


def smartphone_share(age: np.ndarray, v: Values) -> np.ndarray:
    """The share of members of each age with smartphone skills (SOURCES.md, by age group)."""
    pop = v.population
    share = np.full(len(age), pop.smartphone_share_80plus)
    share[age < 80] = pop.smartphone_share_70_79
    share[age < 70] = pop.smartphone_share_60_69
    share[age < 60] = pop.smartphone_share_under60
    return share


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
    young = flatnonzero(age < leaving)  # nobody older is at school
    a = age[young]
    level[young] = np.select([(a >= primary) & (a < secondary), (a >= secondary) & (a < tertiary),
                              (a >= tertiary) & tertiary_track[young]], [1, 2, 3], 0)
    return level


def monthly_flows(f: Facts, v: Values, streams: Streams, t: int) -> None:
    """Set this month's rigid expenditure flows (medical, care, rehab, education) from members.

    The medical flows beside the others (:func:`reliefsim.threads.together`).
    """
    together(partial(medical_flows, f, v, streams, t), partial(care_flows, f, v))


def medical_flows(f: Facts, v: Values, streams: Streams, t: int) -> None:
    """This month's medical out-of-pocket cost per household (``medical_oop``).

    Log-normal for ill members (a normal draw per ill member, by member slot); the hospital
    cost of a new serious illness is added by the shocks module.
    """
    s = v.shocks
    alive = f.alive
    ill = f.serious_illness
    sick = flatnonzero((ill | f.chronic) & alive)
    spread = np.exp(s.oop_sigma * streams.normal_at("medical", t, sick))
    oop = np.where(ill[sick], s.serious_oop_median * spread, s.chronic_oop_median * spread)
    f.medical_oop = f.sum_members(sick, oop)


def care_flows(f: Facts, v: Values) -> None:
    """This month's care, rehabilitation and education costs per household."""
    s = v.shocks
    alive = f.alive
    cost = np.array([0.0, s.education_cost.primary, s.education_cost.secondary,
                     s.education_cost.tertiary])
    counted = member_flows(f.hh, alive, f.unable_self_care, f.disability, SEVERE, f.student, cost,
                           f.n_households)
    if counted is None:
        pupils = flatnonzero((f.student > 0) & alive)
        counted = (f.count(f.unable_self_care), f.count(f.disability == SEVERE),
                   f.sum_members(pupils, cost[f.student[pupils]]))
    unable, severe, f.education = counted
    f.care = s.care_cost * unable
    f.rehab = s.rehab_cost * severe


def affordable_rent(rent: np.ndarray, income: np.ndarray, v: Values) -> np.ndarray:
    """The rent a household takes on when it moves: at most ``population.rent_income_cap`` × income.

    A household without income lives rent-free (with family, or in housing lent to it).
    """
    return np.minimum(rent, v.population.rent_income_cap * np.maximum(income, 0.0))


def pre_transfer_income_pc(house: dict[str, np.ndarray], members: dict[str, np.ndarray]
                           ) -> np.ndarray:
    """Per drawn household: wages of workers + pensions + other income, per member."""
    size = house["size"]
    hh = np.repeat(np.arange(len(size)), size)
    income = (np.bincount(hh, weights=members["wage"] * members["works"], minlength=len(size))
              + np.bincount(hh, weights=members["pension"], minlength=len(size))
              + house["other_income"])
    return income / size


def sample(streams: Streams, v: Values, n: int, purpose: str, month: int,
           newcomers: bool = False) -> tuple[dict, dict, np.ndarray]:
    """``n`` households drawn with the low-income over-sampling, and their inverse probabilities.

    Candidates are drawn in batches (each batch its own stream, ``purpose`` in ``month``) and
    kept with probability 1 (low-income) or 1/``oversample_low_income``.

    Returns:
        Household columns, member columns (household by household) and 1/probability per
        household.
    """
    pop = v.population
    factor = pop.oversample_low_income
    kept_h, kept_m, inv_prob = [], [], []
    total, r = 0, 0
    batch = max(3 * n, 64)  # about a third are kept: mostly one batch
    while total < n:
        rng = streams(f"{purpose}-{r}", month)
        house = draw_households(rng, v, batch, newcomers)
        members = draw_members(rng, v, house["size"], newcomers)
        income_pc = pre_transfer_income_pc(house, members)
        house["rent"] = affordable_rent(house["rent"], income_pc * house["size"], v)
        low = income_pc < pop.low_income_cut
        accept_prob = np.where(low, 1.0, 1.0 / factor)
        keep = flatnonzero(rng.random(batch) < accept_prob)[: n - total]
        mask = np.zeros(batch, dtype=bool)
        mask[keep] = True
        member_mask = np.repeat(mask, house["size"])
        kept_h.append(take_rows(house, mask))
        kept_m.append(take_rows(members, member_mask, MEMBER_DTYPES))  # as place() writes them
        inv_prob.append(1.0 / accept_prob[mask])
        total += len(keep)
        r += 1
        del house, members, member_mask  # freed before the next batch is drawn
    house = {k: np.concatenate([h[k] for h in kept_h]) for k in kept_h[0]}
    members = {k: np.concatenate([m[k] for m in kept_m]) for k in kept_m[0]}
    return house, members, np.concatenate(inv_prob)


def take_rows(columns: dict[str, np.ndarray], rows: np.ndarray,
              dtypes: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Each column at ``rows`` (a mask or indices), in ``dtypes``' type where given.

    Two halves of the columns are taken side by side (:func:`reliefsim.threads.together`).
    """
    def take(names: list[str]) -> dict[str, np.ndarray]:
        if dtypes is None:
            return {k: columns[k][rows] for k in names}
        return {k: columns[k][rows].astype(dtypes[k], copy=False) for k in names}

    names = list(columns)
    first, second = together(partial(take, names[::2]), partial(take, names[1::2]))
    taken = first | second
    return {k: taken[k] for k in names}  # in the columns' order


# ---------------------------------------------------------------- the city's layout
def district_of_streets(v: Values) -> np.ndarray:
    """Per street, its district: streets shared out by ``population.district_shares``."""
    pop = v.population
    shares = np.asarray(pop.district_shares, dtype=float)
    streets = int(pop.streets)
    counts = np.maximum(1, np.floor(shares * streets).astype(int))
    while counts.sum() < streets:  # the largest remainders get the streets left over
        counts[np.argmax(shares * streets - counts)] += 1
    while counts.sum() > streets:
        counts[np.argmax(counts)] -= 1
    return np.repeat(np.arange(len(shares)), counts).astype(np.int32)


def draw_streets(rng: np.random.Generator, v: Values, k: int) -> np.ndarray:
    """A street for each of ``k`` households: a district by its share, then one of its streets."""
    street_district = district_of_streets(v)
    shares = np.asarray(v.population.district_shares, dtype=float)
    district = rng.choice(len(shares), size=k, p=shares / shares.sum())
    first = np.searchsorted(street_district, np.arange(len(shares)))
    count = np.bincount(street_district, minlength=len(shares))
    return (first[district] + np.floor(rng.random(k) * count[district]).astype(int)
            ).astype(np.int32)


def empty_facts(cap: np.ndarray) -> Facts:
    """Facts for slots with the given member capacities, every slot vacant."""
    n = len(cap)
    hh = np.repeat(np.arange(n, dtype=np.int32), cap)
    f = Facts.zeros(hh, n, RING_MONTHS)
    return f


def place(f: Facts, slots: np.ndarray, house: dict[str, np.ndarray],
          members: dict[str, np.ndarray]) -> np.ndarray:
    """Write households into vacant slots (ascending), members into their first member slots.

    Args:
        f: the facts to write into.
        slots: ascending slot indices, one per household (each with room for its members).
        house: household columns (one row per household, in ``slots`` order).
        members: member columns, household by household.

    Returns:
        The member slots written.
    """
    size = house["size"]
    starts = f.member_starts()[slots]
    if np.any(size > f.member_counts()[slots]):
        raise ValueError("a household is placed in a slot without room for its members")
    offsets = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
    member_slots = np.repeat(starts, size) + offsets
    every = f.members_of(slots)
    for name in MEMBER_FIELDS:  # clear the whole block, then the new members
        column = getattr(f, name)
        column[every] = 0
        if name in members:
            column[member_slots] = members[name]
    for name in HOUSEHOLD_FIELDS:
        if name in house:
            getattr(f, name)[slots] = house[name]
    return member_slots


def settle(f: Facts, slots: np.ndarray, v: Values, asset_factor: np.ndarray,
           asset_share: float = 1.0) -> np.ndarray:
    """Derived facts of households just placed: incomes, savings and the past year's rings.

    A household's savings start where its saving and spending balance
    (:func:`reliefsim.economy.steady_savings`), times ``asset_share``; the rings hold this
    month's income and rigid expenditure for the past year.

    Returns:
        The households' saving shares (:func:`reliefsim.economy.saving_share`).
    """
    from reliefsim.economy import need, saving_share, steady_savings

    f.refresh_incomes(slots)
    income = f.income(slots)
    share = saving_share(v, asset_factor)
    size = f.size(slots)
    f.financial_assets[slots] = asset_share * steady_savings(income, need(v, size), share, v)
    f.fill_history(slots, tuple(v.policy.rigid_items), v.policy.rigid_window_months)
    return share


def synthesize(v: Values, n: int, streams: Streams) -> Population:
    """A synthetic city of ``n`` weighted households (and vacant slots), street by street.

    Args:
        v: scenario values at the start month.
        n: simulated households.
        streams: common-random-number streams of the replication.

    Returns:
        The population, with weights summing to ``population.households_represented``.
    """
    pop = v.population
    house, members, inv_prob = sample(streams, v, n, "population", -100)
    rng = streams("population-layout", -1)
    vacant = round(n * pop.vacancy_share)
    street = draw_streets(rng, v, n + vacant)
    cap = np.concatenate([house["size"] + pop.spare_member_slots,
                          rng.choice(np.arange(1, len(pop.newcomer_size_probs) + 1), vacant,
                                     p=pop.newcomer_size_probs) + pop.spare_member_slots])
    order = np.argsort(street, kind="stable")  # slots street by street, so district by district
    slot_of = np.empty(n + vacant, dtype=np.int64)
    slot_of[order] = np.arange(n + vacant)
    f = empty_facts(cap[order])
    occupied = slot_of[:n]
    by_slot = np.argsort(occupied, kind="stable")  # place() writes in ascending slot order
    size = house["size"]
    member_start = np.concatenate(([0], np.cumsum(size)[:-1]))
    placed_size = size[by_slot]  # each household's members, household after household
    member_order = (np.arange(int(placed_size.sum()))
                    + np.repeat(member_start[by_slot] - (np.cumsum(placed_size) - placed_size),
                                placed_size))
    placed_house = take_rows(house, by_slot)
    placed_members = take_rows(members, member_order)
    slots = occupied[by_slot]
    place(f, slots, placed_house, placed_members)
    monthly_flows(f, v, streams, -1)
    saving = np.zeros(n + vacant, dtype=np.float32)
    saving[slots] = settle(f, slots, v, placed_house["asset_factor"])
    weight = np.zeros(n + vacant)
    w = inv_prob[by_slot]
    weight[slots] = w * pop.households_represented / w.sum()
    misreporter = np.zeros(n + vacant, dtype=bool)
    misreporter[slots] = placed_house["misreporter"]
    hid = np.full(n + vacant, -1, dtype=np.int64)
    hid[slots] = np.arange(n)
    street = street[order]
    district = district_of_streets(v)[street].astype(np.int32)
    return Population(f, weight, street, district, misreporter, hid, saving,
                      tuple(pop.district_names))


def household_record(f: Facts, i: int) -> dict[str, Any]:
    """One household's facts as plain values, with a list of its living members."""
    members = f.members_of(np.array([i]))
    house = {name: _plain(getattr(f, name)[i]) for name in HOUSEHOLD_FIELDS}
    house["members"] = [{name: _plain(getattr(f, name)[j]) for name in MEMBER_FIELDS}
                        for j in members if f.alive[j]]
    return house


def _plain(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x
