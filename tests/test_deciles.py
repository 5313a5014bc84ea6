"""Weighted deciles: the definition on hand-worked cases, and the partial-sort path against it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliefsim import deciles as dec


def test_hand_worked_deciles_follow_cumulative_weight():
    # five households of weight 2 (total 10): below = 0, 2, 4, 6, 8 → deciles 0, 2, 4, 6, 8
    values = np.array([50.0, 10.0, 40.0, 20.0, 30.0])
    got = dec.deciles(values, np.full(5, 2.0))
    assert got.tolist() == [8, 0, 6, 2, 4]


def test_ties_go_by_household_index_and_weightless_households_add_nothing():
    # values tie at 5: index 0 comes before index 2; household 1 has weight 0
    values = np.array([5.0, 1.0, 5.0, 9.0])
    weights = np.array([1.0, 0.0, 1.0, 2.0])
    # order 1 (w 0), 0 (w 1), 2 (w 1), 3 (w 2); total 4; below 0, 0, 1, 2 → 0, 0, 2, 5
    assert dec.deciles(values, weights).tolist() == [0, 0, 2, 5]


def test_unequal_weights_take_the_sorting_path():
    rng = np.random.default_rng(3)
    values = rng.random(dec.SMALL * 2)
    weights = rng.random(dec.SMALL * 2) + 0.5
    assert dec._deciles_for_equal_weights(values, weights) is None
    assert np.array_equal(dec.deciles(values, weights), dec.deciles_by_sort(values, weights))


def test_stable_argsort_matches_numpy_on_signed_zeros_and_ties():
    rng = np.random.default_rng(4)
    values = rng.integers(-3, 4, dec.SMALL * 3).astype(float)
    values[rng.random(len(values)) < 0.2] = -0.0
    assert np.array_equal(dec.stable_argsort(values), np.argsort(values, kind="stable"))


def _town(seed: int, n: int, ties: str, dead: float, weight: float) -> tuple:
    rng = np.random.default_rng(seed)
    values = np.exp(rng.normal(7.0, 1.5, n))
    if ties == "rounded":
        values = np.round(values, -2)
    elif ties == "zeros":
        values[rng.random(n) < 0.15] = 0.0
    elif ties == "few":
        values = rng.integers(0, 4, n).astype(float)
    elif ties == "signed":
        values[rng.random(n) < 0.2] = -0.0
        values[rng.random(n) < 0.1] *= -1
    weights = weight * (rng.random(n) >= dead)
    return values, weights


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(dec.SMALL, 20_000),
       ties=st.sampled_from(["none", "rounded", "zeros", "few", "signed"]),
       dead=st.sampled_from([0.0, 0.001, 0.05, 0.5, 0.97]),
       weight=st.sampled_from([1.0, 1 / 3, 7.3, 1234.567]))
def test_partial_sort_gives_the_sorted_definition_bit_for_bit(seed, n, ties, dead, weight):
    values, weights = _town(seed, n, ties, dead, weight)
    fast = dec._deciles_for_equal_weights(values, weights)
    assert fast is not None
    assert np.array_equal(fast, dec.deciles_by_sort(values, weights))


@pytest.mark.parametrize("ties", ["none", "zeros", "few"])
def test_a_large_town_takes_the_partial_sort_and_fills_every_decile(ties):
    values, weights = _town(11, 200_000, ties, 0.03, 7.3)
    fast = dec._deciles_for_equal_weights(values, weights)
    assert np.array_equal(fast, dec.deciles_by_sort(values, weights))
    if ties == "none":  # each tenth of the weighted households, to within one household
        shares = np.bincount(fast[weights > 0], minlength=10) / np.count_nonzero(weights)
        assert np.allclose(shares, 0.1, atol=1e-5)
