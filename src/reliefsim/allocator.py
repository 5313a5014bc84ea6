"""Keep freed array memory in the process for reuse (glibc ``malloc`` tuning).

A month of the engine creates and frees hundreds of household- and member-sized temporaries
(8–20 MB each for a million households). With glibc's defaults, many of those are handed back
to the kernel when freed and faulted in again, zero-filled, when the next one is made: at a
million households that costs about a tenth of the month (measured with ``benchmarks/run.py``).
Serving blocks up to 32 MB from the heap, and not trimming the heap's top, lets the next
temporary reuse the memory the last one freed. Results are unaffected: only where memory comes
from changes.

On other C libraries (macOS, Windows, musl) :func:`keep_freed_memory` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20
"""Blocks up to this size come from the heap (glibc's largest allowed threshold)."""
TRIM_THRESHOLD = 2**31 - 1
"""Free memory at the heap's top kept before any is returned to the kernel."""
TOP_PAD = 128 * 2**20
"""Extra address space taken each time the heap grows (only touched pages count as RSS)."""

_done = False


def keep_freed_memory() -> bool:
    """Tune glibc ``malloc`` once per process; True when the settings were applied."""
    global _done
    if _done:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = (libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
              and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
              and libc.mallopt(_M_TOP_PAD, TOP_PAD) == 1)
    except (OSError, AttributeError):
        return False
    _done = ok
    return ok
