"""Keep freed memory for reuse: the C allocator settings of a simulation process.

A month at a million households makes and frees hundreds of arrays of 8–18 MB. By default
glibc serves blocks that big with fresh ``mmap`` pages and gives them back on ``free``, so every
month the kernel zeroes and maps gigabytes of pages anew (the run's *system* time, about a
sixth of it). Raising the ``mmap`` threshold to its maximum (32 MiB) takes such blocks from the
heap instead, and a high trim threshold keeps the freed heap for the next month's arrays.

Only where the allocator is glibc (Linux); elsewhere nothing is changed. Values never change:
this is where memory comes from, not what is computed. The cost: memory freed by a run is kept
by the process (up to :data:`TRIM_THRESHOLD` of free heap) rather than returned to the system.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
"""``mallopt`` parameter numbers (glibc's ``malloc.h``)."""
MMAP_THRESHOLD = 32 * 2**20
"""Blocks up to this size come from the heap (glibc's largest allowed value on 64-bit)."""
TRIM_THRESHOLD = 2**30
"""Free heap at the top kept before any is returned to the system (1 GiB)."""
TOP_PAD = 256 * 2**20
"""Extra heap asked for whenever the heap grows, so it grows in few steps (untouched pages of
it cost no memory)."""

_done: bool | None = None


def keep_freed_memory() -> bool:
    """Set the allocator to reuse freed heap memory (once per process).

    Returns:
        Whether the settings are in force (False where the C library has no glibc ``mallopt``).
    """
    global _done
    if _done is None:
        _done = _mallopt({M_MMAP_THRESHOLD: MMAP_THRESHOLD, M_TRIM_THRESHOLD: TRIM_THRESHOLD,
                          M_TOP_PAD: TOP_PAD})
    return _done


def _mallopt(settings: dict[int, int]) -> bool:
    """Apply ``mallopt(param, value)`` for each setting; False if any is refused or missing."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
        gnu = ctypes.CDLL(None).gnu_get_libc_version  # glibc only (musl has a no-op mallopt)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    del gnu
    return all(mallopt(param, value) == 1 for param, value in settings.items())
