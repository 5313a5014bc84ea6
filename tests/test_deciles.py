"""Weighted deciles on hand-worked cases, and the radix sort they rest on against NumPy's."""

import numpy as np
import pytest

from reliefsim import deciles as dec


def test_hand_worked_deciles_follow_cumulative_weight():
    # five households of weight 2 (total 10): below = 0, 2, 4, 6, 8 → deciles 0, 2, 4, 6, 8
    values = np.array([50.0, 10.0, 40.0, 20.0, 30.0])
    assert dec.deciles(values, np.full(5, 2.0)).tolist() == [8, 0, 6, 2, 4]


def test_ties_go_by_household_index_and_weightless_households_add_nothing():
    # values tie at 5: index 0 comes before index 2; household 1 has weight 0
    values = np.array([5.0, 1.0, 5.0, 9.0])
    weights = np.array([1.0, 0.0, 1.0, 2.0])
    # order 1 (w 0), 0 (w 1), 2 (w 1), 3 (w 2); total 4; below 0, 0, 1, 2 → 0, 0, 2, 5
    assert dec.deciles(values, weights).tolist() == [0, 0, 2, 5]


@pytest.mark.parametrize("kind", ["continuous", "ties", "signed", "nan"])
def test_radix_sort_is_numpys_stable_argsort(kind):
    rng = np.random.default_rng(4)
    n = dec.SMALL * 3
    values = np.exp(rng.normal(7.0, 1.5, n))
    if kind == "ties":
        values = rng.integers(0, 5, n).astype(float)
    elif kind == "signed":
        values = rng.integers(-3, 4, n).astype(float)
        values[rng.random(n) < 0.2] = -0.0
    elif kind == "nan":
        values[rng.random(n) < 0.01] = np.nan
    assert np.array_equal(dec.stable_argsort(values), np.argsort(values, kind="stable"))


def test_a_large_town_fills_each_tenth():
    rng = np.random.default_rng(11)
    values = np.exp(rng.normal(8.0, 1.0, 200_000))
    weights = np.where(rng.random(200_000) < 0.3, 1.0, 6.0)
    got = dec.deciles(values, weights)
    share = np.bincount(got, weights=weights, minlength=10) / weights.sum()
    assert np.allclose(share, 0.1, atol=1e-4)
