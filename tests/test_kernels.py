"""The compiled loops give NumPy's own numbers (and NumPy's errors on inputs they do not take)."""

import subprocess
import sys

import numpy as np
import pytest

from reliefsim import aggregates, kernels


def pcg(key):
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


@pytest.mark.parametrize("size", [1, 7, 100_003])
def test_compiled_normals_equal_numpys_own(size):
    """NumPy's standard normals from the same PCG64 stream, bit for bit, by the compiled loop,
    and the stream is left where NumPy's call would leave it."""
    for key in ([1, 0, 5, 1000], [7, 2, 99, 1003]):
        ours, numpys = pcg(key), pcg(key)
        assert np.array_equal(kernels.standard_normal(ours, size), numpys.standard_normal(size))
        out = np.full(size, np.nan)
        assert kernels.standard_normal(ours, size, out=out) is out
        assert np.array_equal(out, numpys.standard_normal(size))
        assert ours.random() == numpys.random()
    assert kernels._compiled().fill_standard_normal.signatures  # the compiled loop drew them


def test_normals_the_loop_does_not_take_go_to_the_generator():
    mt = np.random.Generator(np.random.MT19937(3))
    assert np.array_equal(kernels.standard_normal(mt, 50),
                          np.random.Generator(np.random.MT19937(3)).standard_normal(50))
    with pytest.raises(TypeError):  # NumPy's own refusal of a float32 out
        kernels.standard_normal(pcg([1]), 10, out=np.empty(10, dtype=np.float32))
    with pytest.raises(ValueError):  # and of a non-contiguous one
        kernels.standard_normal(pcg([1]), 10, out=np.empty(20)[::2])

    class StandIn:  # e.g. benchmarks/floors.py's pool; it takes no ``out``
        def standard_normal(self, size):
            return np.arange(size, dtype=float)

    assert kernels.standard_normal(StandIn(), 3).tolist() == [0.0, 1.0, 2.0]
    assert len(kernels.standard_normal(pcg([2]), 0)) == 0


@pytest.mark.parametrize("index_type", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", [np.float64, np.bool_, np.int8, np.int16, np.int32])
def test_copy_at_equals_numpys_fancy_assignment(index_type, dtype):
    rng = np.random.default_rng(4)
    source = (rng.random(1000) * 100).astype(dtype)
    source[:3] = np.array([-0.0, 1.0, 0.0]).astype(dtype)
    index = np.flatnonzero(rng.random(1000) < 0.4).astype(index_type)
    index[:3] = [0, 1, 1]  # a repeat, as NumPy allows
    ours, numpys = np.zeros(1000, dtype), np.zeros(1000, dtype)
    kernels.copy_at(index, source, ours)
    numpys[index] = source[index]
    assert np.array_equal(ours.view(np.uint8), numpys.view(np.uint8))  # bit for bit (−0.0)
    assert ours.any() and not ours[np.setdiff1d(np.arange(1000), index)].any()


def test_copy_at_leaves_what_it_does_not_take_to_numpy():
    a = np.arange(6.0)
    b = a.copy()
    kernels.copy_at(np.array([1, 2, 3]), a[:-1], a[1:])  # overlapping views
    b[1:][[1, 2, 3]] = b[:-1][[1, 2, 3]]
    assert a.tolist() == b.tolist() == [0.0, 1.0, 1.0, 2.0, 3.0, 5.0]
    target = np.zeros(3)
    with pytest.raises(IndexError):  # out of range: NumPy's error, nothing written elsewhere
        kernels.copy_at(np.array([50]), np.arange(100.0), target)
    kernels.copy_at(np.array([-1]), np.arange(3.0), target)  # negative: NumPy's meaning
    assert target.tolist() == [0.0, 0.0, 2.0]
    wider = np.zeros(3)
    kernels.copy_at(np.array([0, 2]), np.array([7, 8, 9], dtype=np.int8), wider)  # casting
    assert wider.tolist() == [7.0, 0.0, 9.0]


def test_warm_up_compiles_every_loop_the_model_uses():
    kernels.warm_up()
    assert len(kernels._compiled().copy_at.signatures) >= 8
    assert len(aggregates._compiled().member_incomes.signatures) >= 2  # hh writable or read-only
    assert len(aggregates._compiled().sum_rows.signatures) >= 2  # float32 and float64 rings
    assert aggregates._compiled().school_levels.signatures
    assert len(aggregates._compiled().member_flows.signatures) >= 2
    assert aggregates._compiled().any_living.signatures
    assert aggregates._compiled().range_code_sums.signatures
    assert aggregates._compiled().member_range_counts.signatures


def test_without_a_writable_cache_the_loops_compile_in_memory(monkeypatch):
    import numba

    njit = numba.njit

    def no_cache(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")
        return njit(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)
    loops = kernels._compiled.__wrapped__()
    target = np.zeros(4)
    loops.copy_at(np.array([1, 3]), np.arange(4.0), target)
    assert target.tolist() == [0.0, 1.0, 0.0, 3.0]


def test_importing_reliefsim_does_not_import_numba():
    code = ("import sys, reliefsim.model, reliefsim.cli, reliefsim.api; "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("size", [0, 1, 39, 1000, 100_003])
@pytest.mark.parametrize("share", [0.0, 0.01, 0.1, 0.5, 1.0])
def test_flatnonzero_equals_numpys(size, share):
    mask = np.random.default_rng(size).random(size) < share
    ours = kernels.flatnonzero(mask)
    assert ours.dtype == np.int64 and np.array_equal(ours, np.flatnonzero(mask))
    assert np.array_equal(kernels.flatnonzero(mask.astype(np.int8)), np.flatnonzero(mask))
    assert np.array_equal(kernels.flatnonzero(np.repeat(mask, 2)[::2]), np.flatnonzero(mask))


@pytest.mark.parametrize("cuts", [[], [0.5], [-1.0, 0.0, 0.0, 2.5, 9.0], list(np.arange(40.0))])
def test_searchsorted_right_equals_numpys(cuts):
    cuts = np.array(cuts, dtype=np.float64)
    values = np.concatenate([np.random.default_rng(1).normal(2, 5, 10_000),
                             cuts, [np.nan, np.inf, -np.inf, -0.0]])
    ours = kernels.searchsorted_right(cuts, values)
    assert ours.dtype == np.int64
    assert np.array_equal(ours, np.searchsorted(cuts, values, side="right"))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int16, np.int32, np.float32, np.float64,
                                   np.complex64])
def test_copy_where_equals_numpys_masked_copy(dtype):
    rng = np.random.default_rng(5)
    source = (rng.normal(0, 100, 1001)).astype(dtype)
    if np.dtype(dtype).kind == "f":
        source[:3] = [-0.0, np.nan, np.inf]
    mask = rng.random(1001) < 0.4
    ours, numpys = np.ones(1001, dtype), np.ones(1001, dtype)
    kernels.copy_where(mask, source, ours)
    np.copyto(numpys, source, where=mask)
    assert ours.tobytes() == numpys.tobytes()  # bit for bit (−0.0, NaN)
    strided = np.ones(2002, dtype)[::2]  # not contiguous: NumPy's own copy
    kernels.copy_where(mask, source, strided)
    assert strided.tobytes() == numpys.tobytes()


@pytest.mark.parametrize("size", [0, 1, 1000])
@pytest.mark.parametrize("index_type", [np.int32, np.int64])
def test_ranges_and_repeat_index_equal_numpys(size, index_type):
    rng = np.random.default_rng(size)
    lengths = rng.integers(0, 7, size).astype(index_type)
    starts = rng.integers(0, 10**6, size).astype(index_type)
    want = (np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths, strict=True)])
            if size else np.zeros(0, dtype=np.int64))
    assert np.array_equal(kernels.ranges(starts, lengths), want)
    assert np.array_equal(kernels.repeat_index(lengths), np.repeat(np.arange(size), lengths))
    with pytest.raises(ValueError):  # NumPy's own refusal of a negative length
        kernels.repeat_index(np.array([1, -1]))
