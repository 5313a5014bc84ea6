"""Common random numbers: each draw a function of (seed, replication, purpose, month, id).

A draw is a hash of its key and of the id it belongs to (a household's identifier, or a member
slot), not the next number of a shared sequence: a counter-based generator in the manner of
Philox and of event-keyed hashing (Pearson, Klein & Buffalo, arXiv 2603.11084). So

- two scenarios with the same seed draw the same numbers for the same purpose, month and id,
  whatever their policies do, and comparisons are paired;
- a draw belongs to its id: drawing for some ids only gives each the number it would get in a
  full block, so one household's births or moves never shift anybody else's draws, and a stage
  can draw for the few members it concerns (the ill, the working) instead of for every slot.

The hash is SplitMix64's finaliser applied twice with two keys (64-bit, full avalanche); a
uniform takes its top 53 bits; a normal comes from Doornik's ziggurat (128 layers: the hash's low
7 bits pick the layer, its top 53 bits the point; the rare rejections hash again with the attempt
number). Draws that need a sequence (set-up's
choices, newcomers' facts) come from a NumPy generator seeded by the same key
(:meth:`Streams.__call__`).
"""

from __future__ import annotations

import functools
import zlib
from types import SimpleNamespace

import numpy as np

MASK64 = (1 << 64) - 1


def purpose_id(purpose: str) -> int:
    """A stable integer for a purpose name (CRC-32, the same on every machine and run)."""
    return zlib.crc32(purpose.encode("utf-8"))


def _mix(x: int) -> int:
    """SplitMix64's finaliser on a Python int (64-bit arithmetic)."""
    x &= MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


class Streams:
    """The random numbers of one replication.

    Args:
        seed: root seed of the experiment.
        replication: replication number (0, 1, …).
    """

    def __init__(self, seed: int, replication: int = 0) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._scratch = np.empty(0)

    def key(self, purpose: str, month: int) -> tuple[int, int]:
        """The two 64-bit keys of ``purpose`` in ``month`` (month −1 and below for set-up)."""
        k = _mix(self.seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019)
        k = _mix(k ^ (self.replication * 0xD1B54A32D192ED03 + 1))
        k = _mix(k ^ (purpose_id(purpose) * 0x8CB92BA72F3D8DD7 + 2))
        k = _mix(k ^ ((int(month) + 1_000) * 0xA0761D6478BD642F + 3))
        return k, _mix(k ^ 0xE7037ED1A0B428DB)

    def __call__(self, purpose: str, month: int = 0) -> np.random.Generator:
        """A NumPy generator for ``purpose`` in ``month``, for draws that need a sequence."""
        k1, k2 = self.key(purpose, month)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([k1, k2])))

    def uniform(self, purpose: str, month: int, size: int, scratch: bool = False) -> np.ndarray:
        """Uniforms on [0, 1) for ids 0 … ``size`` − 1.

        Args:
            purpose: what the numbers decide.
            month: month index (−1 and below for set-up).
            size: how many (the ids are 0 … size − 1).
            scratch: write them into this object's reusable buffer (valid until the next
                scratch draw; the caller must not keep them).
        """
        out = self._buffer(size) if scratch else np.empty(size)
        _kernels().uniform_block(*self.key(purpose, month), out)
        return out

    def uniform_at(self, purpose: str, month: int, ids: np.ndarray) -> np.ndarray:
        """The uniforms of the given ids (each the number a full block gives it)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(len(ids))
        _kernels().uniform_at(*self.key(purpose, month), ids, out)
        return out

    def normal(self, purpose: str, month: int, size: int, scratch: bool = False) -> np.ndarray:
        """Standard normals for ids 0 … ``size`` − 1 (``scratch`` as in :meth:`uniform`)."""
        out = self._buffer(size) if scratch else np.empty(size)
        _kernels().normal_block(*self.key(purpose, month), out)
        return out

    def normal_at(self, purpose: str, month: int, ids: np.ndarray) -> np.ndarray:
        """The standard normals of the given ids (each the number a full block gives it)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(len(ids))
        _kernels().normal_at(*self.key(purpose, month), ids, out)
        return out

    def _buffer(self, size: int) -> np.ndarray:
        """The reusable float64 buffer, as a view of ``size`` elements (grown when needed)."""
        if len(self._scratch) < size:
            self._scratch = np.empty(size)
        return self._scratch[:size]


ZIGGURAT_LAYERS = 128
ZIGGURAT_R = 3.442619855899
ZIGGURAT_V = 9.91256303526217e-3


def ziggurat_tables() -> tuple[np.ndarray, np.ndarray]:
    """Doornik's ziggurat for the standard normal (128 layers): the layers' x and ratios.

    Returns:
        ``(x, ratio)``: x[0] the base layer's width (V ÷ f(R)), x[1] = R, … x[128] = 0; and
        ratio[i] = x[i + 1] ÷ x[i], below which a point of layer i is accepted at once.
    """
    c, r, v = ZIGGURAT_LAYERS, ZIGGURAT_R, ZIGGURAT_V
    x = np.zeros(c + 1)
    f = np.exp(-0.5 * r * r)
    x[0] = v / f
    x[1] = r
    for i in range(2, c):
        x[i] = np.sqrt(-2.0 * np.log(v / x[i - 1] + f))
        f = np.exp(-0.5 * x[i] * x[i])
    ratio = x[1:] / x[:-1]
    return x, ratio


@functools.cache
def _kernels() -> SimpleNamespace:
    """The hashing loops of :mod:`reliefsim.rng_loops` (numba imported here, at the first draw)."""
    from reliefsim import rng_loops

    def keyed(kernel, tables=()):  # type: ignore[no-untyped-def]
        def call(k1: int, k2: int, *arrays: np.ndarray) -> None:
            kernel(np.uint64(k1), np.uint64(k2), *tables, *arrays)
        return call

    tables = ziggurat_tables()
    return SimpleNamespace(uniform_block=keyed(rng_loops.uniform_block),
                           uniform_at=keyed(rng_loops.uniform_at),
                           normal_block=keyed(rng_loops.normal_block, tables),
                           normal_at=keyed(rng_loops.normal_at, tables))


def warm_up() -> None:
    """Compile (or load) the hashing loops in this process."""
    s = Streams(0)
    s.uniform("warm-up", 0, 1)
    s.normal("warm-up", 0, 1)
    s.uniform_at("warm-up", 0, np.zeros(1, dtype=np.int64))
    s.normal_at("warm-up", 0, np.zeros(1, dtype=np.int64))
