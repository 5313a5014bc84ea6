"""Monthly hazards on the true facts: work, pay, illness, disability, self-care and disasters.

Every hazard draws a full block of uniforms (one per member or household slot) from its own
stream for the month, whatever the state of the households, so a policy change never shifts
anybody's shocks (common random numbers). Ageing, deaths, births and moves are the
demography's (:mod:`reliefsim.demography`).

Pay moves with the dated wage and pension indices (``economy.wage_index``,
``economy.pension_index``); around the index, a member's wage wanders about a permanent level of
its own (``wage_base``) with monthly persistence ``shocks.wage_persistence``, so the spread of
wages does not grow without end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from reliefsim.facts import MILD, SEVERE, Facts
from reliefsim.kernels import flatnonzero
from reliefsim.population import (
    Population,
    able_to_work,
    care_flows,
    medical_flows,
    pay,
    student_level,
)
from reliefsim.rng import Streams
from reliefsim.scenario import Values
from reliefsim.threads import together


@dataclass
class Events:
    """What happened this month (member masks of length M, household arrays of length H)."""

    job_loss: np.ndarray
    reemployed: np.ndarray
    illness_onset: np.ndarray
    recovered: np.ndarray
    disability_onset: np.ndarray
    disability_recovered: np.ndarray
    self_care_loss: np.ndarray
    hospital_cost: np.ndarray  # household yuan
    disaster: np.ndarray  # household damage level
    disaster_cost: np.ndarray  # household yuan
    household: np.ndarray  # member → household index


def growth(v_now: Values, v_before: Values, index: str) -> float:
    """This month's growth factor of a dated index (1.0 when it did not move)."""
    before = v_before.economy.get(index)
    return float(v_now.economy.get(index) / before) if before > 0 else 1.0


def _mask(n: int, index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A new bool array of ``n`` elements: ``values`` at ``index``, False elsewhere."""
    out = np.zeros(n, dtype=bool)
    out[index] = values
    return out


def _with(array: np.ndarray, index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A copy of ``array`` with ``values`` at ``index`` (the truth's arrays are replaced)."""
    out = array.copy()
    out[index] = values
    return out


def apply_shocks(pop: Population, v: Values, v_before: Values, streams: Streams, t: int,
                 employment_boost: Callable[[], np.ndarray]) -> Events:
    """Advance the true facts by one month and return the month's events.

    Every uniform block is drawn in full; each event is then decided only for the members whose
    draw falls below the largest probability the event can have (the rest cannot be hit). The
    true facts' arrays are replaced, never changed in place, so lagged snapshots may keep
    references to them. The members' health and work run beside their pay and the disasters
    (:func:`reliefsim.threads.together`): neither reads what the other writes.

    Args:
        pop: the population (its ``facts`` are changed in place).
        v: scenario values in force this month.
        v_before: scenario values in force last month (for the indices' growth).
        streams: common-random-number streams.
        t: month index.
        employment_boost: a function giving, per member, whether it is in an employment
            programme (which raises re-employment); run beside the month's retirements.
    """
    f: Facts = pop.facts
    works, boost = together(partial(_retire, f, v, v_before), employment_boost)
    (health, job_loss, reemployed), (wage, base, damage) = together(
        partial(_health_and_work, f, v, streams, t, works, boost),
        partial(_pay_and_disasters, pop, v, v_before, streams, t))
    f.wage, f.wage_base, f.damage = wage, base, damage
    onset, recovered, disability_onset, disability_recovered, self_care_loss = health

    # household incomes and medical costs beside the other rigid expenditure flows; hospital
    # costs of new illness
    together(lambda: (f.refresh_incomes(), medical_flows(f, v, streams, t)),
             partial(care_flows, f, v))
    s = v.shocks
    ill_now = flatnonzero(onset)
    z = streams.normal_at("hospital", t, ill_now)
    hospital = s.hospital_cost_median * np.exp(s.hospital_cost_sigma * z)
    hospital_cost = f.sum_members(ill_now, hospital)
    f.medical_oop = f.medical_oop + hospital_cost

    hit = flatnonzero(damage)
    c = s.disaster_cost
    disaster_cost = np.zeros(f.n_households)
    disaster_cost[hit] = np.array([0.0, c.minor, c.damaged, c.collapsed])[damage[hit]]

    return Events(job_loss=job_loss, reemployed=reemployed, illness_onset=onset,
                  recovered=recovered, disability_onset=disability_onset,
                  disability_recovered=disability_recovered, self_care_loss=self_care_loss,
                  hospital_cost=hospital_cost, disaster=damage.copy(),
                  disaster_cost=disaster_cost, household=f.hh)


def _retire(f: Facts, v: Values, v_before: Values) -> np.ndarray:
    """Pensions follow their index; members reaching the retirement age stop work.

    A new retiree receives a pension at least the basic one.

    Returns:
        Per member slot, whether the member works (alive and not retiring this month).
    """
    p = v.population
    alive, age = f.alive, f.age
    works = f.works & alive
    ret = p.retirement_age
    near = flatnonzero((age >= ret) & (age < ret + 1.0))
    near = near[alive[near] & (age[near] - 1.0 / 12.0 < ret)]
    pension = f.pension * np.float32(growth(v, v_before, "pension_index"))
    first = near[pension[near] == 0]
    pension[first] = np.maximum(p.basic_pension * v.economy.pension_index,
                                p.pension_replacement * pay(f.wage_base[first], age[first], v))
    f.pension = pension
    works[near] = False

    return works


def _health_and_work(f: Facts, v: Values, streams: Streams, t: int, works: np.ndarray,
                     employment_boost: np.ndarray
                     ) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """The month's health events, then who works and who seeks work (members' facts set).

    Args:
        f: the true facts (health, work and benefit fields replaced).
        v: scenario values in force.
        streams: common-random-number streams (the "health" and "job" draws).
        t: month index.
        works: per member slot, working before this month's events.
        employment_boost: per member, in an employment programme (raises re-employment).

    Returns:
        The health events (illness onset and recovery, disability onset and recovery, loss of
        self-care), the job losses and the re-employed, as member masks.
    """
    s, p = v.shocks, v.population
    m = len(f.age)
    alive, age = f.alive, f.age
    ret = p.retirement_age

    # health, competing risks on one draw per member (at most one of them a month): serious
    # illness (or its recovery), chronic illness, severe disability (or its recovery where not
    # permanent), loss of self-care; each event takes its own interval of the draw, and only
    # living members whose draw falls below the last interval's top can have one
    u = streams.uniform("health", t, m, scratch=True)
    ill_top = max(s.serious_illness_60plus, s.serious_illness_under60,
                  s.serious_illness_recovery)
    chronic_top = ill_top + s.chronic_onset_60plus
    dis_top = chronic_top + max(s.disability_onset_60plus, s.disability_onset_under60,
                                s.disability_recovery)
    care_top = dis_top + s.self_care_loss_75plus
    c = flatnonzero((u < care_top) & alive)
    uc, ac = u[c], age[c]
    a60 = ac >= 60
    ic = f.serious_illness[c]
    in_ill = uc < ill_top
    hazard = np.where(a60, s.serious_illness_60plus, s.serious_illness_under60)
    onset_c = in_ill & ~ic & (uc < hazard)
    recovered_c = in_ill & ic & (uc < s.serious_illness_recovery)
    onset, recovered = _mask(m, c, onset_c), _mask(m, c, recovered_c)
    f.serious_illness = ill = _with(f.serious_illness, c, (ic | onset_c) & ~recovered_c)
    chronic_c = f.chronic[c]
    f.chronic = _with(f.chronic, c,
                      chronic_c | ((uc >= ill_top) & (uc < chronic_top) & a60 & ~chronic_c))
    ud = uc - chronic_top  # the disability interval, from 0
    in_dis = (ud >= 0) & (uc < dis_top)
    dis = f.disability[c]
    dis_hazard = np.where(a60, s.disability_onset_60plus, s.disability_onset_under60)
    struck = in_dis & (dis < SEVERE) & (ud < dis_hazard)
    healed = (in_dis & (dis == SEVERE) & ~f.disability_permanent[c]
              & (ud < s.disability_recovery))
    disability_onset, disability_recovered = _mask(m, c, struck), _mask(m, c, healed)
    f.disability = disability = _with(f.disability, c,
                                      np.where(struck, SEVERE, np.where(healed, MILD, dis)))
    permanent = f.disability_permanent.copy()
    # below its hazard, a member's draw is uniform again: the lower part makes it permanent
    permanent[c[struck]] = ud[struck] / dis_hazard[struck] < p.permanent_disability_share
    f.disability_permanent = permanent
    unable_c = f.unable_self_care[c]
    lost_care = (uc >= dis_top) & ~unable_c & (ac >= 75)
    self_care_loss = _mask(m, c, lost_care)
    f.unable_self_care = _with(f.unable_self_care, c, unable_c | lost_care)

    # work
    capable = alive & able_to_work(age, disability, ill, v)
    f.student = student = student_level(age, f.tertiary_track, p.school_ages)
    in_school = student > 0
    u_job = streams.uniform("job", t, m, scratch=True)
    r = s.reemployment
    r_boost = s.reemployment * (1.0 + v.special.employment_uplift)
    job_loss = works & (~capable | in_school | (u_job < s.job_loss))
    seeking = f.seeking
    reemployed = capable & seeking & ~works & ~in_school  # those who can be: a few in a hundred
    looking = flatnonzero(reemployed)
    reemployed[looking] = u_job[looking] < np.where(employment_boost[looking], r_boost, r)
    f.works = works = (works & ~job_loss) | reemployed
    lost = flatnonzero(job_loss)
    lost = lost[alive[lost] & (age[lost] < ret)]
    # the capable outside the labour force start looking for work (young people leaving school,
    # parents going back) at labour_entry; seekers give up at labour_exit (the draw's top end)
    idle = capable & ~works & ~seeking & ~in_school
    entering = idle & (u_job < s.labour_entry)
    giving_up = seeking & ~works & (u_job > 1.0 - s.labour_exit)
    # job losers look for work; seekers stop seeking once they work or cannot
    f.seeking = (seeking | job_loss | entering) & ~giving_up & ~works & capable & ~in_school
    benefit_months = f.benefit_months - ~works
    np.maximum(benefit_months, 0, out=benefit_months)
    benefit_months[lost] = s.unemployment_benefit_months
    f.benefit_months = benefit_months.astype(np.int16, copy=False)
    if len(lost):
        f.benefit = f.benefit.copy()
        f.benefit[lost] = s.unemployment_benefit
    return ((onset, recovered, disability_onset, disability_recovered, self_care_loss),
            job_loss, reemployed)


def _pay_and_disasters(pop: Population, v: Values, v_before: Values, streams: Streams,
                       t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members' pay for the month, and the households the month's disasters damage.

    Returns:
        The new wages and permanent wage levels (per member slot), and each household's
        damage level (0 none, 1 minor, 2 damaged, 3 collapsed).
    """
    f: Facts = pop.facts
    s, p = v.shocks, v.population
    alive, age = f.alive, f.age
    ret = p.retirement_age
    wage_growth = np.float32(growth(v, v_before, "wage_index"))
    base = f.wage_base * wage_growth
    # log(wage / level at the member's age) persists by rho a month and takes a new shock
    # (living members of working age only; the others keep their last pay)
    adults = flatnonzero(alive & (age >= p.work_start_age) & (age < ret))
    z = streams.normal_at("wage", t, adults)
    wage = f.wage * wage_growth
    level = pay(base[adults], age[adults], v)
    log_ratio = wage[adults]
    log_ratio /= np.maximum(level, np.float32(1e-3))  # the ratio
    np.log(np.maximum(log_ratio, np.float32(1e-3), out=log_ratio), out=log_ratio)
    log_ratio *= s.wage_persistence
    z *= s.wage_sd_monthly
    z += log_ratio
    np.exp(z, out=z)
    z *= level
    wage[adults] = z

    # disasters by district
    n_districts = len(pop.bounds) - 1
    struck = streams.uniform("disaster-district", t, n_districts) < s.disaster_district
    damage = np.zeros(f.n_households, dtype=np.int8)
    exposed = flatnonzero(struck[pop.district] & pop.occupied)
    if len(exposed):  # one draw per household of a struck district: hit, then how badly
        u_hit = streams.uniform_at("disaster", t, pop.hid[exposed])
        hit = exposed[u_hit < s.disaster_share_hit]
        level_u = u_hit[u_hit < s.disaster_share_hit] / max(s.disaster_share_hit, 1e-300)
        keep = f.any_member(hit, alive[f.members_of(hit)])  # households with anybody left
        hit, level_u = hit[keep], level_u[keep]
        cum = np.cumsum(s.disaster_damage_probs)
        damage[hit] = (1 + np.searchsorted(cum, level_u, side="right")).clip(1, 3)
    return wage, base, damage
