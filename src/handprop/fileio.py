"""Files in and out: reading the files users hand us, and writing files that are never torn.

Reading (:func:`read_user_bytes`, :func:`read_user_text`). A problem or answer file is small
text; what arrives may be anything: a folder, ``/dev/zero``, a named pipe, a 10 GB log, UTF-16.
The path must name a regular file (a device or a pipe would be read forever or block), its size
is checked before reading and no more than ``limit + 1`` bytes are ever read, and text must be
UTF-8 (a byte-order mark is allowed). Each failure is one line naming the file:
``core.err.read``, ``core.err.file_too_big`` (an :class:`~handprop.errors.InputError`) or
``core.err.encoding`` (a :class:`~handprop.errors.FileFormatError`).

Writing (:func:`atomic_write`, :func:`write_atomic`, :func:`write_files_atomic`). The data go to
a temporary file in the target's folder, are flushed and fsync'ed, then renamed over the target
with ``os.replace``, which is atomic on POSIX and Windows. A reader therefore sees the old file
or the complete new one, never a prefix; if anything fails (an exception, a full disk, Ctrl-C)
the temporary file is removed and the old file is left as it was. A failure of the file system
is a :class:`~handprop.errors.FileWriteError` (``core.err.write``, naming the file), which is
both an InputError and an OSError.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from handprop.errors import FileFormatError, FileWriteError, HandpropError, InputError
from handprop.messages import Msg

PathLike = str | os.PathLike[str]

#: largest user text file (problem, answers) read by default, in bytes
MAX_USER_FILE_BYTES = 16 * 1024 * 1024

_MODE: int | None = None


def os_reason(err: OSError) -> str:
    """The readable part of an OSError: its strerror ("No such file or directory"), else text."""
    return err.strerror or str(err) or type(err).__name__


# ------------------------------------------------------------------------------------ reading


def check_regular_file(path: PathLike, where: str | None = None) -> os.stat_result:
    """``os.stat(path)`` after checking that ``path`` is a regular file (not a folder or device).

    Raises InputError ``core.err.read`` naming ``where`` (default: the path) otherwise.
    """
    where = str(path) if where is None else where
    try:
        st = os.stat(path)
    except OSError as err:
        raise InputError("core.err.read", where=where, reason=os_reason(err)) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("core.err.read", where=where, reason=os.strerror(errno.EISDIR))
    if not stat.S_ISREG(st.st_mode):
        raise InputError("core.err.read", where=where, reason=Msg("input.reason.not_regular"))
    return st


def read_user_bytes(
    path: PathLike, where: str | None = None, *, limit: int = MAX_USER_FILE_BYTES
) -> bytes:
    """The bytes of the user's file at ``path``, at most ``limit`` of them.

    Raises InputError: ``core.err.read`` (missing, a folder, a device or pipe, unreadable) or
    ``core.err.file_too_big`` (more than ``limit`` bytes, also when it grew while read).
    """
    where = str(path) if where is None else where
    st = check_regular_file(path, where)
    if st.st_size > limit:
        raise InputError("core.err.file_too_big", where=where, size=st.st_size, limit=limit)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as err:
        raise InputError("core.err.read", where=where, reason=os_reason(err)) from None
    if len(raw) > limit:
        raise InputError("core.err.file_too_big", where=where, size=len(raw), limit=limit)
    return raw


def decode_user_text(raw: bytes, where: str) -> str:
    """``raw`` decoded as UTF-8 (a leading byte-order mark is dropped).

    Raises FileFormatError ``core.err.encoding`` naming the first bad byte and its position.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileFormatError(
            "core.err.encoding", where=where, position=err.start, byte=f"0x{raw[err.start]:02x}"
        ) from None


def read_user_text(
    path: PathLike, where: str | None = None, *, limit: int = MAX_USER_FILE_BYTES
) -> str:
    """The UTF-8 text of the user's file at ``path`` (see :func:`read_user_bytes`)."""
    where = str(path) if where is None else where
    return decode_user_text(read_user_bytes(path, where, limit=limit), where)


# ------------------------------------------------------------------------------------ writing


def _file_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give (0o666 minus the umask)."""
    global _MODE
    if _MODE is None:
        umask = os.umask(0o022)
        os.umask(umask)
        _MODE = 0o666 & ~umask
    return _MODE


def _write_error(path: Path, err: OSError) -> FileWriteError:
    return FileWriteError("core.err.write", where=str(path), reason=os_reason(err))


def _temp_beside(path: Path, suffix: str) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as err:
        raise _write_error(path, err) from None


def _finish(handle: BinaryIO, tmp: str) -> None:
    """Flush and fsync ``handle`` (still open), give ``tmp`` normal permissions."""
    handle.flush()
    os.fsync(handle.fileno())
    os.chmod(tmp, _file_mode())


@contextmanager
def atomic_write(
    path: PathLike, *, suffix: str = ".tmp", wrap_errors: bool = True
) -> Iterator[BinaryIO]:
    """Open a temporary binary file beside ``path``; on success it replaces ``path`` atomically.

    The temporary file is named ``.<name>.<random><suffix>`` in the same folder. An OSError in
    creating, writing, syncing or renaming it raises FileWriteError naming ``path`` (with
    ``wrap_errors=False`` an OSError raised by the body itself, e.g. a network error while
    copying a download, propagates unchanged). Whatever fails, the temporary file is removed
    and ``path`` keeps its old contents (or stays absent).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "model.npz")
    ...     with atomic_write(path) as handle:
    ...         _ = handle.write(b"data")
    ...     path.read_bytes()
    b'data'
    """
    path = Path(path)
    fd, tmp = _temp_beside(path, suffix)
    body_done = False
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                body_done = True
                _finish(handle, tmp)
            os.replace(tmp, path)
        except OSError as err:
            if isinstance(err, FileWriteError) or not (body_done or wrap_errors):
                raise
            raise _write_error(path, err) from None
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


Data = bytes | bytearray | memoryview | str | Callable[[BinaryIO], object]


def _write_data(handle: BinaryIO, data: Data) -> None:
    if isinstance(data, str):
        handle.write(data.encode("utf-8"))
    elif isinstance(data, (bytes, bytearray, memoryview)):
        handle.write(data)
    else:
        data(handle)


def write_atomic(path: PathLike, data: Data) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    ``data`` is bytes, text (written as UTF-8, newlines as given) or a writer
    ``data(handle)`` that writes to a binary file handle (``np.save``, ``image.save``, ...).
    Any OSError while writing, a full disk included, becomes FileWriteError naming ``path``.
    """
    path = Path(path)
    with atomic_write(path) as handle:
        _write_data(handle, data)
    return path


def write_files_atomic(files: Sequence[tuple[PathLike, Data]]) -> list[Path]:
    """Write several files as one: every file is written to its temporary file first, and
    only when all are complete are they renamed over their targets, in order.

    A failure while writing leaves every target as it was; the renames themselves are each
    atomic (a failure between two renames, which needs the folder to vanish, may leave the
    first files new and the rest old). Raises FileWriteError naming the file that failed.
    """
    targets = [Path(p) for p, _ in files]
    temps: list[str] = []
    current = targets[0] if targets else Path(".")
    try:
        for path, (_, data) in zip(targets, files, strict=True):
            current = path
            fd, tmp = _temp_beside(path, ".tmp")
            temps.append(tmp)
            with os.fdopen(fd, "wb") as handle:
                _write_data(handle, data)
                _finish(handle, tmp)
        for path, tmp in zip(targets, list(temps), strict=True):
            current = path
            os.replace(tmp, path)
            temps.remove(tmp)
    except FileWriteError:
        raise
    except OSError as err:
        raise _write_error(current, err) from None
    finally:
        for tmp in temps:  # the ones not renamed
            with suppress(OSError):
                os.unlink(tmp)
    return targets


def read_npz_arrays(path: PathLike, bad: Callable[[Msg], HandpropError]) -> dict[str, NDArray[Any]]:
    """Every array of an ``.npz`` file, read with ``allow_pickle=False``.

    A pickled (object) array is refused without being loaded, since unpickling can run code;
    any other zip or npy error means the file is not ours. ``bad(reason)`` makes the error.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except ValueError as exc:
        if "pickle" in str(exc):
            raise bad(Msg("model.problem.pickle")) from None
        raise bad(Msg("train.problem.unreadable", detail=str(exc)[:80])) from None
    except Exception as exc:
        raise bad(Msg("train.problem.unreadable", detail=type(exc).__name__)) from None
