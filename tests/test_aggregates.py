"""The aggregating loops give NumPy's own sums and counts, bit for bit (and NumPy's results on
inputs they do not take)."""

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
    assert aggregates.school_levels(ages.astype(np.float32), track, school_ages) is None


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
    z = np.random.default_rng(1).standard_normal(len(facts.age))
    population.monthly_flows(facts, values, z)
    ours = [facts.care.copy(), facts.rehab.copy(), facts.education.copy()]
    assert sum(a.sum() for a in ours) > 0
    monkeypatch.setattr(population, "member_flows", lambda *args: None)
    population.monthly_flows(facts, values, z)
    assert all(a.tobytes() == b.tobytes()
               for a, b in zip(ours, [facts.care, facts.rehab, facts.education], strict=True))


def test_weights_grouped_by_code_sum_as_the_masks_select_them(monkeypatch):
    from reliefsim import model

    rng = np.random.default_rng(12)
    w = rng.lognormal(2, 1.5, 20_000)
    codes = np.where(rng.random(20_000) < 0.8, 0, rng.integers(1, 5, 20_000)).astype(np.int8)
    want = [w[codes == k].sum() for k in range(5)]
    grouped, bounds = aggregates.split_by_code(w, codes, 5)
    assert bounds.tolist() == [0, *np.cumsum(np.bincount(codes, minlength=5)).tolist()]
    assert np.array_equal(grouped[bounds[3]:bounds[4]], w[codes == 3])
    assert model._group_sums(w, codes, 5) == want  # bit for bit
    assert aggregates.split_by_code(w, codes, 4) is None  # code 4 out of range: NumPy's way
    monkeypatch.setattr(model, "split_by_code", lambda *args: None)
    assert model._group_sums(w, codes, 5) == want


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


@pytest.mark.parametrize("share", [0.0, 0.001, 0.1, 0.5, 0.99, 1.0])
def test_masked_sum_is_numpys_sum_of_the_selection(share):
    rng = np.random.default_rng(13)
    values = rng.lognormal(3, 2, 50_000)
    values[rng.integers(0, 50_000, 5)] = -0.0
    mask = rng.random(50_000) < share
    assert aggregates.masked_sum(values, mask) == values[mask].sum()  # bit for bit
    if share >= 0.1:
        assert aggregates._compiled().pack.signatures  # the packing loop did it
    single = values.astype(np.float32)  # another dtype: NumPy's own
    assert aggregates.masked_sum(single, mask) == single[mask].sum()
    values[np.flatnonzero(mask)[:1]] = np.nan
    assert np.array_equal(aggregates.masked_sum(values, mask), values[mask].sum(), equal_nan=True)


def test_member_weights_are_numpys_products(monkeypatch):
    from reliefsim.model import ReliefModel

    rng = np.random.default_rng(14)
    weights = rng.lognormal(1, 1, 300)
    weights[:3] = [np.inf, np.nan, -0.0]
    hh = np.sort(rng.integers(0, 300, 800))
    alive, first, second = (rng.random(800) < share for share in (0.9, 0.5, 0.2))
    ours = aggregates.member_weights(weights, hh, alive, first, second)
    with np.errstate(invalid="ignore"):  # inf × 0.0 is NaN, for NumPy as for the loop
        member_w = weights[hh] * alive
        wants = member_w * first, member_w * second
    for got, want in zip(ours, wants, strict=True):
        assert got.tobytes() == want.tobytes()
    assert aggregates.member_weights(weights, hh + 300, alive, first, second) is None  # no such
    assert aggregates.member_weights(weights, hh, alive, first.astype(np.int8), second) is None

    model = ReliefModel("baseline", households=400, months=2, seed=5, story=False)
    model.run()
    totals = model._labour_force(model.pop.weight)
    monkeypatch.setattr("reliefsim.model.member_weights", lambda *args: None)
    assert model._labour_force(model.pop.weight) == totals


def test_add_to_cells_adds_in_order_as_add_at():
    rng = np.random.default_rng(15)
    rows, columns = (rng.integers(0, 5, 30_000).astype(np.int8) for _ in range(2))
    values = rng.lognormal(2, 2, 30_000)
    ours, want = np.full((5, 5), 0.1), np.full((5, 5), 0.1)
    aggregates.add_to_cells(ours, rows, columns, values)
    np.add.at(want, (rows, columns), values)
    assert ours.tobytes() == want.tobytes()
    assert aggregates._compiled().add_to_cells.signatures  # the loop did that
    rows[7] = -1  # NumPy's meaning (the last row), nothing added twice
    ours, want = np.zeros((5, 5)), np.zeros((5, 5))
    aggregates.add_to_cells(ours, rows, columns, values)
    np.add.at(want, (rows, columns), values)
    assert ours.tobytes() == want.tobytes()
    rows[7] = 5
    with pytest.raises(IndexError):
        aggregates.add_to_cells(np.zeros((5, 5)), rows, columns, values)
