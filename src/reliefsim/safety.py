"""The command line's safety net: shared options, and every failure as one line and exit 2.

:func:`guarded` runs a command so that

- a :class:`~reliefsim.errors.ReliefsimError` (bad input, a refused output, a size over budget,
  a store fault) prints ``reliefsim: error: <one line>`` and exits 2;
- Ctrl-C and SIGTERM stop it in order (temporary files removed, workers stopped; a sweep stores
  what finished and says how to resume) and exit 130 or 143;
- whatever else goes wrong (memory, nesting, the operating system, a database error no store
  function turned into a message, a bug) still ends in one line and exit 2, never a traceback
  (``RELIEFSIM_TRACEBACK=1`` shows it, for developers);
- a password in the ``--db`` URL is masked in every message.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from reliefsim.errors import ReliefsimError

TRACEBACK = "RELIEFSIM_TRACEBACK"
"""Environment variable: set to 1 to see the traceback of an unexpected error."""


def add_force_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--force``: replace existing output files (never an input, folder, device or link)."""
    parser.add_argument("--force", action="store_true", help=f"{what} (never an input, a "
                        "folder, a device or a link)")


def add_max_runs_option(parser: argparse.ArgumentParser) -> None:
    """``--max-runs N``: the most runs a command may make (checked before it starts)."""
    from reliefsim.budgets import DEFAULT_MAX_RUNS

    parser.add_argument("--max-runs", type=int, default=None, metavar="N",
                        help=f"most runs allowed, checked before any starts (default "
                             f"{DEFAULT_MAX_RUNS:,}); memory is checked too")


def _say(message: str, db: str | None) -> None:
    from reliefsim.store import mask

    line = " ".join(mask(str(message), db).split())  # one line, whatever the message held
    print(f"reliefsim: {line}", file=sys.stderr, flush=True)


def _unexpected(exc: BaseException) -> str:
    """One line for an error no part of reliefsim turned into a message."""
    if isinstance(exc, MemoryError):
        return ("error: ran out of memory; give fewer --households, --workers or runs "
                "(the sizes are estimated before the work, but this machine had less)")
    if isinstance(exc, RecursionError):
        return "error: an input is nested too deeply (lists or tables inside one another)"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"error: {where}{exc.strerror or exc}"
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        first = str(getattr(exc, "orig", exc)).strip().splitlines()
        return f"error: the results store failed ({first[0] if first else type(exc).__name__})"
    text = str(exc).strip().splitlines()
    return (f"error: internal error ({type(exc).__name__}: {text[0] if text else ''}); please "
            f"report it with the command you ran ({TRACEBACK}=1 shows where it happened)")


def guarded(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``command(args)``; every failure becomes one line on stderr and an exit code."""
    from reliefsim.processes import Interrupted, stop_on_signals

    db = getattr(args, "db", None)
    try:
        with stop_on_signals():
            return command(args)
    except ReliefsimError as exc:
        _say(f"error: {exc}", db)
        return 2
    except Interrupted as exc:
        _say(exc.message or "interrupted", db)
        return exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted", db)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except Exception as exc:  # the last net: one line, never a traceback
        if os.environ.get(TRACEBACK, "").strip() not in ("", "0"):
            raise
        _say(_unexpected(exc), db)
        return 2
