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

from dataclasses import dataclass

import numpy as np

from reliefsim.facts import MILD, SEVERE, Facts
from reliefsim.population import Population, able_to_work, monthly_flows, student_level
from reliefsim.rng import Streams
from reliefsim.scenario import Values


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


def _below(u: np.ndarray, bound: float) -> np.ndarray:
    """Indices where ``u < bound``: the only members an event with probability ≤ bound can hit."""
    return np.flatnonzero(u < bound)


def apply_shocks(pop: Population, v: Values, v_before: Values, streams: Streams, t: int,
                 employment_boost: np.ndarray) -> Events:
    """Advance the true facts by one month and return the month's events.

    Every uniform block is drawn in full; each event is then decided only for the members whose
    draw falls below the largest probability the event can have (the rest cannot be hit). The
    true facts' arrays are replaced, never changed in place, so lagged snapshots may keep
    references to them.

    Args:
        pop: the population (its ``facts`` are changed in place).
        v: scenario values in force this month.
        v_before: scenario values in force last month (for the indices' growth).
        streams: common-random-number streams.
        t: month index.
        employment_boost: per member, in an employment programme (raises re-employment).
    """
    f: Facts = pop.facts
    s, p = v.shocks, v.population
    m = len(f.age)
    alive = f.alive
    age = f.age
    works = f.works & alive

    # retirement: stop work, receive a pension at least the basic one; pensions follow the index
    ret = p.retirement_age
    near = np.flatnonzero((age >= ret) & (age < ret + 1.0))
    near = near[alive[near] & (age[near] - 1.0 / 12.0 < ret)]
    retiring = np.zeros(m, dtype=bool)
    retiring[near] = True
    pension = f.pension * np.float32(growth(v, v_before, "pension_index"))
    first = near[pension[near] == 0]
    pension[first] = np.maximum(p.basic_pension * v.economy.pension_index,
                                p.pension_replacement * f.wage[first])
    f.pension = pension
    works &= ~retiring

    # health: serious illness and its recovery, chronic illness, severe disability and its
    # recovery (where not permanent), loss of self-care
    old60 = age >= 60
    u_ill = streams.uniform("illness", t, m, scratch=True)
    c = _below(u_ill, max(s.serious_illness_60plus, s.serious_illness_under60,
                          s.serious_illness_recovery))
    ill = f.serious_illness
    uc, ac, ic = u_ill[c], alive[c], ill[c]
    hazard = np.where(old60[c], s.serious_illness_60plus, s.serious_illness_under60)
    onset = np.zeros(m, dtype=bool)
    onset[c] = ac & ~ic & (uc < hazard)
    recovered = np.zeros(m, dtype=bool)
    recovered[c] = ac & ic & (uc < s.serious_illness_recovery)
    f.serious_illness = ill = (ill | onset) & ~recovered
    c = _below(streams.uniform("chronic", t, m, scratch=True), s.chronic_onset_60plus)
    chronic_onset = np.zeros(m, dtype=bool)
    chronic_onset[c] = alive[c] & ~f.chronic[c] & old60[c]
    f.chronic = f.chronic | chronic_onset
    u_dis = streams.uniform("disability", t, m, scratch=True)
    c = _below(u_dis, max(s.disability_onset_60plus, s.disability_onset_under60,
                          s.disability_recovery))
    dis = f.disability[c]
    dis_hazard = np.where(old60[c], s.disability_onset_60plus, s.disability_onset_under60)
    disability_onset = np.zeros(m, dtype=bool)
    disability_onset[c] = alive[c] & (dis < SEVERE) & (u_dis[c] < dis_hazard)
    disability_recovered = np.zeros(m, dtype=bool)
    disability_recovered[c] = (alive[c] & (dis == SEVERE) & ~f.disability_permanent[c]
                               & (u_dis[c] < s.disability_recovery))
    disability = f.disability.copy()
    disability[disability_onset] = SEVERE
    disability[disability_recovered] = MILD
    f.disability = disability
    permanent = f.disability_permanent.copy()
    # below its hazard, a member's draw is uniform again: the lower part makes it permanent
    onset_idx = np.flatnonzero(disability_onset)
    relative = u_dis[onset_idx] / np.where(old60[onset_idx], s.disability_onset_60plus,
                                           s.disability_onset_under60)
    permanent[onset_idx] = relative < p.permanent_disability_share
    f.disability_permanent = permanent
    c = _below(streams.uniform("self-care", t, m, scratch=True), s.self_care_loss_75plus)
    self_care_loss = np.zeros(m, dtype=bool)
    self_care_loss[c] = alive[c] & ~f.unable_self_care[c] & (age[c] >= 75)
    f.unable_self_care = f.unable_self_care | self_care_loss

    # work and pay
    capable = alive & able_to_work(age, disability, ill, v)
    f.student = student = student_level(age, f.tertiary_track, p.school_ages)
    in_school = student > 0
    u_job = streams.uniform("job", t, m, scratch=True)
    r = s.reemployment
    r_boost = s.reemployment * (1.0 + v.special.employment_uplift)
    c = _below(u_job, max(s.job_loss, r, r_boost))
    job_loss = works & (~capable | in_school)
    job_loss[c] |= works[c] & (u_job[c] < s.job_loss)
    rate = np.where(employment_boost[c], r_boost, r)
    reemployed = np.zeros(m, dtype=bool)
    reemployed[c] = capable[c] & f.seeking[c] & ~works[c] & ~in_school[c] & (u_job[c] < rate)
    f.works = works = (works & ~job_loss) | reemployed
    lost = np.flatnonzero(job_loss)
    lost = lost[alive[lost] & (age[lost] < ret)]
    # job losers look for work; seekers stop seeking once they work or cannot
    f.seeking = (f.seeking | job_loss) & ~works & capable & ~in_school
    benefit_months = f.benefit_months - ~works
    np.maximum(benefit_months, 0, out=benefit_months)
    benefit_months[lost] = s.unemployment_benefit_months
    f.benefit_months = benefit_months.astype(np.int16, copy=False)
    if len(lost):
        f.benefit = f.benefit.copy()
        f.benefit[lost] = s.unemployment_benefit
    wage_growth = np.float32(growth(v, v_before, "wage_index"))
    base = f.wage_base * wage_growth
    f.wage_base = base
    z = streams.normal("wage", t, m, scratch=True)
    # log(wage / base) persists by rho a month; the shock's spread keeps its variance steady
    rho = s.wage_persistence
    ratio = np.divide(f.wage * wage_growth, base, out=np.ones(m, dtype=np.float32),
                      where=base > 0)
    log_ratio = rho * np.log(np.maximum(ratio, np.float32(1e-3))) + s.wage_sd_monthly * z
    f.wage = (base * np.exp(log_ratio)).astype(np.float32)
    f.refresh_incomes()

    # rigid expenditure flows, plus hospital costs of new serious illness
    monthly_flows(f, v, streams.normal("medical", t, m, scratch=True))
    z = streams.normal("hospital", t, m, scratch=True)
    ill_now = np.flatnonzero(onset)
    hospital = s.hospital_cost_median * np.exp(s.hospital_cost_sigma * z[ill_now])
    hospital_cost = f.sum_members(ill_now, hospital)
    f.medical_oop = f.medical_oop + hospital_cost

    # disasters by district
    n_districts = len(pop.bounds) - 1
    struck = streams.uniform("disaster-district", t, n_districts) < s.disaster_district
    hit = np.flatnonzero(streams.uniform("disaster-hit", t, f.n_households, scratch=True)
                         < s.disaster_share_hit)
    level_u = streams.uniform("disaster-level", t, f.n_households, scratch=True)
    hit = hit[struck[pop.district[hit]]]
    hit = hit[f.any_member(hit, alive[f.members_of(hit)])]  # households with anybody left
    cum = np.cumsum(s.disaster_damage_probs)
    damage = np.zeros(f.n_households, dtype=np.int8)
    damage[hit] = (1 + np.searchsorted(cum, level_u[hit], side="right")).clip(1, 3)
    f.damage = damage
    c = s.disaster_cost
    disaster_cost = np.zeros(f.n_households)
    disaster_cost[hit] = np.array([0.0, c.minor, c.damaged, c.collapsed])[damage[hit]]

    return Events(job_loss=job_loss, reemployed=reemployed, illness_onset=onset,
                  recovered=recovered, disability_onset=disability_onset,
                  disability_recovered=disability_recovered, self_care_loss=self_care_loss,
                  hospital_cost=hospital_cost, disaster=damage.copy(),
                  disaster_cost=disaster_cost, household=f.hh)
