"""Street offices' monthly choice, planned for all streets at once, equals each office alone."""

import numpy as np

from reliefsim.casework import plan_visits


def one_office(weights, capacity, u):
    cum = np.cumsum(weights)
    return int(np.searchsorted(cum - u * weights > capacity, True))


def check(lengths, capacity, u, rng):
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    weights = rng.lognormal(2.0, 1.0, int(bounds[-1]))
    order = np.arange(len(weights))
    taken = plan_visits(order, bounds, weights, capacity, u)
    for s in range(len(lengths)):
        q = weights[bounds[s]:bounds[s + 1]]
        assert taken[s] == one_office(q, capacity, u[s]), s


def test_plan_equals_each_office_alone():
    rng = np.random.default_rng(0)
    for capacity in (0.0, 5.0, 40.0, 400.0, 1e9):
        lengths = rng.integers(0, 30, 50)
        lengths[::7] = 0
        check(lengths, capacity, rng.random(50), rng)


def test_unordered_tests_fall_back_to_the_office_alone():
    rng = np.random.default_rng(1)
    lengths = rng.integers(1, 20, 30)
    check(lengths, 30.0, rng.uniform(1.5, 4.0, 30), rng)  # u > 1: cum − u·w is not monotone


def test_no_open_cases():
    taken = plan_visits(np.zeros(0, dtype=np.int64), np.zeros(4, dtype=np.int64), np.zeros(0),
                        400.0, np.full(3, 0.5))
    assert list(taken) == [0, 0, 0]
