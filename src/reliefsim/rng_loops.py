"""The compiled loops behind :mod:`reliefsim.rng`: the hash, uniforms and ziggurat normals.

Imported by :mod:`reliefsim.rng` at the first draw (importing this module imports numba). The
loops are module-level functions that call one another by their global names, so numba's
on-disk cache recognises them in every process (a loop that held another compiled loop in a
closure would be compiled afresh in each process, its cache key being a pickle of that loop).

A normal is drawn in three passes: the ids' hashes (a loop the compiler vectorises), the
ziggurat's one comparison on each hash, then the rare rejections (about 3 in 100) again. Each
normal is the number the same ziggurat gives drawn one by one.
"""

from __future__ import annotations

import numpy as np

from reliefsim.kernels import numba_jit
from reliefsim.rng import ZIGGURAT_R

jit = numba_jit()

M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
RETRY = np.uint64(0xD6E8FEB86659FD93)
S30, S27, S31, S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
SEVEN = np.uint64(127)
SCALE = 1.0 / 9007199254740992.0  # 2^-53


@jit
def bits(k1, k2, i):  # type: ignore[no-untyped-def]  # pragma: no cover
    """SplitMix64's finaliser twice, keyed by ``k1`` and ``k2``, of id ``i``."""
    x = np.uint64(i) * GOLDEN + k1
    x = (x ^ (x >> S30)) * M1
    x = (x ^ (x >> S27)) * M2
    x = (x ^ (x >> S31)) + k2
    x = (x ^ (x >> S30)) * M1
    x = (x ^ (x >> S27)) * M2
    return x ^ (x >> S31)


@jit
def top53(b):  # type: ignore[no-untyped-def]  # pragma: no cover
    """A hash's top 53 bits as a float64 (exact: through int64, a quicker conversion)."""
    return np.float64(np.int64(b >> S11))


@jit
def draw(k1, k2, i):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The uniform on [0, 1) of id ``i``: the hash's top 53 bits."""
    return top53(bits(k1, k2, i)) * SCALE


@jit
def slow_normal(k1, k2, i, xs, u, layer):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The rare rejection path of the ziggurat (first attempt's u and layer given)."""
    attempt = np.uint64(0)
    while True:
        if attempt > 0:
            b = bits(k1 + attempt * RETRY, k2, i)
            layer = np.int64(b & SEVEN)
            u = 2.0 * (top53(b) * SCALE) - 1.0
            if abs(u) < xs[layer + 1] / xs[layer]:
                return u * xs[layer]
        if layer == 0:  # the tail beyond R, by Marsaglia's method
            tail_try = np.uint64(1)
            while True:
                u1 = draw(k1 + (attempt + tail_try) * RETRY, k2 ^ GOLDEN, i)
                u2 = draw(k1 + (attempt + tail_try) * RETRY, k2 ^ M1, i)
                x = np.log(max(u1, 1e-300)) / ZIGGURAT_R
                y = np.log(max(u2, 1e-300))
                if -2.0 * y >= x * x:
                    return x - ZIGGURAT_R if u < 0 else ZIGGURAT_R - x
                tail_try += np.uint64(1)
        x = u * xs[layer]
        f0 = np.exp(-0.5 * (xs[layer] * xs[layer] - x * x))
        f1 = np.exp(-0.5 * (xs[layer + 1] * xs[layer + 1] - x * x))
        if f1 + draw(k1 + attempt * RETRY, k2 ^ M2, i) * (f0 - f1) < 1.0:
            return x
        attempt += np.uint64(1)


@jit
def retry_normal(k1, k2, i, xs):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The normal of id ``i`` whose first try was rejected."""
    b = bits(k1, k2, i)
    layer = np.int64(b & SEVEN)
    return slow_normal(k1, k2, i, xs, 2.0 * (top53(b) * SCALE) - 1.0, layer)


@jit
def first_tries(xs, ratio, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Each hash in ``out`` (its bits, as float64) replaced by its first try, or NaN.

    The ziggurat's one comparison: the hash's low 7 bits pick the layer, its top 53 bits the
    point, accepted at once below the layer's ratio (about 97 in 100).
    """
    hashes = out.view(np.uint64)
    for j in range(out.shape[0]):
        b = hashes[j]
        layer = np.int64(b & SEVEN)
        u = 2.0 * (top53(b) * SCALE) - 1.0
        out[j] = u * xs[layer] if abs(u) < ratio[layer] else np.nan


@jit
def normal_block(k1, k2, xs, ratio, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The normals of ids 0 … len(out) − 1."""
    n = out.shape[0]
    hashes = out.view(np.uint64)
    for i in range(n):
        hashes[i] = bits(k1, k2, i)
    first_tries(xs, ratio, out)
    for i in range(n):
        if np.isnan(out[i]):
            out[i] = retry_normal(k1, k2, i, xs)


@jit
def normal_at(k1, k2, xs, ratio, ids, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The normals of the given ids."""
    n = out.shape[0]
    hashes = out.view(np.uint64)
    for j in range(n):
        hashes[j] = bits(k1, k2, ids[j])
    first_tries(xs, ratio, out)
    for j in range(n):
        if np.isnan(out[j]):
            out[j] = retry_normal(k1, k2, ids[j], xs)


@jit
def uniform_block(k1, k2, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The uniforms of ids 0 … len(out) − 1."""
    for i in range(out.shape[0]):
        out[i] = draw(k1, k2, i)


@jit
def uniform_at(k1, k2, ids, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The uniforms of the given ids."""
    for j in range(ids.shape[0]):
        out[j] = draw(k1, k2, ids[j])
