"""Street offices: the monthly choice planned for all at once equals each office alone; pooling."""

import numpy as np

from reliefsim.casework import plan_visits, pool_streets, street_districts, streets_per_office
from reliefsim.model import ReliefModel


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


def test_plan_with_a_capacity_per_office():
    rng = np.random.default_rng(2)
    lengths = rng.integers(0, 25, 12)
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    weights = rng.lognormal(2.0, 1.0, int(bounds[-1]))
    capacity = rng.choice([0.0, 30.0, 90.0, 400.0], 12)
    u = rng.random(12)
    taken = plan_visits(np.arange(len(weights)), bounds, weights, capacity, u)
    for o in range(12):
        q = weights[bounds[o]:bounds[o + 1]]
        assert taken[o] == one_office(q, capacity[o], u[o]), o


def test_streets_per_office_by_hand():
    # the baseline at 20,000 households: 8 million / 20,000 = 400 real households each, so an
    # office's 400 visits reach 1 simulated household a month; 20 streets reach 20
    assert streets_per_office(400.0, 400.0, 20.0, 330) == 20
    assert streets_per_office(400.0, 8.0, 20.0, 330) == 1  # 1,000,000 households: reach 50
    assert streets_per_office(400.0, 20.0, 20.0, 330) == 1  # reach exactly 20
    assert streets_per_office(400.0, 21.0, 20.0, 330) == 2  # reach 19.05: two streets, 38.1
    assert streets_per_office(400.0, 400.0, 0.0, 330) == 1  # 0 never pools
    assert streets_per_office(0.0, 400.0, 20.0, 330) == 1  # no capacity: nothing to pool
    assert streets_per_office(400.0, 1e6, 20.0, 330) == 330  # at most every street


def test_pools_stay_in_their_district_and_have_enough_streets():
    district = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2])
    # district 0 (5 streets) holds two pools of at least 2 (3 + 2); district 1 (3) one pool of
    # 3 (two would leave one short); district 2 (1) its only street
    assert list(pool_streets(district, 2)) == [0, 0, 0, 1, 1, 2, 2, 2, 3]
    assert list(pool_streets(district, 1)) == list(range(9))
    assert list(pool_streets(district, 9)) == [0, 0, 0, 0, 0, 1, 1, 1, 2]


def test_a_district_in_two_runs_of_streets_is_pooled_run_by_run():
    # district 0 holds streets 0, 1 and 4, 5: each run of two is short of 3, so it is one pool
    assert list(pool_streets(np.array([0, 0, 1, 1, 1, 0, 0]), 3)) == [0, 0, 1, 1, 1, 2, 2]


def test_a_street_nobody_lives_on_is_never_pooled():
    street = np.array([1, 1, 2, 4])
    district = np.array([0, 0, 0, 1])
    # streets 0, 3 and 5 have nobody: each is a district of its own, after the real ones
    assert list(street_districts(street, district, 6)) == [2, 0, 0, 3, 1, 4]
    assert list(pool_streets(street_districts(street, district, 6), 2)) == [0, 1, 1, 2, 3, 4]


def test_model_pools_offices_in_a_small_sample_and_keeps_the_capacity():
    small = ReliefModel("baseline", households=3000, months=1, story=False)
    v = small.scenario.values(0)
    streets = np.concatenate([office.streets for office in small.offices])
    assert sorted(streets) == list(range(v.population.streets))  # every street, once
    assert len(small.offices) < v.population.streets
    capacity = sum(office.capacity for office in small.offices)
    assert capacity == v.population.streets * v.casework.visits_per_month
    for office in small.offices:  # consecutive streets of one district
        assert list(office.streets) == list(range(office.streets[0], office.streets[-1] + 1))
        assert len(set(small.pop.district[np.isin(small.pop.street, office.streets)])) <= 1
        assert office.capacity == len(office.streets) * v.casework.visits_per_month
    unpooled = ReliefModel("baseline", households=3000, months=1, story=False,
                           overrides={"casework.min_simulated_visits": 0})
    assert len(unpooled.offices) == v.population.streets
    assert [list(o.streets) for o in unpooled.offices] == [[s] for s in range(330)]


def test_rounding_in_the_mean_weight_does_not_add_a_street():
    # 400 visits / 80.000000001 real households each is 4.99999… simulated visits: still 4 streets
    assert streets_per_office(400.0, 80.000000001, 20.0, 330) == 4
    assert streets_per_office(400.0, 79.999999999, 20.0, 330) == 4
