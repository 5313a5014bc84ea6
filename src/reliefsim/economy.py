"""Savings, homes, cars and rents that move (RULES.md §8), after the month's payments.

A household saves a share of what its income and transfers leave above its needs
(``economy.need_per_person`` × members, which no policy sets), draws its savings down when they
fall short (hardship), and spends a small share of its savings each month
(``economy.wealth_spending``), so savings settle where saving and spending balance. A
household's saving share is its own (drawn at its start, :func:`saving_share`). Households with
savings sometimes buy a car or a home, and sell them; renters' rents follow the rent index.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from reliefsim.facts import Facts
from reliefsim.rng import Streams
from reliefsim.scenario import Values
from reliefsim.threads import together


def need(v: Values, size: np.ndarray) -> np.ndarray:
    """A household's monthly consumption needs: ``economy.need_per_person`` × size (yuan)."""
    return v.economy.need_per_person * size


def steady_savings(income: np.ndarray, needs: np.ndarray, share: np.ndarray,
                   v: Values) -> np.ndarray:
    """Savings where saving and spending balance: share × surplus ÷ monthly spending rate."""
    return share * np.maximum(income - needs, 0.0) / v.economy.wealth_spending


def month(f: Facts, v: Values, streams: Streams, t: int, transfers: np.ndarray,
          share: np.ndarray, size: np.ndarray, rent_growth: float, hid: np.ndarray
          ) -> dict[str, np.ndarray]:
    """Savings, cars, homes and rents after this month's income and transfers.

    Args:
        f: the true facts (changed in place; arrays replaced, not edited).
        v: scenario values in force.
        streams: common-random-number streams.
        t: month index.
        transfers: this month's payments per household (all programmes).
        share: per household, the share of its surplus it saves.
        size: living members per household.
        rent_growth: this month's growth factor of the rent index.
        hid: per slot, the household's identifier (the draws' key; −1 for a vacant slot).

    Returns:
        Household masks of the month's purchases and sales (``car_bought``, ``car_sold``,
        ``home_bought``, ``home_sold``).
    """
    e = v.economy
    living = size > 0
    # the month's savings beside the draws that decide the purchases and sales
    assets, u = together(partial(savings, f, v, transfers, share, size),
                         partial(streams.uniform_at, "assets", t, hid))
    car = f.car.astype(bool)
    car_bought = living & ~car & (assets > e.car_price) & (u < e.car_purchase)
    car_sold = living & car & (u > 1.0 - e.car_sale)
    assets[car_bought] -= e.car_price
    assets[car_sold] += e.car_resale
    homes = f.homes_owned
    home_bought = (living & (homes < 2) & (assets > e.home_deposit)
                   & (u >= e.car_purchase) & (u < e.car_purchase + e.home_purchase))
    # owners sell a second home (a household does not sell the home it lives in)
    home_sold = living & (homes >= 2) & (u <= 1.0 - e.car_sale) & (
        u > 1.0 - e.car_sale - e.home_sale)
    assets[home_bought] -= e.home_deposit
    assets[home_sold] += e.home_sale_value
    f.financial_assets = assets
    f.car = (car | car_bought) & ~car_sold
    new_homes = homes + home_bought.astype(np.int8) - home_sold.astype(np.int8)
    f.homes_owned = new_homes.astype(np.int8)
    f.rent = np.where(new_homes > 0, 0.0, f.rent * rent_growth)
    return {"car_bought": car_bought, "car_sold": car_sold, "home_bought": home_bought,
            "home_sold": home_sold}


def savings(f: Facts, v: Values, transfers: np.ndarray, share: np.ndarray, size: np.ndarray
            ) -> np.ndarray:
    """Financial assets after the month, floored at 0.

    Spent down at ``economy.wealth_spending``, plus the saved share of the surplus over needs,
    less any shortfall.
    """
    e = v.economy
    needs = need(v, size)
    resources = f.income() + transfers
    surplus = np.maximum(resources - needs, 0.0)
    shortfall = np.maximum(needs - resources, 0.0)
    assets = f.financial_assets * (1.0 - e.wealth_spending)
    assets += share * surplus
    assets -= shortfall
    np.maximum(assets, 0.0, out=assets)  # never −0.0: the purchases and sales that follow
    # change only the households that make them (the others would add and subtract 0.0)
    return assets


def saving_share(v: Values, factor: np.ndarray) -> np.ndarray:
    """Households' saving shares: ``economy.saving_share`` × each household's asset factor."""
    return np.minimum(v.economy.saving_share * factor, 1.0)
