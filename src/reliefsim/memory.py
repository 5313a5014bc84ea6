"""How reliefsim's own processes take memory from Linux, tuned for a city's arrays.

A run of 1,000,000 households works on arrays of 8–18 MiB (one value per household or member),
making and freeing several hundred of them a month. Three defaults cost it time or memory,
none a result; the command line and the benchmark change them, unless the user's environment
sets them:

- **NumPy's huge-page advice.** NumPy asks for 2 MiB pages (``madvise(MADV_HUGEPAGE)``) for
  every array of 4 MiB or more. Where the kernel compacts memory for such requests (the
  ``transparent_hugepage/defrag`` setting ``madvise``, Debian's default), set-up and the first
  months of a city-sized run spent 1–2 s more in the kernel, varying from run to run, and the
  later months ran no faster. Turned off, unless ``NUMPY_MADVISE_HUGEPAGE`` is set.
- **glibc's thresholds for handing memory back.** By default glibc maps a large block afresh
  for each array (up to 32 MiB, a threshold it moves as arrays are freed) and returns freed
  memory at the top of the heap once more than twice that is free, so the next array of the
  same size is faulted in again, page by page. Blocks up to 128 MiB (the month's payments,
  one row per programme, take 76 MiB) are taken from the heap and freed memory is kept (up to
  1 GiB free) for the next array, unless ``MALLOC_MMAP_THRESHOLD_`` or
  ``MALLOC_TRIM_THRESHOLD_`` is set. The process's peak memory is its arrays' peak either way.
- **glibc's arena per thread.** The month runs some of its pieces on a second thread
  (:mod:`reliefsim.threads`); with an arena of its own, the memory one thread frees is kept for
  that thread alone, and a million-household run peaked about 75 MiB higher. One arena serves
  both threads (they take a few hundred blocks a month), unless ``MALLOC_ARENA_MAX`` is set.

None changes a result; the peaks are measured in ``docs/performance.md``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable

import numpy as np

HUGE_PAGES = "NUMPY_MADVISE_HUGEPAGE"
MALLOC_SETTINGS = {"MALLOC_MMAP_THRESHOLD_": (-3, 128 << 20),
                   "MALLOC_TRIM_THRESHOLD_": (-1, 1 << 30),
                   "MALLOC_ARENA_MAX": (-8, 1)}
"""Environment variable → (glibc ``mallopt`` parameter, value: bytes, or arenas)."""


def turn_off_huge_pages() -> bool:
    """Turn NumPy's huge-page advice off for this process, unless ``NUMPY_MADVISE_HUGEPAGE`` is set.

    Returns:
        Whether the advice is now off because of this call (False where the variable decides,
        or where this NumPy has no such switch).
    """
    if os.environ.get(HUGE_PAGES, "").strip():
        return False  # the user's choice, which NumPy applied when it was imported
    switch = madvise_switch()
    if switch is None:
        return False
    switch(False)
    return True


def madvise_switch() -> Callable[[bool], bool] | None:
    """NumPy's huge-page switch (it returns the setting it replaces), or None where it has none.

    NumPy 2 keeps it in ``numpy._core.multiarray``, NumPy 1.26 in ``numpy.core.multiarray``
    (where ``numpy._core`` is a stub without it).
    """
    for name in ("_core", "core"):
        multiarray = getattr(getattr(np, name, None), "multiarray", None)
        switch = getattr(multiarray, "_set_madvise_hugepage", None)
        if switch is not None:
            return switch
    return None


def keep_freed_memory() -> list[str]:
    """Set glibc's thresholds and arenas (see the module), except those the environment sets.

    Returns:
        The environment variables whose settings were applied (none where the C library is not
        glibc).
    """
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        return []
    applied = []
    for variable, (parameter, value) in MALLOC_SETTINGS.items():
        if not os.environ.get(variable, "").strip() and mallopt(parameter, value) == 1:
            applied.append(variable)
    return applied


def tune_memory() -> None:
    """Both of the module's settings, for a process that runs the model."""
    turn_off_huge_pages()
    keep_freed_memory()
