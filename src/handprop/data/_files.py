"""Atomic file writing: a temporary file in the same folder, then ``os.replace``.

A reader never sees a half-written file: either the old file or the complete new one. If the
writer fails (an exception, a full disk, Ctrl-C) the temporary file is removed and the old file
is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

_MODE: int | None = None


def _file_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give (0o666 minus the umask)."""
    global _MODE
    if _MODE is None:
        umask = os.umask(0o022)
        os.umask(umask)
        _MODE = 0o666 & ~umask
    return _MODE


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary binary file beside ``path``; on success it replaces ``path`` atomically.

    The data are flushed and fsync'ed before the rename, so after a crash ``path`` holds either
    its old contents or the complete new ones, never a prefix.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
