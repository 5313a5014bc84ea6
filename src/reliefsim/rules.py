"""The rules of RULES.md §2-4 as pure, vectorised functions of (facts, policy values).

Every function reads a :class:`~reliefsim.facts.Facts` (true facts or the admin view) and the
scenario values in force, and returns arrays over households. Tier codes are those of
:data:`reliefsim.codes.TIER_NAMES` (0 none, 1 rigid_hardship, 2 marginal, 3 dibao, 4 destitute).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from reliefsim.codes import TIER_NAMES
from reliefsim.facts import SEVERE, Facts
from reliefsim.kernels import flatnonzero
from reliefsim.scenario import Values
from reliefsim.threads import together

NONE, RIGID, MARGINAL, DIBAO, DESTITUTE = range(5)
TIER_CODE = {name: code for code, name in enumerate(TIER_NAMES)}


def lower_tier(tier: np.ndarray) -> np.ndarray:
    """Marginal or rigid-expenditure hardship: the tiers helped with costs, not basic living."""
    return (tier == MARGINAL) | (tier == RIGID)


@dataclass(frozen=True)
class Assessment:
    """The outcome of the tier tests for every household.

    Attributes:
        tier: tier code per household.
        income_pc: assessed income per capita (after the earned-income disregard).
        assets_ok: the asset test.
        size: living members.
        individual: members enrolled on their own in dibao (单人保), for households of tier
            none (0 elsewhere, and everywhere when ``policy.individual_enrolment`` is off).
        registered: the household passes the registration test (always true when
            ``policy.registration_required`` is off).
    """

    tier: np.ndarray
    income_pc: np.ndarray
    assets_ok: np.ndarray
    size: np.ndarray
    individual: np.ndarray
    registered: np.ndarray

    def rows(self, households: np.ndarray) -> Assessment:
        """The assessment of the given households only (indices), aligned with them."""
        return Assessment(self.tier[households], self.income_pc[households],
                          self.assets_ok[households], self.size[households],
                          self.individual[households], self.registered[households])

    @property
    def eligible(self) -> np.ndarray:
        """Households with a tier or with members enrolled on their own."""
        return (self.tier > NONE) | (self.individual > 0)


def no_labour_capacity(f: Facts, v: Values, members: np.ndarray | None = None) -> np.ndarray:
    """Per member: no labour capacity (RULES.md §1).

    Args:
        f: facts.
        v: scenario values in force.
        members: only these member indices (the result is then aligned with them).
    """
    p = v.policy
    if members is None:
        age, disability, ill = f.age, f.disability, f.serious_illness
    else:
        age, disability, ill = f.age[members], f.disability[members], f.serious_illness[members]
    return (age >= p.old_age) | (age < p.working_age_min) | (disability == SEVERE) | ill


def assessed_income_pc(f: Facts, v: Values, size: np.ndarray) -> np.ndarray:
    """RULES.md §2: (income − disregard × wages) ÷ size; 0 for empty households."""
    income = f.income() - v.policy.earned_income_disregard * f.wages
    return np.divide(income, size, out=np.zeros(len(size)), where=size > 0)


def asset_tests(f: Facts, v: Values, size: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RULES.md §2, the three asset tests apart: (financial assets, homes, car).

    Financial assets per head at most ``policy.asset_limit_months`` × the dibao line; at most
    one home, or two with floor space per head under ``policy.floor_space_avg``; no car, unless
    a living member is seriously ill or severely disabled.
    """
    p = v.policy
    assets_pc = np.divide(f.financial_assets, size, out=np.full(len(size), np.inf),
                          where=size > 0)
    financial = assets_pc <= p.asset_limit_months * p.dibao_line
    homes = (f.homes_owned <= 1) | ((f.homes_owned == 2) & (f.floor_space_pc < p.floor_space_avg))
    car = ~f.car.astype(bool)
    excused = flatnonzero((f.serious_illness | (f.disability == SEVERE)) & f.alive)
    car[f.hh[excused]] = True  # a car is excused by a seriously ill or disabled member
    return financial, homes, car


def assets_ok(f: Facts, v: Values, size: np.ndarray) -> np.ndarray:
    """RULES.md §2: the household passes all three asset tests (:func:`asset_tests`)."""
    financial, homes, car = asset_tests(f, v, size)
    return financial & homes & car


def rigid_test(f: Facts, v: Values) -> np.ndarray:
    """RULES.md §3 tier 4 expenditure test: R ≥ threshold × I over the window.

    With I = 0 the test passes when R > 0. A household with no rigid expenditure at all (R = 0)
    fails: a civil-affairs official would not call it a rigid-expenditure hardship.
    """
    r, i = f.rigid_window, f.income_window
    return (r > 0) & (r >= v.policy.rigid_ratio_threshold * i)


def assess(f: Facts, v: Values) -> Assessment:
    """Assign exactly one tier per household; the first that applies wins (RULES.md §3).

    Only registered households can hold a tier when ``policy.registration_required``; in a
    registered household of tier none, members may be enrolled on their own
    (:func:`individual_members`).
    """
    p = v.policy
    size = f.size()
    # the income and the assets tests read different facts: side by side
    income_pc, assets = together(partial(assessed_income_pc, f, v, size),
                                 partial(assets_ok, f, v, size))
    registered = f.registered.astype(bool) if p.registration_required else np.ones(len(size),
                                                                                    dtype=bool)
    ok = assets & (size > 0) & registered
    # destitute: no living member with labour capacity — looked at only where it can matter
    poor = flatnonzero(~f.has_capable_supporter.astype(bool)
                          & (income_pc < p.destitute_multiplier * p.dibao_line) & ok)
    m = f.members_of(poor)
    capable = f.alive[m] & ~no_labour_capacity(f, v, m)
    destitute = poor[~f.any_member(poor, capable)]
    dibao = (income_pc < p.dibao_line) & ok
    marginal = (income_pc < p.marginal_multiplier * p.dibao_line) & ok
    rigid = (income_pc < p.rigid_income_cap) & ok & rigid_test(f, v)
    tier = np.zeros(len(size), dtype=np.int8)  # the first tier that applies wins
    tier[rigid] = RIGID
    tier[marginal] = MARGINAL
    tier[dibao] = DIBAO
    tier[destitute] = DESTITUTE
    individual = np.zeros(len(size), dtype=np.int8)
    if p.individual_enrolment:
        households = flatnonzero((tier == NONE) & ok & (
            income_pc < p.individual_enrolment_multiplier * p.dibao_line))
        members = individual_members(f, v, households)
        individual[households] = f.sum_members(members, np.ones(len(members)))[households]
    return Assessment(tier, income_pc, assets, size, individual, registered)


def tier_line(tier: np.ndarray, v: Values) -> np.ndarray:
    """Per household, the line its tier's basic living tops income up to (yuan per person).

    The destitute line (``policy.destitute_multiplier`` × the dibao line) for destitute
    households, the dibao line for every other.
    """
    p = v.policy
    return np.where(tier == DESTITUTE, p.destitute_multiplier * p.dibao_line, p.dibao_line)


def income_ceiling(v: Values) -> float:
    """The assessed income per head at and above which no tier and no individual enrolment apply."""
    p = v.policy
    lines = [p.destitute_multiplier, p.marginal_multiplier, 1.0]
    if p.individual_enrolment:
        lines.append(p.individual_enrolment_multiplier)
    return max(max(lines) * p.dibao_line, p.rigid_income_cap)


def member_income(f: Facts, members: np.ndarray) -> np.ndarray:
    """A member's own monthly income: wage when working, pension, unemployment benefit."""
    working = f.works[members]
    claiming = ~working & (f.benefit_months[members] > 0)
    return (np.where(working, f.wage[members], 0.0) + f.pension[members]
            + np.where(claiming, f.benefit[members], 0.0)).astype(np.float64)


def individual_members(f: Facts, v: Values, households: np.ndarray) -> np.ndarray:
    """Members of the given households who are enrolled in dibao on their own (单人保).

    A living member with a severe disability or a serious illness and no labour capacity whose
    own income is under the dibao line (RULES.md §3); the household's assets are tested for the
    household. ``households`` are ascending indices of registered households of tier none
    passing the assets test and the ``policy.individual_enrolment_multiplier`` income test.
    """
    members = f.members_of(households)
    members = members[f.alive[members]]
    sick = (f.disability[members] == SEVERE) | f.serious_illness[members]
    members = members[sick]
    members = members[no_labour_capacity(f, v, members)]
    return members[member_income(f, members) < v.policy.dibao_line]


def individual_dibao(f: Facts, v: Values, households: np.ndarray) -> np.ndarray:
    """Per given household, the dibao of its members enrolled on their own.

    Each is a household of one: max(line − own income, minimum payment), plus its add-on.
    """
    p = v.policy
    members = individual_members(f, v, households)
    own = np.maximum(p.dibao_line - member_income(f, members), p.dibao_min_payment)
    out = f.sum_members(members, own + addon_shares(f, v, members) * p.dibao_line)
    return out[households]


def reassess(f: Facts, v: Values, previous: Assessment, households: np.ndarray) -> Assessment:
    """``assess(f, v)`` when only the given households changed since ``previous`` was made.

    The rules are per household, so the others keep their previous results.

    Args:
        f: facts.
        v: scenario values in force (the same as for ``previous``).
        previous: the assessment of ``f`` before the changes.
        households: ascending indices of the households whose facts changed.
    """
    fresh = assess(f.read_subset(households), v)  # assess reads the window sums only
    out = []
    for name in ("tier", "income_pc", "assets_ok", "size", "individual", "registered"):
        merged = getattr(previous, name).copy()
        merged[households] = getattr(fresh, name)
        out.append(merged)
    return Assessment(*out)


def dibao_addons(f: Facts, v: Values, households: np.ndarray | None = None) -> np.ndarray:
    """Per household: Σ over members of the largest applicable add-on share × dibao line.

    Args:
        f: facts.
        v: scenario values in force.
        households: only these household indices (ascending); the result is then aligned
            with them. Default: every household.
    """
    p = v.policy
    if households is None:
        members = flatnonzero(f.alive)
        return f.sum_members(members, addon_shares(f, v, members)) * p.dibao_line
    members = f.members_of(households)
    shares = np.where(f.alive[members], addon_shares(f, v, members), 0.0)  # the dead add 0.0
    return f.sum_over(households, shares) * p.dibao_line


def addon_shares(f: Facts, v: Values, members: np.ndarray) -> np.ndarray:
    """Per member, the largest dibao add-on share that applies to it (0 where none does).

    A member's add-on is its share × the dibao line (分类施保); a dibao household's add-ons are
    the sum over its living members (:func:`dibao_addons`).
    """
    p = v.policy
    a = p.addon_share
    age = f.age[members]
    share = np.zeros(len(members))
    for applies, s in ((age >= p.old_age, a.elderly),
                       (f.disability[members] == SEVERE, a.severe_disability),
                       (f.serious_illness[members], a.serious_illness),
                       (age < p.working_age_min, a.child)):
        share = np.where(applies, np.maximum(share, s), share)
    return share


def basic_living(f: Facts, v: Values, tier: np.ndarray, a: Assessment) -> np.ndarray:
    """Monthly basic living payment for households enrolled in ``tier`` (RULES.md §4).

    Args:
        f: facts the payment is computed on.
        v: scenario values in force.
        tier: tier code per household (the enrolled tier, or the true tier for entitlements).
        a: the assessment of ``f`` (income per capita and size).
    """
    p = v.policy
    size, ipc = a.size, a.income_pc
    out = np.zeros(len(tier))
    # each tier's formula over its own households only (the same arithmetic element by element)
    d = flatnonzero(tier == DESTITUTE)
    if len(d):
        destitute_line = p.destitute_multiplier * p.dibao_line
        members = f.members_of(d)
        care = f.sum_over(d, f.unable_self_care[members].astype(bool) & f.alive[members])
        out[d] = (np.maximum(destitute_line - ipc[d], 0.0) * size[d]
                  + p.care_allowance * care)
    b = flatnonzero(tier == DIBAO)
    if len(b):
        out[b] = (np.maximum((p.dibao_line - ipc[b]) * size[b], p.dibao_min_payment * size[b])
                  + dibao_addons(f, v, b))
    low = flatnonzero(lower_tier(tier))
    if len(low):
        out[low] = p.marginal_basic_share * p.dibao_line * size[low]
    return out


def in_tiers(tier: np.ndarray, names: list[str]) -> np.ndarray:
    """Mask of households whose tier is one of ``names``.

    One comparison per listed tier (quicker than indexing a table by the int8 tiers, which NumPy
    first widens to 64-bit indices).
    """
    out = np.zeros(len(tier), dtype=bool)
    for code in sorted({TIER_CODE[n] for n in names}):
        out |= tier == code
    return out


def medical_assistance(f: Facts, v: Values, tier: np.ndarray, paid_this_year: np.ndarray,
                       size: np.ndarray) -> np.ndarray:
    """Medical assistance: rate[tier] × out-of-pocket, capped at cap × size per calendar year."""
    s = v.special
    if not s.medical:
        return np.zeros(len(tier))
    rate = np.zeros(len(TIER_NAMES))
    for name in s.medical_tiers:
        rate[TIER_CODE[name]] = s.medical_rate[name]
    out = np.zeros(len(tier))
    # elsewhere min(0 × cost, room ≥ 0) = 0
    covered = flatnonzero(in_tiers(tier, [n for n in TIER_NAMES if rate[TIER_CODE[n]] > 0]))
    room = np.maximum(s.medical_cap_year * size[covered] - paid_this_year[covered], 0.0)
    out[covered] = np.minimum(rate[tier[covered]] * f.medical_oop[covered], room)
    return out


def education_assistance(f: Facts, v: Values, tier: np.ndarray) -> np.ndarray:
    """Education grant per student member per month, for tiers in the list."""
    s = v.special
    if not s.education:
        return np.zeros(len(tier))
    g = s.education_grant
    listed = flatnonzero(in_tiers(tier, s.education_tiers))
    members = f.members_of(listed)
    level = np.where(f.alive[members], f.student[members], 0)  # level 0's grant is 0.0
    grant = np.array([0.0, g.primary, g.secondary, g.tertiary])[level]
    out = np.zeros(len(tier))
    out[listed] = f.sum_over(listed, grant)
    return out


def housing_assistance(f: Facts, v: Values, tier: np.ndarray) -> np.ndarray:
    """housing_rate × (rent − rent_share_of_income × income)⁺ for renters in the listed tiers."""
    s = v.special
    if not s.housing:
        return np.zeros(len(tier))
    out = np.zeros(len(tier))
    renting = flatnonzero(in_tiers(tier, s.housing_tiers) & (f.rent > 0))
    income = f.income(renting)
    uncovered = np.maximum(f.rent[renting] - s.rent_share_of_income * income, 0.0)
    out[renting] = s.housing_rate * uncovered
    return out


def employment_members(f: Facts, v: Values, tier: np.ndarray) -> np.ndarray:
    """Member slots in an employment programme (working age, capable, not working, listed tier).

    Returns:
        Ascending member slot indices.
    """
    s = v.special
    if not s.employment:
        return np.zeros(0, dtype=np.int64)
    m = f.members_of(flatnonzero(in_tiers(tier, s.employment_tiers)))
    # labour capacity already means working age, no severe disability, no serious illness
    return m[f.alive[m] & ~f.works[m] & ~no_labour_capacity(f, v, m) & (f.student[m] == 0)]


def employment_participants(f: Facts, v: Values, tier: np.ndarray) -> np.ndarray:
    """Per member: in an employment programme (:func:`employment_members`, as a mask)."""
    out = np.zeros(len(f.age), dtype=bool)
    out[employment_members(f, v, tier)] = True
    return out


def heating_assistance(v: Values, tier: np.ndarray, calendar_month: int) -> np.ndarray:
    """Heating subsidy per household in the heating-season months, for the listed tiers."""
    s = v.special
    if not s.heating or calendar_month not in s.heating_months:
        return np.zeros(len(tier))
    return np.where(in_tiers(tier, s.heating_tiers), s.heating_subsidy, 0.0)


def disaster_grant(v: Values, damage: np.ndarray) -> np.ndarray:
    """One-off disaster grant by damage level (0 none … 3 collapsed)."""
    s = v.special
    if not s.disaster:
        return np.zeros(len(damage))
    g = s.disaster_grant
    return np.array([0.0, g.minor, g.damaged, g.collapsed])[damage]


def temporary_cap(v: Values, size: np.ndarray) -> np.ndarray:
    """Largest temporary-assistance payment: cap months × dibao line × size."""
    return v.policy.temporary_cap_months * v.policy.dibao_line * size
