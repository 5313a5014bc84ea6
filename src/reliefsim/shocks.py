"""Monthly hazards on the true facts: work, pay, illness, disability, disasters, ageing, death.

Every hazard draws a full block of uniforms from its own stream for the month, whatever the state
of the households, so a policy change never shifts anybody's shocks (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reliefsim.facts import Facts
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
    self_care_loss: np.ndarray
    died: np.ndarray
    hospital_cost: np.ndarray  # household yuan
    disaster: np.ndarray  # household damage level
    disaster_cost: np.ndarray  # household yuan
    earner_died: np.ndarray  # household bool


def _monthly(annual: float) -> float:
    return (1.0 + annual) ** (1.0 / 12.0)


def apply_shocks(pop: Population, v: Values, streams: Streams, t: int,
                 employment_boost: np.ndarray) -> Events:
    """Advance the true facts by one month and return the month's events.

    Args:
        pop: the population (its ``facts`` are changed in place).
        v: scenario values in force this month.
        streams: common-random-number streams.
        t: month index.
        employment_boost: per member, in an employment programme (raises re-employment).
    """
    f: Facts = pop.facts
    s, p = v.shocks, v.population
    m = len(f.age)
    alive = f.alive.copy()

    # ageing and death (Gompertz annual probability, converted to monthly)
    f.age = f.age + 1.0 / 12.0
    annual_q = np.minimum(s.mortality_gompertz_a * np.exp(s.mortality_gompertz_b * f.age), 1.0)
    died = alive & (streams.uniform("death", t, m) < 1.0 - (1.0 - annual_q) ** (1.0 / 12.0))
    earner_died = np.bincount(f.hh, weights=died & f.works, minlength=f.n_households) > 0
    f.alive = alive & ~died
    f.works = f.works & f.alive

    # retirement: stop work, receive a pension at least the basic one
    retiring = f.alive & (f.age >= p.retirement_age) & (f.age - 1.0 / 12.0 < p.retirement_age)
    f.pension = np.where(retiring & (f.pension == 0), np.maximum(p.basic_pension, 0.55 * f.wage),
                         f.pension) * np.where(f.pension > 0, _monthly(s.pension_uprating_annual),
                                               1.0)
    f.works = f.works & ~retiring

    # health
    u_ill = streams.uniform("illness", t, m)
    hazard = np.where(f.age >= 60, s.serious_illness_60plus, s.serious_illness_under60)
    onset = f.alive & ~f.serious_illness & (u_ill < hazard)
    recovered = f.alive & f.serious_illness & (u_ill < s.serious_illness_recovery)
    f.serious_illness = (f.serious_illness | onset) & ~recovered
    chronic_onset = (f.alive & ~f.chronic & (f.age >= 60)
                     & (streams.uniform("chronic", t, m) < s.chronic_onset_60plus))
    f.chronic = f.chronic | chronic_onset
    u_dis = streams.uniform("disability", t, m)
    dis_hazard = np.where(f.age >= 60, s.disability_onset_60plus, s.disability_onset_under60)
    disability_onset = f.alive & (f.disability < 2) & (u_dis < dis_hazard)
    f.disability = np.where(disability_onset, 2, f.disability).astype(np.int8)
    self_care_loss = (f.alive & ~f.unable_self_care & (f.age >= 75)
                      & (streams.uniform("self-care", t, m) < s.self_care_loss_75plus))
    f.unable_self_care = f.unable_self_care | self_care_loss

    # work and pay
    capable = f.alive & able_to_work(f.age, f.disability, f.serious_illness, v)
    f.student = student_level(f.age, f.tertiary_track)
    u_job = streams.uniform("job", t, m)
    job_loss = f.works & ((u_job < s.job_loss) | ~capable | (f.student > 0))
    rate = s.reemployment * np.where(employment_boost, 1.0 + v.special.employment_uplift, 1.0)
    reemployed = capable & f.seeking & ~f.works & (f.student == 0) & (u_job < rate)
    f.works = (f.works & ~job_loss) | reemployed
    lost = job_loss & f.alive & (f.age < p.retirement_age)
    f.seeking = (f.seeking | (lost & capable)) & ~f.works & capable & (f.student == 0)
    f.benefit_months = np.where(lost, s.unemployment_benefit_months,
                                np.maximum(f.benefit_months - (~f.works), 0)).astype(np.int16)
    f.benefit = np.where(lost, s.unemployment_benefit, f.benefit)
    growth = np.log(_monthly(s.wage_growth_annual))
    f.wage = f.wage * np.exp(growth + s.wage_sd_monthly * streams("wage", t).standard_normal(m))
    f.refresh_incomes()

    # rigid expenditure flows, plus hospital costs of new serious illness
    monthly_flows(f, v, streams("medical", t))
    hospital = np.where(onset, s.hospital_cost_median * np.exp(
        s.hospital_cost_sigma * streams("hospital", t).standard_normal(m)), 0.0)
    hospital_cost = f.member_sum(hospital)
    f.medical_oop = f.medical_oop + hospital_cost

    # disasters by district
    n_districts = int(pop.district.max()) + 1
    struck = streams.uniform("disaster-district", t, n_districts) < s.disaster_district
    u_hit = streams.uniform("disaster-hit", t, f.n_households)
    level_u = streams.uniform("disaster-level", t, f.n_households)
    hit = struck[pop.district] & (u_hit < s.disaster_share_hit) & (f.size() > 0)
    cum = np.cumsum(s.disaster_damage_probs)
    level = (1 + np.searchsorted(cum, level_u, side="right")).clip(1, 3)
    f.damage = np.where(hit, level, 0).astype(np.int8)
    c = s.disaster_cost
    disaster_cost = np.array([0.0, c.minor, c.damaged, c.collapsed])[f.damage]

    return Events(job_loss=job_loss, reemployed=reemployed, illness_onset=onset,
                  recovered=recovered, disability_onset=disability_onset,
                  self_care_loss=self_care_loss, died=died, hospital_cost=hospital_cost,
                  disaster=f.damage.copy(), disaster_cost=disaster_cost,
                  earner_died=earner_died)
