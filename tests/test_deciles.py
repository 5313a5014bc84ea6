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


@pytest.mark.parametrize("kind", ["continuous", "ties", "signed", "nan", "constant", "extremes",
                                  "close", "clusters"])
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
    elif kind == "constant":  # no byte sorts anything: every pass is skipped
        values = np.full(n, 3.5)
    elif kind == "extremes":
        pool = [np.inf, -np.inf, 5e-324, -5e-324, 0.0, -0.0, 1.7e308, -1.7e308, 1.0, -1.0]
        values = rng.choice(np.array(pool), n)
    elif kind == "close":  # one run: every high half the same, the low halves decide
        values = 1.0 + rng.integers(0, 5000, n) * 2.0**-52
        values[::2] *= -1
    elif kind == "clusters":  # short runs of close values, falling in index order
        values = np.repeat(rng.random(n // 8), 8) * (1.0 - np.tile(np.arange(8), n // 8) * 2.0**-50)
    assert np.array_equal(dec.stable_argsort(values), np.argsort(values, kind="stable"))


def test_a_large_town_fills_each_tenth():
    rng = np.random.default_rng(11)
    values = np.exp(rng.normal(8.0, 1.0, 200_000))
    weights = np.where(rng.random(200_000) < 0.3, 1.0, 6.0)
    got = dec.deciles(values, weights)
    share = np.bincount(got, weights=weights, minlength=10) / weights.sum()
    assert np.allclose(share, 0.1, atol=1e-4)


def numpy_deciles(values, weights):
    """The deciles' arithmetic written out in NumPy (the compiled pass must give these bits)."""
    order = np.argsort(values, kind="stable")
    ordered = weights[order]
    below = np.cumsum(ordered)
    total = max(below[-1], 1e-12) if len(below) else 1e-12
    below = (below - ordered) * 10
    share = below / total
    tenth = np.floor(share)
    edge = np.flatnonzero(tenth == share)
    tenth[edge] = below[edge] // total
    out = np.empty(len(values), dtype=np.int8)
    out[order] = np.minimum(tenth, 9)
    return out


@pytest.mark.parametrize("town", ["two weight levels", "whole tenths", "tenths of a yuan",
                                  "one household", "empty", "all weightless"])
def test_compiled_deciles_equal_the_numpy_arithmetic(town):
    rng = np.random.default_rng(8)
    n = {"one household": 1, "empty": 0}.get(town, 50_000)
    values = np.round(np.exp(rng.normal(7.0, 1.2, n)), 1)  # rounded: many ties
    if town == "two weight levels":  # one exactly six times the other, as synthesized
        weights = np.where(rng.random(n) < 0.2, 1.598, 6 * 1.598)
    elif town == "whole tenths":  # 5,000 households of weight 2 in each tenth
        weights = np.full(n, 2.0)
    elif town == "all weightless":
        weights = np.zeros(n)
    else:
        weights = np.round(rng.random(n), 1)  # 0.1 steps: running sums round
    got, want = dec.deciles(values, weights), numpy_deciles(values, weights)
    assert got.dtype == np.int8 and np.array_equal(got, want)
    if town == "whole tenths":  # the quotient is whole at every tenth's first household
        ordered = weights[np.argsort(values, kind="stable")]
        running = np.cumsum(ordered)
        share = (running - ordered) * 10 / running[-1]
        assert (np.floor(share[1:]) == share[1:]).sum() == 9
        assert np.bincount(got).tolist() == [5000] * 10
