"""What a long command says while it works: a run's progress line and the first compile's note.

The progress line is redrawn in place on a terminal and stays silent when the output is piped
or redirected (so logs and files hold only the result).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO


class MonthProgress:
    """``run baseline: month 37/120 [######----------] 31 %, 12 s left`` on stderr.

    Args:
        label: what runs.
        stream: where to draw (default stderr); nothing is drawn unless it is a terminal.
        force: draw even when the stream is not a terminal (tests).
    """

    def __init__(self, label: str, stream: TextIO | None = None, force: bool = False) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.active = force or bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self.last = 0.0
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        """Month ``done`` of ``total`` finished: redraw (at most ten times a second)."""
        if not self.active:
            return
        now = time.perf_counter()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        elapsed = now - self.start
        left = elapsed * (total - done) / done if done else float("nan")
        filled = int(16 * done / max(total, 1))
        line = (f"{self.label}: month {done}/{total} [{'#' * filled}{'-' * (16 - filled)}] "
                f"{100 * done / max(total, 1):.0f} %, "
                + (f"{left:.0f} s left" if done < total else f"{elapsed:.1f} s"))
        self.stream.write("\r" + line.ljust(self.width))
        self.width = len(line)
        if done >= total:
            self.stream.write("\r" + " " * self.width + "\r")  # the summary follows clean
        self.stream.flush()


def loops_compiled() -> bool:
    """Whether numba's on-disk cache holds the compiled loops (compiled once after install)."""
    folder = Path(__file__).parent / "__pycache__"
    return any(folder.glob("kernels.*.nbi")) and any(folder.glob("aggregates.*.nbi"))


def compile_note(stream: Any = None) -> bool:
    """Say on stderr, in one line, that the fast loops compile now; whether it was said."""
    if loops_compiled() or os.environ.get("NUMBA_DISABLE_JIT") == "1":
        return False
    stream = stream or sys.stderr
    stream.write("reliefsim: compiling the fast loops (numba) once after installing; this "
                 "takes about half a minute, later runs load them from the cache\n")
    stream.flush()
    return True
