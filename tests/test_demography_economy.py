"""Hand-computed cases for the city's life (RULES.md §8) where a rule is simple enough: deaths
(demography.py), the home market, savings, cars, homes and rents (economy.py), and the rent a
household that moves can afford (population.py).

The draws are the model's own (month 0), taken from the same
:class:`~reliefsim.rng.Streams` calls and pinned in each test.
"""

import math

import numpy as np
import pytest

from casebuilder import facts, population, values
from reliefsim import demography, economy
from reliefsim.population import affordable_rent
from reliefsim.rng import Streams

T = 0
STILL = {  # no household event; deaths by a Gompertz hazard exp(age − 80) a year
    "demography.birth_rate": 0.0, "demography.partner": 0.0, "demography.join_children": 0.0,
    "demography.out_registered": 0.0, "demography.out_unregistered": 0.0,
    "demography.settle": 0.0, "demography.leave_home": 0.0, "demography.net_growth": 0.0,
    "shocks.mortality_gompertz_a": math.exp(-80.0), "shocks.mortality_gompertz_b": 1.0,
    "shocks.frail_mortality_factor": 2.5,
}
MARKET = {
    "economy.need_per_person": 1000.0, "economy.wealth_spending": 0.02,
    "economy.car_purchase": 0.0, "economy.car_sale": 0.0, "economy.home_purchase": 0.0,
    "economy.home_sale": 0.5, "economy.home_sale_value": 1_000_000.0,
    "economy.car_price": 150_000.0, "economy.car_resale": 50_000.0,
}


# ---------------------------------------------------------------- deaths
def monthly_death(age, frail=1.0):
    """1 − (1 − annual)^(1/12), annual = min(exp(age − 80), 1); × the frailty factor."""
    return (1.0 - (1.0 - min(math.exp(age - 80.0), 1.0)) ** (1.0 / 12.0)) * frail


def test_deaths_remove_members_by_age_and_frailty():
    u = Streams(5).uniform("people", T, 6)
    assert u.tolist() == pytest.approx([0.6642, 0.2721, 0.0953, 0.0403, 0.0979, 0.1836],
                                       abs=5e-5)
    f = facts({"wages": 3000, "members": [{"age": 85, "works": True, "wage": 3000.0},
                                          {"age": 40}]},
              {"members": [{"age": 79, "unable_self_care": True}, {"age": 40}]},
              {"members": [{"age": 79}, {"age": 40}]})
    pop = population(f)
    moves = demography.month(pop, values(**STILL), Streams(5), T)
    # a month older: 85 + 1/12 dies for sure (annual probability 1); 79 + 1/12 dies with
    # 0.04166 a month, 2.5 × that = 0.1041 when unable to care for itself: the frail member's
    # draw 0.0953 is under it, the other's 0.0979 is not; at 40 + 1/12 about 3e-19
    assert monthly_death(79 + 1 / 12, 2.5) == pytest.approx(0.10414, abs=1e-5)
    assert moves.died.tolist() == [0, 2]
    assert f.alive.tolist() == [False, True, False, True, True, True]
    assert f.size().tolist() == [1, 1, 2]
    assert moves.earner_died.tolist() == [True, False, False]
    assert moves.vacated.tolist() == []
    assert f.age.tolist() == pytest.approx([85 + 1 / 12, 40 + 1 / 12, 79 + 1 / 12, 40 + 1 / 12,
                                            79 + 1 / 12, 40 + 1 / 12], rel=1e-6)


def test_a_household_whose_last_member_died_is_dissolved_and_its_homes_put_on_sale(
        monkeypatch):
    f = facts({"homes_owned": 2, "members": [{"age": 90}, {"alive": False},
                                             {"alive": False}, {"alive": False}]})
    pop = population(f)
    freed = []
    original = demography.market

    def watch(pop_, slots, homes):
        freed.append(homes.tolist())
        original(pop_, slots, homes)

    monkeypatch.setattr(demography, "market", watch)
    moves = demography.month(pop, values(**STILL), Streams(5), T)
    assert moves.died.tolist() == [0]
    assert moves.dissolved.tolist() == [0] and moves.vacated.tolist() == [0]
    assert moves.left_weight.tolist() == [1.0]
    assert freed[0] == [2.0]   # weight 1 × 2 homes on its district's market


def test_home_market_adds_weighted_homes_by_district_and_never_goes_below_zero():
    pop = population(facts(*[{"members": [{}]}] * 3), district=[0, 0, 1])
    pop.weight[:] = [10.0, 20.0, 5.0]
    demography.market(pop, np.array([0, 1]), np.array([10.0, 40.0]))   # 1 and 2 homes
    assert pop.free_homes.tolist() == [50.0, 0.0]
    demography.market(pop, np.array([0, 2]), np.array([-20.0, -5.0]))  # buyers take homes
    assert pop.free_homes.tolist() == [30.0, 0.0]                       # 0 − 5 is held at 0


# ---------------------------------------------------------------- savings, homes, cars, rent
ASSET_DRAWS = [0.9594, 0.2805, 0.3392, 0.4307, 0.0124, 0.9416]   # seed 4, month 0, by id


def market_month(households, transfers, **changes):
    v = values(**{**MARKET, **changes})
    f = facts(*households)
    n = f.n_households
    u = Streams(4).uniform_at("assets", T, np.arange(n))
    assert u.tolist() == pytest.approx(ASSET_DRAWS[:n], abs=5e-5)
    trade = economy.month(f, v, Streams(4), T, np.array(transfers, dtype=float),
                          np.full(n, 0.25), f.size(), 1.02, np.arange(n))
    return f, trade


def test_owner_of_two_homes_sells_one_for_the_home_sale_value():
    one = {"members": [{}]}
    f, trade = market_month([
        {**one, "homes_owned": 2, "wages": 3000, "financial_assets": 100_000.0},  # 0.9594: sells
        {**one, "homes_owned": 2, "wages": 3000, "financial_assets": 100_000.0},  # 0.2805
        {**one, "homes_owned": 1, "wages": 400, "financial_assets": 10_000.0},
        {**one, "homes_owned": 0, "rent": 2000.0},
        {**one, "homes_owned": 0, "rent": 1500.0, "wages": 1000},
        {**one, "homes_owned": 1, "wages": 3000, "financial_assets": 100_000.0},  # 0.9416
    ], transfers=[0, 0, 300, 0, 0, 0])
    # a sale when 1 − 0 − 0.5 < u ≤ 1 − 0 and the household owns two homes (5 owns one)
    assert trade["home_sold"].tolist() == [True, False, False, False, False, False]
    assert f.homes_owned.tolist() == [1, 2, 1, 0, 0, 1]
    # savings: assets × (1 − 0.02) + 0.25 × (income + transfers − 1000 need)⁺ − shortfall
    assert f.financial_assets.tolist() == pytest.approx([
        98_000.0 + 500.0 + 1_000_000.0,     # and the sale
        98_000.0 + 500.0,
        9_800.0 - 300.0,                    # 400 + 300 leaves 300 of need uncovered
        0.0,                                # no savings to draw on: held at 0
        0.0,                                # income just covers the need
        98_000.0 + 500.0])
    # renters' rents follow the rent index (× 1.02); owners pay none
    assert f.rent.tolist() == pytest.approx([0.0, 0.0, 0.0, 2040.0, 1530.0, 0.0])


def test_cars_bought_with_savings_and_sold():
    one = {"members": [{}]}
    rich = {**one, "financial_assets": 200_000.0}
    f, trade = market_month([
        {**rich, "car": True},        # 0.9594 > 1 − 0.3: sells, + 50,000
        rich,                         # 0.2805 < 0.5 with 196,000 > 150,000: buys
        {**one, "financial_assets": 100_000.0},   # 0.3392 but 97,000 < 150,000
        {**rich, "car": True},        # 0.4307: keeps it
        rich,                         # 0.0124: buys
        rich,                         # 0.9416 ≥ 0.5: does not buy
    ], transfers=[0] * 6, **{"economy.car_purchase": 0.5, "economy.car_sale": 0.3,
                             "economy.home_sale": 0.0})
    assert trade["car_bought"].tolist() == [False, True, False, False, True, False]
    assert trade["car_sold"].tolist() == [True, False, False, False, False, False]
    assert f.car.tolist() == [False, True, False, True, True, False]
    # 200,000 × 0.98 = 196,000 (no income: 1000 of need each month drawn from savings)
    assert f.financial_assets.tolist() == pytest.approx([
        196_000.0 - 1000.0 + 50_000.0, 196_000.0 - 1000.0 - 150_000.0, 98_000.0 - 1000.0,
        196_000.0 - 1000.0, 196_000.0 - 1000.0 - 150_000.0, 196_000.0 - 1000.0])


def test_steady_savings_balance_saving_and_spending():
    v = values(**MARKET)
    got = economy.steady_savings(np.array([3000.0, 500.0]), economy.need(v, np.array([2, 1])),
                                 np.array([0.25, 0.25]), v)
    # 0.25 × (3000 − 2 × 1000) ÷ 0.02 = 12,500; no surplus: none
    assert got.tolist() == pytest.approx([12_500.0, 0.0])


def test_affordable_rent_is_capped_at_a_share_of_income():
    v = values(**{"population.rent_income_cap": 0.5})
    got = affordable_rent(np.array([3000.0, 3000.0, 3000.0]), np.array([4000.0, 8000.0, 0.0]), v)
    # min(3000, 0.5 × 4000); the full 3000; without income, rent-free
    assert got.tolist() == [2000.0, 3000.0, 0.0]
