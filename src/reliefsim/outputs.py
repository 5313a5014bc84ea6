"""Output files: checked before any work, written beside the target, replaced atomically.

Every file reliefsim writes goes through this module:

- :func:`check_file` and :func:`check_folder` run when a command starts, before any simulation:
  they refuse (with one :class:`~reliefsim.errors.ReliefsimError` naming the option and the path)
  an output that is one of the command's inputs (same resolved path, or the same file by device
  and inode, as a hard link is), a folder where a file is expected, a device, pipe, socket or
  other non-regular file, a symbolic link (reliefsim never writes through one), a place it
  cannot write in, and an existing file unless ``force`` is given;
- :func:`replacing` writes through a temporary file created exclusively (``O_CREAT | O_EXCL |
  O_NOFOLLOW``, unpredictable name) in the target's folder, then renames it over the target in
  one step, so readers see the old file or the new one, never half of one; without ``force`` the
  rename refuses to replace a file that appeared meanwhile. On any failure the temporary file and
  any folder made for it are removed.

Text cells of CSV and spreadsheet outputs go through :func:`neutralise`, so a cell such as
``=HYPERLINK(…)`` is shown as text, not run as a formula.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

from reliefsim.errors import ReliefsimError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula (OWASP's list)."""
PARTIAL_SUFFIX = ".partial"

Inputs = Mapping[str, Path | str | Iterable[Path | str] | None]
"""The command's inputs by the option (or role) that names them, e.g. ``{"--households": p}``."""


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words ("a folder", "a character device", …)."""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISREG, "a regular file"))
    return next((word for test, word in kinds if test(mode)), "not a regular file")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP):
            return None  # the folder part is checked (and named) by check_writable_folder
        raise


def same_file(a: Path | str, b: Path | str) -> bool:
    """Whether two paths name one file: the same resolved path, or the same device and inode."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _input_paths(inputs: Inputs | None) -> Iterator[tuple[str, Path]]:
    for role, value in (inputs or {}).items():
        if value is None:
            continue
        values = [value] if isinstance(value, str | Path) else list(value)
        for v in values:
            if v is not None and str(v):
                yield role, Path(v)


def _refuse(flag: str, path: Path | str, reason: str) -> ReliefsimError:
    return ReliefsimError(f"{flag} {path}: {reason}")


def check_not_input(path: Path, flag: str, shown: Path | str, inputs: Inputs | None) -> None:
    """Refuse ``path`` when it is one of ``inputs`` (by resolved path, or device and inode)."""
    for role, source in _input_paths(inputs):
        if same_file(path, source):
            what = f"the file of {role}" if role.startswith("-") else f"a {role} file"
            also = "" if os.path.normpath(source) == os.path.normpath(shown) else f" ({source})"
            raise _refuse(flag, shown, f"is {what}{also}, an input of this command; give another "
                                       "file name (reliefsim never writes over its inputs)")


def _check_existing(st: os.stat_result | None, flag: str, shown: Path | str, *,
                    expect: str, force: bool) -> None:
    """Refuse what must never be replaced, and an existing file without ``force``."""
    if st is None:
        return
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(flag, shown, "is a symbolic link; give the path of the file itself "
                                   "(reliefsim never writes through a link)")
    if stat.S_ISDIR(st.st_mode):
        raise _refuse(flag, shown, f"is a folder; expected {expect}")
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(flag, shown, f"is {kind_of(st.st_mode)}, not a regular file; expected "
                                   f"{expect}")
    if not force:
        raise _refuse(flag, shown, "exists; give --force to replace it, or another name")


def _nearest_existing(folder: Path) -> tuple[Path, list[Path]]:
    """The nearest folder of ``folder``'s chain that exists, and the missing ones below it."""
    missing: list[Path] = []
    current = folder
    while not os.path.lexists(current):
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    return current, missing[::-1]


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_writable_folder(folder: Path, flag: str, shown: Path | str) -> None:
    """Refuse unless ``folder`` (or its nearest existing parent) is a folder one can write in.

    Writing is tried (an exclusive temporary file made and removed at once), so a read-only
    file system or a place such as ``/proc`` is found before any work starts.
    """
    folder = folder if str(folder) else Path(".")
    existing, missing = _nearest_existing(folder)
    if not existing.is_dir():
        what = ("does not exist" if not os.path.lexists(existing) else
                f"is {kind_of(os.lstat(existing).st_mode)}, not a folder")
        raise _refuse(flag, shown, f"{existing} {what}")
    limit = _name_max(existing)
    for part in [*missing, Path(str(shown))]:
        if len(os.fsencode(part.name)) > limit:
            raise _refuse(flag, shown, f"the name {part.name[:40]}… is longer than this file "
                                       f"system allows ({limit} bytes)")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".reliefsim-", suffix=PARTIAL_SUFFIX)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _refuse(flag, shown, f"cannot write in {existing} ({exc.strerror or exc})"
                      ) from None


def _text(path: Path | str) -> str:
    return os.fspath(path)


def _check_path_text(path: Path | str, flag: str) -> Path:
    text = _text(path)
    if not text.strip():
        raise _refuse(flag, repr(text), "empty path")
    if "\x00" in text:
        raise _refuse(flag, repr(text), "the path holds a NUL character")
    return Path(text)


def check_file(path: Path | str, flag: str, *, inputs: Inputs | None = None,
               force: bool = False, expect: str = "a file name") -> Path:
    """Check an output file before any work starts.

    Args:
        path: the output file as the user gave it.
        flag: the option that named it (``--output``), for messages.
        inputs: the command's inputs, never to be replaced (by path or by device and inode).
        force: replace an existing regular file.
        expect: what the option expects, for the message about a folder or device.

    Returns:
        The path.

    Raises:
        ReliefsimError: naming the option, the path and the reason.
    """
    target = _check_path_text(path, flag)
    text = _text(path)
    if text.endswith(os.sep) or target.name in ("", ".", ".."):
        raise _refuse(flag, text, f"names a folder; expected {expect}")
    st = _lstat(target)
    check_not_input(target, flag, text, inputs)  # also an input still to be made (a new store)
    _check_existing(st, flag, text, expect=expect, force=force)
    check_writable_folder(target.parent, flag, text)
    return target


def check_folder(path: Path | str, flag: str, names: Iterable[str], *,
                 inputs: Inputs | None = None, force: bool = False) -> Path:
    """Check an output folder and the files a command will write in it, before any work starts.

    The folder may exist (its other files are left alone) or not (it is made when the files are
    written). Each named file inside is checked as :func:`check_file` checks one.

    Raises:
        ReliefsimError: naming the option, the path and the reason.
    """
    folder = _check_path_text(path, flag)
    names = list(names)
    listed = ", ".join(names)
    st = _lstat(folder)
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise _refuse(flag, path, "is a symbolic link; give the folder itself (reliefsim "
                                      "never writes through a link)")
        if not stat.S_ISDIR(st.st_mode):
            raise _refuse(flag, path, f"is {kind_of(st.st_mode)}; expected a folder (for "
                                      f"{listed})")
        for name in names:
            target = folder / name
            shown = target
            tst = _lstat(target)
            check_not_input(target, flag, shown, inputs)
            _check_existing(tst, flag, shown, expect=f"the file {name}", force=force)
        check_writable_folder(folder, flag, path)
    else:
        for name in names:
            check_not_input(folder / name, flag, folder / name, inputs)
        check_writable_folder(folder, flag, path)
    return folder


def check_input(path: Path | str, what: str = "") -> Path:
    """Refuse an input that is missing or not a regular file (a pipe or device never ends).

    Links to regular files are fine. ``what`` names the option or role for the message.

    Raises:
        ReliefsimError: naming the file and the problem.
    """
    target = Path(path)
    prefix = f"{what} {path}" if what else f"{path}"
    try:
        st = os.stat(target)
    except FileNotFoundError:
        raise ReliefsimError(f"{prefix}: file not found") from None
    except OSError as exc:
        raise ReliefsimError(f"{prefix}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ReliefsimError(f"{prefix}: is {kind_of(st.st_mode)}, not a regular file")
    return target


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_folders(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; the folders made, outermost first."""
    _, missing = _nearest_existing(folder)
    made = []
    for f in missing:
        try:
            os.mkdir(f)
        except FileExistsError:
            continue
        made.append(f)
    return made


def _remove_quietly(tmp: str | None, made: list[Path]) -> None:
    if tmp is not None:
        with suppress(OSError):
            os.unlink(tmp)
    for f in reversed(made):
        try:
            os.rmdir(f)
        except OSError:
            break


@contextmanager
def replacing(path: Path | str, *, force: bool = True) -> Iterator[BinaryIO]:
    """Write ``path`` through a temporary file beside it, then put it in place atomically.

    Yields a binary file object; text writers wrap it (``io.TextIOWrapper``). The temporary file
    is made with ``tempfile.mkstemp`` (exclusive, no link followed, random name) in the target's
    folder (made if missing), synced, given the usual permissions (0666 less the umask) and
    renamed over the target. Without ``force`` an existing target is not replaced.

    Raises:
        ReliefsimError: when the target became a folder, link or device meanwhile, exists
            (without ``force``) or cannot be written (disk full, no permission); nothing is left
            behind.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    made: list[Path] = []
    tmp: str | None = None
    done = False
    try:
        made = _make_folders(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name[:48]}.",
                                   suffix=PARTIAL_SUFFIX)
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        st = _lstat(target)
        if st is not None and (not stat.S_ISREG(st.st_mode) or not force):
            _check_existing(st, "", target, expect="a file", force=force)
        if force:
            os.replace(tmp, target)
        else:
            _put_new(tmp, target)
        done = True
    except FileExistsError:
        raise ReliefsimError(f"{target}: exists; give --force to replace it") from None
    except OSError as exc:
        raise ReliefsimError(f"{target}: cannot write ({exc.strerror or exc}); nothing was "
                             "written") from None
    except ReliefsimError as exc:
        raise ReliefsimError(str(exc).strip()) from None
    finally:
        if not done:
            _remove_quietly(tmp, made)


def _put_new(tmp: str, target: Path) -> None:
    """Put ``tmp`` at ``target`` unless a file appeared there (a hard link, then unlink)."""
    try:
        os.link(tmp, target)  # fails with EEXIST if the target appeared meanwhile
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if os.path.lexists(target):  # a file system without hard links
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def write_bytes(path: Path | str, data: bytes, *, force: bool = True) -> Path:
    """Write ``data`` to ``path`` through :func:`replacing`."""
    with replacing(path, force=force) as fh:
        fh.write(data)
    return Path(path)


def write_text(path: Path | str, text: str, *, force: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through :func:`replacing`."""
    return write_bytes(path, text.encode("utf-8"), force=force)


def neutralise(value: Any) -> Any:
    """A text cell as a spreadsheet shows it as text: ``'`` put before a leading = + - @, tab, CR.

    Numbers and other values pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: Any) -> Any:
    """A copy of a DataFrame with every text cell neutralised (:func:`neutralise`)."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if is_object_dtype(values.dtype) or is_string_dtype(values.dtype):
            out[column] = [neutralise(v) for v in values]
    return out


def write_csv(frame: Any, path: Path | str, *, force: bool = True, **options: Any) -> Path:
    """Write a DataFrame as UTF-8 CSV (text cells neutralised) through :func:`replacing`.

    Lines end in CR LF, as RFC 4180 and spreadsheets have them: a CSV writer quotes a cell only
    for the characters of its own line ending, so with LF alone a text cell holding a CR (an
    identifier copied from a spreadsheet, say) would be written bare and read back as two
    rows.
    """
    import io

    options.setdefault("lineterminator", "\r\n")
    with replacing(path, force=force) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        neutralise_frame(frame).to_csv(text, index=False, **options)
        text.flush()
        text.detach()
    return Path(path)
