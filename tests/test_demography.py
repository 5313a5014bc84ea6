"""The demography's pairing order: NumPy's lexsort by group and key, ties by position."""

import numpy as np
import pytest

from reliefsim.demography import group_order, match


@pytest.mark.parametrize("size", [0, 1, 2, 7, 5000])
@pytest.mark.parametrize("keys", ["uniform", "integers", "ties", "nan", "signed zeros"])
def test_group_order_equals_lexsort(size, keys):
    rng = np.random.default_rng(size)
    groups = rng.integers(0, 16, size).astype(np.int32)
    key = {"uniform": rng.random(size), "integers": rng.integers(0, 5, size),
           "ties": np.round(rng.random(size), 2),
           "nan": np.where(rng.random(size) < 0.1, np.nan, rng.random(size)),
           "signed zeros": np.where(rng.random(size) < 0.5, -0.0, 0.0)}[keys]
    assert np.array_equal(group_order(groups, key), np.lexsort((key, groups)))
    wide = groups.astype(np.int64) * 100_000 - 7  # groups NumPy sorts without a radix
    assert np.array_equal(group_order(wide, key), np.lexsort((key, wide)))


def test_match_pairs_rank_with_rank_within_groups():
    a, b = match(np.array([1, 0, 1, 1]), np.array([0.3, 0.5, 0.1, 0.2]),
                 np.array([1, 1, 0]), np.array([0.9, 0.4, 0.7]))
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(1, 2), (2, 1), (3, 0)]
