"""The aggregating loops give NumPy's own sums and counts, bit for bit (and NumPy's results on
inputs they do not take)."""

import itertools

import numpy as np
import pytest

from reliefsim import aggregates


def numpy_incomes(hh, alive, works, wage, pension, months, benefit, n):
    """Household wages and pensions as NumPy computes them, for the loop to equal."""
    earning = works & alive
    claim = alive & ~works & (months > 0)
    pay = np.where(claim, pension + benefit, pension)
    paid = alive & (claim | (pension != 0))
    return (np.bincount(hh[earning], weights=wage[earning], minlength=n),
            np.bincount(hh[paid], weights=pay[paid], minlength=n))


def test_member_incomes_by_hand():
    """Household 0: a living worker (100), a dead worker (50), a living claimant with no pension
    (benefit 30); household 1: a pensioner (80), and someone whose benefit ran out (0 months)."""
    yes, no = True, False
    wages, pensions = aggregates.member_incomes(
        np.array([0, 0, 0, 1, 1]), np.array([yes, no, yes, yes, yes]),
        np.array([yes, yes, no, no, no]), np.array([100.0, 50.0, 0.0, 0.0, 0.0]),
        np.array([0.0, 0.0, 0.0, 80.0, 0.0]), np.array([0, 0, 2, 0, 0], dtype=np.int16),
        np.array([0.0, 0.0, 30.0, 0.0, 30.0]), 2)
    assert wages.tolist() == [100.0, 0.0]
    assert pensions.tolist() == [30.0, 80.0]


def test_member_incomes_equal_numpys_bit_for_bit():
    """Random households, with dead members, claimants, −0.0, NaN and inf among the amounts."""
    rng = np.random.default_rng(4)
    n = 5000
    hh = np.sort(rng.integers(0, n, 12_000))
    m = len(hh)
    wage, pension, benefit = (rng.lognormal(7, 1, m) * (rng.random(m) < share)
                              for share in (0.6, 0.3, 0.1))
    for amounts in (wage, pension, benefit):
        amounts[rng.integers(0, m, 20)] = rng.choice([-0.0, np.nan, np.inf], 20)
    members = (hh, rng.random(m) < 0.97, rng.random(m) < 0.5, wage, pension,
               rng.integers(0, 3, m).astype(np.int16), benefit)
    for ours, want in zip(aggregates.member_incomes(*members, n), numpy_incomes(*members, n),
                          strict=True):
        assert ours.tobytes() == want.tobytes()
    assert aggregates._compiled().member_incomes.signatures  # the compiled loop did that one
    # what the loop does not take (a household past the end, float32 wages) NumPy does
    members = (np.array([0, 3]), np.ones(2, dtype=bool), np.ones(2, dtype=bool),
               np.array([5.0, 7.0]), np.zeros(2), np.zeros(2, dtype=np.int16), np.zeros(2))
    wages, pensions = aggregates.member_incomes(*members, 2)
    assert wages.tolist() == [5.0, 0.0, 0.0, 7.0]  # bincount's longer result
    assert pensions.tolist() == [0.0, 0.0]
    members = (*members[:3], members[3].astype(np.float32), *members[4:])
    for ours, want in zip(aggregates.member_incomes(*members, 5), numpy_incomes(*members, 5),
                          strict=True):
        assert np.array_equal(ours, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sum_rows_adds_rows_in_numpys_order(dtype):
    """Rows taken in a rotated order (as the windows take them), a width not a multiple of
    four, NaN and inf among the values: NumPy's axis-0 sum of the gathered rows, bit for bit."""
    rng = np.random.default_rng(6)
    ring = rng.lognormal(5, 3, (12, 1003)).astype(dtype)
    ring[3, 7], ring[5, 1001], ring[0, 2] = np.nan, np.inf, -0.0
    for rows in ([4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 5], range(12), [7], [2, 2, 9]):
        want = ring[list(rows)].sum(axis=0, dtype=np.float64)
        assert aggregates.sum_rows(ring, rows).tobytes() == want.tobytes()
    assert aggregates._compiled().sum_rows.signatures  # the compiled loop did those
    # no rows, a negative row (NumPy's meaning), a strided ring: NumPy's own result
    assert aggregates.sum_rows(ring, []).tolist() == [0.0] * 1003
    assert np.array_equal(aggregates.sum_rows(ring, [-1]), ring[11].astype(np.float64),
                          equal_nan=True)
    strided = ring[:, ::2]
    assert np.array_equal(aggregates.sum_rows(strided, [0, 1]),
                          strided[[0, 1]].sum(axis=0, dtype=np.float64), equal_nan=True)


def test_school_levels_equal_the_numpy_select(monkeypatch):
    """Ages on every boundary, NaN, negative and old: the same levels as NumPy's np.select."""
    from reliefsim import population

    rng = np.random.default_rng(8)
    ages = np.concatenate([[6.0, 12.0, 18.0, 23.0, np.nextafter(23.0, 0), np.nan, -1.0, 90.0],
                           rng.uniform(0, 30, 5000)])
    track = rng.random(len(ages)) < 0.4
    school_ages = [6, 12, 18, 23]
    ours = population.student_level(ages, track, school_ages)
    assert aggregates._compiled().school_levels.signatures  # the compiled loop made them
    monkeypatch.setattr(population, "school_levels", lambda *args: None)
    assert np.array_equal(ours, population.student_level(ages, track, school_ages))
    assert ours[:8].tolist() == [1, 2, 3 if track[2] else 0, 0, 3 if track[4] else 0, 0, 0, 0]
    single = ages.astype(np.float32)  # float32 ages (the model's) give the same levels
    assert np.array_equal(aggregates.school_levels(single, track, school_ages),
                          population.student_level(single, track, school_ages))


def test_member_flows_equal_numpys_bincounts():
    rng = np.random.default_rng(10)
    n = 4000
    hh = np.sort(rng.integers(0, n, 10_000))
    m = len(hh)
    alive, unable = rng.random(m) < 0.95, rng.random(m) < 0.1
    disability = rng.integers(0, 3, m).astype(np.int8)
    student = (rng.integers(0, 4, m) * (rng.random(m) < 0.3)).astype(np.int8)
    cost = np.array([0.0, 110.5, 220.25, 1003.3])
    pupils = alive & (student > 0)
    want = (np.bincount(hh[alive & unable], minlength=n).astype(float),
            np.bincount(hh[alive & (disability == 2)], minlength=n).astype(float),
            np.bincount(hh[pupils], weights=cost[student[pupils]], minlength=n))
    ours = aggregates.member_flows(hh, alive, unable, disability, 2, student, cost, n)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(ours, want, strict=True))
    student[5] = 4  # no such level: left to NumPy, which says so
    assert aggregates.member_flows(hh, alive, unable, disability, 2, student, cost, n) is None
    assert aggregates.member_flows(hh, alive, unable, disability, 2, student[:-1], cost, n) is None


def test_monthly_flows_by_numpy_where_the_loop_does_not_apply(monkeypatch):
    """population.monthly_flows gives the same care, rehab and school costs either way."""
    from reliefsim import population
    from reliefsim.model import ReliefModel

    model = ReliefModel("baseline", households=300, months=2, seed=3, story=False)
    facts, values = model.truth, model.scenario.values(0)
    population.monthly_flows(facts, values, model.streams, 1)
    ours = [facts.care.copy(), facts.rehab.copy(), facts.education.copy()]
    assert sum(a.sum() for a in ours) > 0
    monkeypatch.setattr(population, "member_flows", lambda *args: None)
    population.monthly_flows(facts, values, model.streams, 1)
    assert all(a.tobytes() == b.tobytes()
               for a, b in zip(ours, [facts.care, facts.rehab, facts.education], strict=True))


def test_any_living_member_with_a_flag():
    """By hand: household 0 has a dead member with the flag, household 2 a living one; then
    random households against Facts.any_member over the gathered members."""
    from reliefsim.model import ReliefModel

    yes, no = True, False
    starts, counts = np.array([0, 2, 3]), np.array([2, 1, 3])
    alive = np.array([no, yes, yes, yes, no, yes])
    flags = np.array([yes, no, no, no, no, yes])
    ours = aggregates.any_living(np.array([0, 1, 2]), starts, counts, alive, flags)
    assert ours.tolist() == [False, False, True]
    assert aggregates.any_living(np.array([3]), starts, counts, alive, flags) is None  # no such

    facts = ReliefModel("baseline", households=500, months=1, seed=2, story=False).truth
    rng = np.random.default_rng(3)
    households = np.flatnonzero(rng.random(facts.n_households) < 0.4)
    facts.alive = rng.random(len(facts.alive)) < 0.9
    flags = rng.random(len(facts.alive)) < 0.3
    members = facts.members_of(households)
    want = facts.any_member(households, flags[members] & facts.alive[members])
    assert np.array_equal(facts.any_living(households, flags), want)
    assert np.array_equal(facts.any_living(households, flags.astype(np.int8)), want)  # NumPy


def test_range_sums_by_hand_and_against_numpy(monkeypatch):
    """Rows 0-1, 2-4 and 5 are three districts (one empty range between them)."""
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    m1 = np.array([True, False, True, True, False, True])
    m2 = ~m1
    x = np.array([10.0, 0.0, 1.0, 2.0, 3.0, 0.5])
    bounds = np.array([0, 2, 2, 5, 6])
    assert aggregates.range_counts(w, (m1, m2), bounds).tolist() == \
        [[1.0, 2.0], [0.0, 0.0], [7.0, 5.0], [6.0, 0.0]]
    assert aggregates.range_totals(w, (x,), bounds)[:, 0].tolist() == [10.0, 0.0, 26.0, 3.0]
    codes = np.array([0, 1, 1, 0, 2, 2], dtype=np.int8)
    assert aggregates.range_code_sums(w, codes, 3, bounds).tolist() == \
        [[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [4.0, 3.0, 5.0], [0.0, 0.0, 6.0]]
    with pytest.raises(ValueError):
        aggregates.range_code_sums(w, codes, 2, bounds)
    rng = np.random.default_rng(4)
    big_w = rng.lognormal(1, 1, 30_000)
    big_b = np.array([0, 7_000, 7_001, 30_000])
    masks = tuple(rng.random(30_000) < s for s in (0.1, 0.5, 0.9))
    want = np.array([[big_w[a:b][m[a:b]].sum() for m in masks]
                     for a, b in itertools.pairwise(big_b)])
    assert np.allclose(aggregates.range_counts(big_w, masks, big_b), want, rtol=1e-12)
    # bounds that do not cover the rows go to NumPy's way, with the same sums
    monkeypatch.setattr(aggregates, "_ranges_ok", lambda *args: False)
    assert np.allclose(aggregates.range_counts(big_w, masks, big_b), want, rtol=1e-12)


def test_member_range_counts_weigh_living_members_by_their_household():
    weight = np.array([2.0, 3.0, 5.0])
    hh = np.array([0, 0, 1, 2, 2, 2])
    alive = np.array([True, False, True, True, True, False])
    flag = np.array([True, True, True, False, True, True])
    bounds = np.array([0, 3, 6])  # households 0-1 and household 2
    assert aggregates.member_range_counts(weight, hh, alive, (flag, alive), bounds).tolist() \
        == [[5.0, 5.0], [5.0, 10.0]]


@pytest.mark.parametrize("floor", [True, False])
@pytest.mark.parametrize("same_row", [False, True])
def test_advance_window_equals_numpys_running_sum(same_row, floor):
    rng = np.random.default_rng(11)
    total = rng.lognormal(5, 2, 1001)
    now = rng.lognormal(4, 2, 1001)
    now[:4] = [0.0, -0.0, np.nan, 3e38]
    total[:2] = [0.0, -0.0]
    ring = rng.lognormal(4, 2, (12, 1001)).astype(np.float32)
    ring[:, :2] = 0.0
    slot, old = 3, (3 if same_row else 8)
    want_ring = ring.copy()
    want = aggregates.advance_window_numpy(total, now, want_ring, slot, old, floor)
    ours = aggregates.advance_window(total, now, ring, slot, old, floor)
    assert ours.tobytes() == want.tobytes() and ring.tobytes() == want_ring.tobytes()
