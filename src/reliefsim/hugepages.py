"""NumPy's transparent huge-page advice, turned off in reliefsim's own processes.

On Linux NumPy asks the kernel for 2 MiB pages (``madvise(MADV_HUGEPAGE)``) for every array of
4 MiB or more. Where the kernel is set to compact memory for such requests (the
``transparent_hugepage/defrag`` setting ``madvise``, Debian's default), a run of a whole city
pays for it while its arrays first grow: on the 2-core VM of the README's Performance table,
1,000,000 households spent 1–2 s more in the kernel during set-up and the first months, varying
from run to run, and the later months ran no faster. The command line and the benchmark
therefore turn the advice off, unless ``NUMPY_MADVISE_HUGEPAGE`` (NumPy's own switch, read when
NumPy is imported) says otherwise. Results are the same either way: only where memory comes
from changes.
"""

from __future__ import annotations

import os

import numpy as np

SWITCH = "NUMPY_MADVISE_HUGEPAGE"


def turn_off_huge_pages() -> bool:
    """Turn NumPy's huge-page advice off for this process, unless ``NUMPY_MADVISE_HUGEPAGE`` is set.

    Returns:
        Whether the advice is now off because of this call (False where the variable decides,
        or where this NumPy has no such switch).
    """
    if os.environ.get(SWITCH, "").strip():
        return False  # the user's choice, which NumPy applied when it was imported
    core = getattr(np, "_core", None) or getattr(np, "core", None)  # NumPy 2 or 1
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if switch is None:
        return False
    switch(False)
    return True
