"""Common random numbers: one independent stream per (seed, replication, purpose, month).

Two runs with the same seed and replication draw the same numbers for the same purpose and month,
whatever their policies do, so scenario comparisons are paired and reproducible bit for bit.
"""

from __future__ import annotations

import zlib

import numpy as np

from reliefsim.kernels import standard_normal


def purpose_id(purpose: str) -> int:
    """A stable integer for a purpose name (CRC-32, the same on every machine and run)."""
    return zlib.crc32(purpose.encode("utf-8"))


class Streams:
    """Factory of named random streams for one replication.

    Args:
        seed: root seed of the experiment.
        replication: replication number (0, 1, …).
    """

    def __init__(self, seed: int, replication: int = 0) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._scratch = np.empty(0)

    def __call__(self, purpose: str, month: int = 0) -> np.random.Generator:
        """A fresh generator for ``purpose`` in ``month`` (month −1 and below for set-up)."""
        key = [self.seed, self.replication, purpose_id(purpose), int(month) + 1_000]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))

    def uniform(self, purpose: str, month: int, size: int, scratch: bool = False) -> np.ndarray:
        """``size`` uniforms on [0, 1) for ``purpose`` in ``month``.

        Args:
            purpose: what the numbers decide (names the stream).
            month: month index (−1 and below for set-up).
            size: how many.
            scratch: write them into this object's reusable buffer instead of a new array (no
                fresh memory to fault in each month); the values are then valid only until the
                next scratch draw, so the caller must not keep them.
        """
        return self(purpose, month).random(size, out=self._buffer(size) if scratch else None)

    def normal(self, purpose: str, month: int, size: int, scratch: bool = False) -> np.ndarray:
        """``size`` standard normals for ``purpose`` in ``month`` (``scratch`` as in uniform)."""
        return standard_normal(self(purpose, month), size,
                               out=self._buffer(size) if scratch else None)

    def _buffer(self, size: int) -> np.ndarray:
        """The reusable float64 buffer, as a view of ``size`` elements (grown when needed)."""
        if len(self._scratch) < size:
            self._scratch = np.empty(size)
        return self._scratch[:size]
