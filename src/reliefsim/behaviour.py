"""Households finding policy (人找政策): who applies each month and what they declare."""

from __future__ import annotations

import numpy as np

from reliefsim.facts import HOUSEHOLD_FIELDS, MEMBER_FIELDS, RING_FIELDS, Facts
from reliefsim.kernels import flatnonzero
from reliefsim.population import Population
from reliefsim.rng import Streams
from reliefsim.rules import DESTITUTE, DIBAO, Assessment, lower_tier, tier_line
from reliefsim.scenario import Values


def low_awareness(f: Facts, households: np.ndarray) -> np.ndarray:
    """Per given household: no living member with smartphone skills.

    Elderly-only households mostly (the skills' shares fall with age: ``population.
    smartphone_share_*``), and some others.

    Args:
        f: facts.
        households: ascending household indices.
    """
    return ~f.any_living(households, f.smartphone)


def money_at_stake(income_pc: np.ndarray, tier: np.ndarray, v: Values) -> np.ndarray:
    """Per household, the basic-living money per person its tier pays ÷ the dibao line (≤ 1).

    The gap to the dibao line for dibao households (at least the minimum payment), to the
    destitute line for destitute ones; 1 for any other (the caller decides where it applies).
    """
    p = v.policy
    gap = np.maximum(tier_line(tier, v) - income_pc, p.dibao_min_payment)
    paid = (tier == DIBAO) | (tier == DESTITUTE)
    share = np.ones(len(tier))
    if p.dibao_line > 0:
        share[paid] = gap[paid] / p.dibao_line
    return np.clip(share, 0.0, 1.0)


def tier_propensity(tier: np.ndarray, income_pc: np.ndarray, v: Values) -> np.ndarray:
    """How readily eligible households of each tier seek help, relative to the poorest (≤ 1).

    (:func:`money_at_stake`) ^ ``behaviour.benefit_elasticity`` for households the dibao or the
    destitute support would pay; ``behaviour.lower_tier_apply_factor`` for the lower tiers
    (marginal, rigid-expenditure hardship); 1 for the others (individual enrolment, none).
    """
    b = v.behaviour
    stake = money_at_stake(income_pc, tier, v) ** b.benefit_elasticity  # 1 where not paid
    return np.where(lower_tier(tier), b.lower_tier_apply_factor, stake)


def application_probability(pop: Population, truth: Assessment, hardship: np.ndarray,
                            disaster: np.ndarray, free: np.ndarray, v: Values) -> np.ndarray:
    """Monthly probability that each household applies (0 unless ``free`` to).

    Households in hardship (truly eligible, or a recent sudden hardship) apply with
    ``apply_prob``, scaled down for low awareness and back up by assisted application; unless a
    sudden hardship drives them, those the dibao or the destitute support would pay scale it by
    the money at stake (:func:`money_at_stake` ^ ``benefit_elasticity``) and the lower tiers
    (marginal, rigid-expenditure hardship) by ``lower_tier_apply_factor``; near-poor
    households apply less often; a household hit by a disaster this month applies with
    ``disaster_apply_prob``; the others never apply. The probability is worked out for the
    households that can apply at all (the others are 0). ``free``: households that may apply
    this month (living, not enrolled, no open case).
    """
    b = v.behaviour
    line = v.policy.marginal_multiplier * v.policy.dibao_line * b.near_poor_multiple
    near_poor = truth.income_pc < line
    in_need = hardship | truth.eligible
    hit = disaster > 0
    can = flatnonzero((in_need | near_poor | hit) & free)
    aware = np.where(low_awareness(pop.facts, can), b.low_awareness_factor
                     * (b.assisted_factor if v.policy.assisted_application else 1.0), 1.0)
    p = b.apply_prob * np.minimum(aware, 1.0)
    p = np.where(hardship[can], p, p * tier_propensity(truth.tier[can], truth.income_pc[can], v))
    # the near-poor rarely apply, except those who mean to under-declare
    near = np.where(pop.misreporter[can], b.misreporter_apply_factor, b.near_poor_factor)
    p = np.where(in_need[can], p, np.where(near_poor[can], p * near, 0.0))
    out = np.zeros(len(truth.size))
    out[can] = np.where(hit[can], np.maximum(p, b.disaster_apply_prob), p)
    return out


def applications(pop: Population, truth: Assessment, hardship: np.ndarray, free: np.ndarray,
                 v: Values, streams: Streams, t: int) -> np.ndarray:
    """Households that apply this month (a mask)."""
    p = application_probability(pop, truth, hardship, pop.facts.damage, free, v)
    out = np.zeros(pop.n, dtype=bool)
    can = flatnonzero(p > 0)
    out[can] = streams.uniform_at("apply", t, pop.hid[can]) < p[can]
    return out


def declare(pop: Population, admin: Facts, applying: np.ndarray, linked: dict[str, np.ndarray],
            v: Values) -> np.ndarray:
    """Write the declarations of applicants and of households under review into the admin view.

    Declarations are truthful except that misreporters under-declare, by
    ``behaviour.misreport_share``, their wages (where human resources data are not linked),
    their savings (where finance data are not linked) and their other income (which no
    department sees).

    Args:
        pop: the population (true facts, who misreports).
        admin: the admin view (changed in place).
        applying: households declaring this month (a mask).
        linked: per department, the households it links.
        v: scenario values in force.

    Returns:
        The households whose admin facts this changed (a mask): those declaring.
    """
    admin.reveal(pop.facts, applying, MEMBER_FIELDS, HOUSEHOLD_FIELDS + RING_FIELDS)
    # Until now every household's wages and pensions are the sums over its members (refreshed
    # after the linked-data update; applicants' copied from the truth, refreshed the same way),
    # so only the cheats' households need their sums recomputed.
    cheats = flatnonzero(applying & pop.misreporter)
    if len(cheats) == 0:
        return applying
    keep = 1.0 - v.behaviour.misreport_share
    before = admin.income(cheats)
    unlinked = admin.members_of(cheats[~linked["human_resources"][cheats]])
    admin.wage[unlinked] = admin.wage[unlinked] * np.float32(keep)
    admin.other_income[cheats] = admin.other_income[cheats] * keep
    hidden = cheats[~linked["finance"][cheats]]
    admin.financial_assets[hidden] = admin.financial_assets[hidden] * keep
    admin.refresh_incomes(cheats)
    after = admin.income(cheats)
    ratio = np.divide(after, before, out=np.ones(len(cheats)), where=before > 0)
    admin.income_ring[:, cheats] *= ratio
    admin.income_window[cheats] = admin.income_window[cheats] * ratio
    return applying
