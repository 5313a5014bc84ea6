"""The city's life (RULES.md §8): births, deaths, households forming and moving, registration.

People age, die and are born; households form, merge, dissolve, move in and out, and gain the
city's registration.

Every event depends only on the demographic facts (ages, who lives where, registration, the
households' weights) and on draws taken per slot from the month's common random numbers, never on
incomes or on anything a policy changes; so two scenarios of a comparison keep the same people in
the same slots, month after month, and one household's births or moves never reshuffle anybody
else's draws. A month takes one uniform per member slot (death, leaving home) and one per
household slot; the household events are competing risks on that one uniform (a household has at
most one of them in a month: a birth, a partner moving in, moving in with children, moving out,
gaining registration).

A household that forms (a young adult leaving home) or moves in takes a vacant slot of its
district; one that leaves, dissolves or joins another leaves its slot vacant. Households moving in
replace, in represented households, those that left the district this month (beyond those that
formed), plus ``demography.net_growth``; they are sampled with the same low-income
over-sampling as the city (:func:`reliefsim.population.sample`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from reliefsim.facts import MEMBER_FIELDS, Facts
from reliefsim.kernels import flatnonzero
from reliefsim.population import (
    Population,
    affordable_rent,
    draw_households,
    draw_wage_base,
    lognormal,
    place,
    sample,
    settle,
)
from reliefsim.rng import Streams
from reliefsim.scenario import Values
from reliefsim.threads import together


@dataclass
class Moves:
    """What the month's demography did.

    Attributes:
        born: member slots of this month's newborns.
        died: member slots of this month's deaths.
        earner_died: per household slot, a working member died this month.
        vacated: household slots left vacant this month (moved out, dissolved or joined).
        left_weight: per vacated slot, the weight its household had.
        moved_out: household slots whose household left the city (part of ``vacated``).
        dissolved: household slots whose household dissolved or joined another.
        formed: household slots of households formed by young adults leaving home.
        moved_in: household slots of households that moved into the city.
        touched: household slots whose facts changed in place this month (births, people
            moving between households, new households), ascending.
    """

    born: np.ndarray
    died: np.ndarray
    earner_died: np.ndarray
    vacated: np.ndarray
    left_weight: np.ndarray
    moved_out: np.ndarray
    dissolved: np.ndarray
    formed: np.ndarray
    moved_in: np.ndarray
    touched: np.ndarray

    @property
    def arrived(self) -> np.ndarray:
        """Household slots taken by a new household this month (formed or moved in)."""
        return np.concatenate([self.formed, self.moved_in])


HOST_POOL = (0.5, 0.6)
"""The interval of the month's household draw that puts a household in the pool of families
an old person may move in with (a tenth of households: enough choice, little work)."""


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def hazards(pop: Population, v: Values) -> dict[str, tuple[float, np.ndarray | float]]:
    """The household events' intervals of the month's uniform: name → (start, rate)."""
    d = v.demography
    out_rate = np.where(pop.facts.registered, d.out_registered, d.out_unregistered)
    order = (("birth", d.birth_rate), ("partner", d.partner), ("join", d.join_children),
             ("out", out_rate), ("settle", d.settle))
    start, out = 0.0, {}
    for name, rate in order:
        out[name] = (start, rate)
        start = start + (rate.max() if isinstance(rate, np.ndarray) and len(rate) else rate)
    if start > 1:
        raise ValueError("the month's household events' rates add up to more than 1")
    return out


def month(pop: Population, v: Values, streams: Streams, t: int) -> Moves:
    """One month of the city's life, on the true facts (changed in place).

    Args:
        pop: the population (its facts, weights and identifiers change).
        v: scenario values in force.
        streams: common-random-number streams.
        t: month index.
    """
    f = pop.facts
    f.age = f.age + np.float32(1.0 / 12.0)
    u_member = streams.uniform("people", t, len(f.age), scratch=True)
    # deaths beside the draws of who would leave home (the living before the deaths, the dead
    # taken out after) and of the households' events, and the events' rates
    (died, earner_died), (leavers, u, rates) = together(
        partial(_deaths, f, v, u_member),
        lambda: (_would_leave(f, v, u_member),  # before the scratch draws are reused
                 streams.uniform_at("households", t, household_keys(pop)), hazards(pop, v)))
    leavers = leavers[f.alive[leavers]]

    def event(name: str, occupied: np.ndarray) -> np.ndarray:
        start, rate = rates[name]
        return (u >= start) & (u < start + rate) & occupied

    born = _births(f, v, streams, t, flatnonzero(event("birth", pop.hid >= 0)))
    formed, left_home = _leave_home(pop, v, streams, t, leavers, u)
    occupied = pop.hid >= 0  # with the households just formed
    joined, partnered = _partners(pop, v, flatnonzero(event("partner", occupied)))
    pool = flatnonzero((u >= HOST_POOL[0]) & (u < HOST_POOL[1]) & occupied)
    joined_elderly, hosts = _join_children(pop, v, flatnonzero(event("join", occupied)),
                                           pool)
    moving_out = flatnonzero(event("out", occupied))
    f.registered = f.registered | event("settle", occupied)
    # a household whose last member died or left is dissolved
    maybe = np.unique(np.concatenate([f.hh[died], left_home]))
    empty = maybe[(f.size(maybe) == 0) & (pop.hid[maybe] >= 0)]
    dissolved = np.unique(np.concatenate([joined, joined_elderly, empty]))
    moved_out = np.setdiff1d(moving_out, dissolved)
    vacated = np.concatenate([dissolved, moved_out])
    left_weight = pop.weight[vacated].copy()
    market(pop, vacated, left_weight * f.homes_owned[vacated])  # their homes go on sale
    clear(pop, vacated)
    moved_in = _moving_in(pop, v, streams, t, vacated, left_weight, formed, u)
    touched = np.unique(np.concatenate([f.hh[born], left_home, partnered, hosts, vacated,
                                        formed, moved_in]))
    return Moves(born, died, earner_died, vacated, left_weight, moved_out, dissolved, formed,
                 moved_in, touched)


def household_keys(pop: Population) -> np.ndarray:
    """The ids a household slot's draws are keyed by: its household's identifier.

    A vacant slot is keyed by its place (after every identifier a household can have), for
    the draws that choose among vacancies.
    """
    return np.where(pop.hid >= 0, pop.hid, (1 << 40) + np.arange(pop.n))


def settle_trades(pop: Population, trade: dict[str, np.ndarray]) -> None:
    """The month's home sales and purchases on their districts' markets (a sale adds a home)."""
    sold = flatnonzero(trade["home_sold"])
    bought = flatnonzero(trade["home_bought"])
    market(pop, np.concatenate([sold, bought]),
           np.concatenate([pop.weight[sold], -pop.weight[bought]]))


def market(pop: Population, slots: np.ndarray, homes: np.ndarray) -> None:
    """Put homes on the market of the given slots' districts (``homes``: weighted, < 0 takes)."""
    n = len(pop.free_homes)
    pop.free_homes += np.bincount(pop.district[slots], weights=homes, minlength=n)
    np.maximum(pop.free_homes, 0.0, out=pop.free_homes)  # beyond the market: new building


def clear(pop: Population, slots: np.ndarray) -> None:
    """Leave household slots vacant: no members, no weight, no identifier, no income."""
    f = pop.facts
    f.alive[f.members_of(slots)] = False
    pop.weight[slots] = 0.0
    pop.hid[slots] = -1
    for name in ("wages", "pensions", "other_income", "financial_assets"):
        getattr(f, name)[slots] = 0.0


# ---------------------------------------------------------------- people
def _deaths(f: Facts, v: Values, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deaths by a Gompertz hazard of age (annual probability a·e^(b·age), as a monthly one).

    Members unable to care for themselves die ``shocks.frail_mortality_factor`` times as often.
    """
    s = v.shocks
    m = len(f.age)
    frail = max(s.frail_mortality_factor, 1.0)

    def death_prob(a: np.ndarray) -> np.ndarray:
        annual_q = np.minimum(s.mortality_gompertz_a * np.exp(s.mortality_gompertz_b * a), 1.0)
        return 1.0 - (1.0 - annual_q) ** (1.0 / 12.0)

    oldest = np.array([float(f.age.max()) + 1.0]) if m else np.zeros(1)
    bound = min(float(death_prob(oldest)[0]) * frail, 1.0) * (1.0 + 1e-9) + 1e-300
    cand = flatnonzero(u < bound) if s.mortality_gompertz_b >= 0 else np.arange(m)
    cand = cand[f.alive[cand]]
    prob = death_prob(f.age[cand].astype(np.float64)) * np.where(
        f.unable_self_care[cand], s.frail_mortality_factor, 1.0)
    dead = cand[u[cand] < prob]
    earner_died = np.zeros(f.n_households, dtype=bool)
    earner_died[f.hh[dead[f.works[dead]]]] = True
    alive = f.alive.copy()
    alive[dead] = False
    f.alive = alive
    return dead, earner_died


def _would_leave(f: Facts, v: Values, u: np.ndarray) -> np.ndarray:
    """Young adults whose draw says they leave home this month (a parent's check follows)."""
    d = v.demography
    young = flatnonzero(f.alive & (f.age >= d.leave_age_min) & (f.age < d.leave_age_max))
    return young[1.0 - u[young] < d.leave_home]


def first_member(f: Facts, households: np.ndarray, living: bool) -> np.ndarray:
    """Per given household (ascending), its first living (or free) member slot, −1 if none."""
    members = f.members_of(households)
    owner = f.owners(households)
    hit = flatnonzero(f.alive[members] == living)
    out = np.full(len(households), -1, dtype=np.int64)
    first, index = np.unique(owner[hit], return_index=True)
    out[first] = members[hit[index]]
    return out


def _births(f: Facts, v: Values, streams: Streams, t: int, cand: np.ndarray) -> np.ndarray:
    """Births to households with a couple of child-bearing age and room for a child."""
    d = v.demography
    if not len(cand):
        return _empty()
    members = f.members_of(cand)
    living = f.alive[members]
    age = f.age[members]
    fertile = living & (age >= d.fertile_age_min) & (age < d.fertile_age_max)
    adults = living & (age >= 18)
    owner = f.owners(cand)
    couple = (np.bincount(owner, weights=fertile, minlength=len(cand)) >= 1) & (
        np.bincount(owner, weights=adults, minlength=len(cand)) >= 2)
    slots = first_member(f, cand[couple], living=False)
    slots = slots[slots >= 0]
    if not len(slots):
        return _empty()
    g = streams("newborn", t)
    k = len(slots)
    for name in MEMBER_FIELDS:
        getattr(f, name)[slots] = 0
    f.alive[slots] = True
    base = draw_wage_base(g, v, g.standard_normal(k))
    f.wage_base[slots] = base
    f.wage[slots] = 0.0  # until of working age
    f.tertiary_track[slots] = g.random(k) < v.population.tertiary_enrolment
    f.smartphone[slots] = g.random(k) < v.population.smartphone_share_under60
    return slots


# ---------------------------------------------------------------- households
def match(groups_a: np.ndarray, keys_a: np.ndarray, groups_b: np.ndarray, keys_b: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Pair a's with b's of the same group, in order of their keys (rank with rank).

    Returns:
        Index arrays into a and into b of the pairs.
    """
    if not len(groups_a) or not len(groups_b):
        return _empty(), _empty()
    oa = group_order(groups_a, keys_a)
    ob = group_order(groups_b, keys_b)
    ga, gb = groups_a[oa], groups_b[ob]
    n_groups = int(max(ga.max(), gb.max())) + 1
    first_a = np.searchsorted(ga, np.arange(n_groups))
    first_b = np.searchsorted(gb, np.arange(n_groups))
    count_b = np.bincount(gb, minlength=n_groups)
    rank = np.arange(len(ga)) - first_a[ga]
    ok = rank < count_b[ga]
    return oa[ok], ob[first_b[ga[ok]] + rank[ok]]


def group_order(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.lexsort((keys, groups))``: by group, then key, then position.

    NumPy's quicksort by key, then a stable sort by group (a radix sort for small group
    numbers); keys with ties, or not numbers, take NumPy's stable sort by key instead, so
    that tied keys keep their order. Keys whose first :data:`TIE_SAMPLE` already tie (household
    weights take a few values) go to the stable sort at once.
    """
    head = keys[:TIE_SAMPLE]
    if len(np.unique(head)) < len(head):
        return _stable_group_order(groups, np.argsort(keys, kind="stable"))
    by_key = np.argsort(keys)
    sorted_keys = keys[by_key]
    if sorted_keys.dtype.kind != "f" or len(keys) < 2 or np.isnan(sorted_keys[-1]) or (
            sorted_keys[1:] == sorted_keys[:-1]).any():
        by_key = np.argsort(keys, kind="stable")
    return _stable_group_order(groups, by_key)


TIE_SAMPLE = 64
"""How many first keys :func:`group_order` looks at for ties before sorting."""


def _stable_group_order(groups: np.ndarray, by_key: np.ndarray) -> np.ndarray:
    """``by_key`` reordered by group, stably (a radix sort for small group numbers)."""
    g = groups[by_key]
    if g.dtype.kind in "iu" and len(g) and g.min() >= 0 and g.max() < 2**15:
        g = g.astype(np.int16)  # radix-sortable
    return by_key[np.argsort(g, kind="stable")]


def vacancies(pop: Population) -> np.ndarray:
    """Vacant household slots (ascending)."""
    return flatnonzero(pop.hid < 0)


def _move_member(f: Facts, source: np.ndarray, target: np.ndarray) -> None:
    """Move people from member slots ``source`` to free member slots ``target``."""
    for name in MEMBER_FIELDS:
        column = getattr(f, name)
        column[target] = column[source]
    f.alive[source] = False


def _clear_block(f: Facts, slots: np.ndarray) -> None:
    """Every member slot of the given households emptied (fields zeroed)."""
    every = f.members_of(slots)
    for name in MEMBER_FIELDS:
        getattr(f, name)[every] = 0


def _leave_home(pop: Population, v: Values, streams: Streams, t: int, cand: np.ndarray,
                u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Young adults living with a parent leave home, forming households in vacant slots.

    Returns:
        The new households' slots, and the households they left.
    """
    f = pop.facts
    if not len(cand):
        return _empty(), _empty()
    cand = cand[np.unique(f.hh[cand], return_index=True)[1]]  # one leaver a household a month
    oldest = _block_max(f, f.hh[cand])  # ascending households: cand is in household order
    cand = cand[oldest >= f.age[cand] + 18]
    free = vacancies(pop)
    a, b = match(pop.district[f.hh[cand]], f.age[cand].astype(float), pop.district[free],
                 u[free])
    if not len(a):
        return _empty(), _empty()
    order = np.argsort(free[b])
    movers, slots = cand[a][order], free[b][order]
    origin = f.hh[movers]
    g = streams("new-household", t)
    k = len(slots)
    house = draw_households(g, v, k)
    house["homes_owned"] = np.zeros(k, dtype=np.int8)
    house["car"] = np.zeros(k, dtype=bool)
    house["rent"] = lognormal(g, v.population.rent_median * v.economy.rent_index,
                              v.population.rent_sigma, k)
    house["registered"] = f.registered[origin]
    house["has_capable_supporter"] = np.ones(k, dtype=bool)
    _clear_block(f, slots)
    _move_member(f, movers, f.member_starts()[slots])
    for name in ("other_income", "homes_owned", "floor_space_pc", "car", "rent",
                 "has_capable_supporter", "registered"):
        getattr(f, name)[slots] = house[name]
    f.other_income[slots] = 0.0
    pop.misreporter[slots] = house["misreporter"]
    pop.weight[slots] = pop.weight[origin]
    pop.hid[slots] = pop.new_ids(k)
    f.refresh_incomes(np.unique(origin))
    f.refresh_incomes(slots)
    f.rent[slots] = affordable_rent(f.rent[slots], f.income(slots), v)
    pop.saving[slots] = settle(f, slots, v, house["asset_factor"],
                               v.demography.leaver_asset_share)
    return slots, np.unique(origin)


def _block_max(f: Facts, households: np.ndarray) -> np.ndarray:
    """Per given household, the oldest living member's age (0 when none)."""
    members = f.members_of(households)
    ages = np.where(f.alive[members], f.age[members], np.float32(0.0))
    bounds = np.concatenate(([0], np.cumsum(f.member_counts()[households])[:-1]))
    return np.maximum.reduceat(ages, bounds) if len(ages) else np.zeros(0, dtype=np.float32)


def _partners(pop: Population, v: Values, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Couples form: two people living alone move in together (the second's slot is left).

    Pairs are made within a district between neighbours in weight, so the household that stays
    (and keeps its weight) stands for nearly as many households as the one that goes.

    Returns:
        The slots left, and the households that took a partner in.
    """
    d = v.demography
    f = pop.facts
    cand = cand[f.size(cand) == 1]
    person = first_member(f, cand, living=True)
    young = (f.age[person] >= d.partner_age_min) & (f.age[person] < d.partner_age_max)
    cand, person = cand[young], person[young]
    if len(cand) < 2:
        return _empty(), _empty()
    order = np.lexsort((pop.weight[cand], pop.district[cand]))
    cand, person = cand[order], person[order]
    group = pop.district[cand]
    rank = np.arange(len(cand)) - np.searchsorted(group, group)
    first = flatnonzero((rank % 2 == 0)[:-1] & (group[:-1] == group[1:]))
    stay, go, mover = cand[first], cand[first + 1], person[first + 1]
    room = f.member_counts()[stay] >= 2
    stay, go, mover = stay[room], go[room], mover[room]
    target = first_member(f, stay, living=False)
    ok = target >= 0
    _move_member(f, mover[ok], target[ok])
    return go[ok], stay[ok]


def _join_children(pop: Population, v: Values, cand: np.ndarray, pool: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Old people living alone who cannot look after themselves move in with a family.

    The family is a household of the same district with room and a member of the children's
    generation (``demography.join_host_age_min`` to ``_max``), of the nearest weight, taken
    from this month's ``pool`` of households (a random share, :data:`HOST_POOL`).

    Returns:
        The slots left, and the households they moved into.
    """
    f = pop.facts
    # who would move beside which families could take them in (both only read the facts)
    (cand, person), hosts = together(partial(_frail_alone, f, v, cand),
                                     partial(_host_families, f, v, pool))
    if not len(cand):
        return _empty(), _empty()
    a, b = match(pop.district[cand], pop.weight[cand], pop.district[hosts], pop.weight[hosts])
    if not len(a):
        return _empty(), _empty()
    order = np.argsort(hosts[b])
    a, host = a[order], hosts[b][order]
    host, first = np.unique(host, return_index=True)  # one newcomer a household a month
    a = a[first]
    target = first_member(f, host, living=False)
    ok = target >= 0
    _move_member(f, person[a][ok], target[ok])
    return cand[a][ok], host[ok]


def _frail_alone(f: Facts, v: Values, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of the given households, those of one old person unable to look after themselves.

    Returns:
        The households, and the person's member slot in each.
    """
    d = v.demography
    cand = cand[f.size(cand) == 1]
    person = first_member(f, cand, living=True)
    frail = (f.age[person] >= d.join_age_min) & f.unable_self_care[person]
    return cand[frail], person[frail]


def _host_families(f: Facts, v: Values, pool: np.ndarray) -> np.ndarray:
    """Households of ``pool`` with room and a living member of the children's generation."""
    d = v.demography
    host_age = (f.age >= d.join_host_age_min) & (f.age < d.join_host_age_max)
    size = f.size(pool)
    return pool[f.any_living(pool, host_age) & (size < f.member_counts()[pool]) & (size >= 1)]


# ---------------------------------------------------------------- moving in
def _moving_in(pop: Population, v: Values, streams: Streams, t: int, vacated: np.ndarray,
               left: np.ndarray, formed: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Households move in, replacing those that left each district (see the module)."""
    d = v.demography
    n_districts = len(pop.bounds) - 1
    district_left = np.bincount(pop.district[vacated], weights=left, minlength=n_districts)
    district_formed = np.bincount(pop.district[formed], weights=pop.weight[formed],
                                  minlength=n_districts)
    count = (np.bincount(pop.district[vacated], minlength=n_districts)
             - np.bincount(pop.district[formed], minlength=n_districts))
    represented = np.array([pop.weight[pop.bounds[k]:pop.bounds[k + 1]].sum()
                            for k in range(n_districts)])
    flow = district_left - district_formed + d.net_growth / 12.0 * represented
    count = np.where(flow > 0, np.maximum(count, 1), 0)
    total = int(count.sum())
    if total == 0:
        return _empty()
    house, members, inv_prob = sample(streams, v, total, "newcomers", t, newcomers=True)
    district = np.repeat(np.arange(n_districts), count)
    free = vacancies(pop)
    cap = pop.facts.member_counts()[free]
    # the biggest newcomers to the roomiest vacancies of their district, pair by pair
    a, b = match(district, -house["size"].astype(float), pop.district[free],
                 -cap + u[free])
    fits = house["size"][a] <= cap[b]
    a, b = a[fits], b[fits]
    if not len(a):
        return _empty()
    order = np.argsort(free[b])
    a, slots = a[order], free[b][order]
    size = house["size"]
    starts = np.cumsum(size) - size
    member_rows = (np.repeat(starts[a], size[a])
                   + np.arange(int(size[a].sum())) - np.repeat(np.cumsum(size[a]) - size[a],
                                                               size[a]))
    chosen = {k: col[a] for k, col in house.items()}
    place(pop.facts, slots, chosen, {k: col[member_rows] for k, col in members.items()})
    pop.saving[slots] = settle(pop.facts, slots, v, chosen["asset_factor"])
    pop.misreporter[slots] = chosen["misreporter"]
    pop.hid[slots] = pop.new_ids(len(slots))
    placed = pop.district[slots]
    if pop.unit_weights:
        pop.weight[slots] = 1.0
    else:
        weights = inv_prob[a]
        sums = np.bincount(placed, weights=weights, minlength=n_districts)
        scale = np.divide(np.maximum(flow, 0.0), sums, out=np.zeros(n_districts),
                          where=sums > 0)
        pop.weight[slots] = weights * scale[placed]
    _take_homes(pop, slots, streams, t)
    return slots


def _take_homes(pop: Population, slots: np.ndarray, streams: Streams, t: int) -> None:
    """Households moving in buy the homes on their district's market, as far as they go.

    Each takes one with the district's ratio of homes on sale to arrivals (weighted, at most
    1), so the homes the city's leavers free are lived in again and the share of owners holds.
    """
    f = pop.facts
    n = len(pop.free_homes)
    placed = pop.district[slots]
    demand = np.bincount(placed, weights=pop.weight[slots], minlength=n)
    chance = np.divide(pop.free_homes, demand, out=np.zeros(n), where=demand > 0)
    owner = slots[streams.uniform_at("newcomer-home", t, pop.hid[slots])
                 < np.minimum(chance, 1.0)[placed]]
    f.homes_owned[owner] = 1
    f.rent[owner] = 0.0
    market(pop, owner, -pop.weight[owner])
