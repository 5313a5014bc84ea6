"""Child processes that die with their parent, and a clean stop on Ctrl-C or SIGTERM.

- Worker processes (``--workers N``) ask Linux for a parent-death signal
  (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, through ctypes) in their initializer, so they die when
  the command dies, even by ``kill -9``; they ignore SIGINT (a Ctrl-C reaches the whole process
  group: the command stops them itself, after storing what finished).
- The command turns SIGTERM into the same orderly stop as Ctrl-C (:func:`stop_on_signals`):
  temporary files are removed, workers stopped, and a sweep says how to resume.
- A server the command starts (the classroom app) runs in place of the command
  (:func:`exec_server`), so stopping the command stops the server: no process is left
  listening on the port.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import FrameType
from typing import Any, NoReturn

from reliefsim.errors import ReliefsimError

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent thread dies (linux/prctl.h)."""


class Interrupted(KeyboardInterrupt):
    """The command was stopped by Ctrl-C (SIGINT) or SIGTERM.

    Attributes:
        signum: the signal.
        message: what was kept and how to go on (one line), or "".
    """

    def __init__(self, signum: int = signal.SIGINT, message: str = "") -> None:
        super().__init__(message)
        self.signum = signum
        self.message = message

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process stopped by it."""
        return 128 + int(self.signum)

    def with_message(self, message: str) -> Interrupted:
        """The same interruption with a message about what was kept."""
        return Interrupted(self.signum, message)


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True) if name else None
    except OSError:
        return None


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies.

    Returns:
        Whether the request was made (False where ``prctl`` is missing, e.g. not Linux).
    """
    libc = _libc()
    prctl = getattr(libc, "prctl", None)
    if prctl is None:
        return False
    return prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def worker_init(parent: int) -> None:
    """Initializer of a worker process: die with ``parent``, leave Ctrl-C to it, one thread.

    Args:
        parent: the process id of the command that started the worker.
    """
    from reliefsim.threads import set_threads

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    set_threads(1)  # the sweep's workers already keep every core busy
    die_with_parent(signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process (see :func:`worker_init`)."""
    return ProcessPoolExecutor(max_workers=workers, initializer=worker_init,
                               initargs=(os.getpid(),))


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once: cancel what has not started and kill the workers."""
    processes = dict(getattr(pool, "_processes", None) or {})
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes.values():
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes.values():
        with contextlib.suppress(Exception):
            process.join(timeout=5)


def _raise(signum: int, _frame: FrameType | None) -> NoReturn:
    raise Interrupted(signum)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop a command in order (Ctrl-C and ``kill``)."""


@contextlib.contextmanager
def _handled(handler: Callable[[int, FrameType | None], Any]) -> Iterator[bool]:
    """``handler`` for :data:`STOP_SIGNALS` while inside; the old handlers back on leaving.

    Python runs signal handlers in the main thread only, so in any other thread nothing is
    changed.

    Yields:
        Whether the handler was installed (only in the main thread).
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    old = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    for s in old:
        signal.signal(s, handler)
    try:
        yield True
    finally:
        for s, previous in old.items():
            signal.signal(s, previous)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` in the main thread while inside."""
    with _handled(_raise):
        yield


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while inside (a run being stored is stored whole).

    A signal that arrives inside is noted, and delivered again to this process's own handlers
    on leaving. Blocking the signals with ``pthread_sigmask`` would not do: it blocks them in the
    calling thread only, and the kernel hands a process's signal to any thread that does not
    block it (a process pool's own thread), after which Python runs the handler in the main
    thread regardless, mid-store.
    """
    arrived: list[int] = []
    with _handled(lambda signum, _frame: arrived.append(signum)):
        yield
    if arrived:
        signal.raise_signal(arrived[0])


def check_port(host: str, port: int) -> None:
    """Refuse a port that is out of range or already taken on ``host``.

    Raises:
        ReliefsimError: naming the port and what to do.
    """
    if not 1 <= port <= 65535:
        raise ReliefsimError(f"--port {port}: expected a whole number from 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ReliefsimError(f"--host {host}: not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = ("already in use (another app running?)" if exc.errno == 98
                      else exc.strerror or str(exc))
            raise ReliefsimError(f"--port {port} on {host}: {reason}; give another --port"
                                 ) from None


def exec_server(argv: Sequence[str], env: dict[str, str]) -> NoReturn:
    """Replace this process with a server (``argv``), so stopping the command stops the server.

    Output buffered so far is flushed first; nothing after this call runs.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], list(argv), env)
