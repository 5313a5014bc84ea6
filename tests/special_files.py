"""Outputs that must not be replaced: a folder, a named pipe, a socket, links, a file."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def occupied(target: Path, kind: str, victim: Path) -> Iterator[Path]:
    """Make ``target`` a ``kind`` (a link points at ``victim``, a dangling one beside it)."""
    server = None
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
    elif kind == "link":
        target.symlink_to(victim)
    elif kind == "dangling link":
        target.symlink_to(victim.with_name("nowhere"))
    else:
        target.write_text("old", encoding="utf-8")
    try:
        yield target
    finally:
        if server is not None:
            server.close()
