"""Read and write IDX files, the format of MNIST, Fashion-MNIST and KMNIST.

An IDX file is a small header followed by one array in row-major order, all big-endian::

    bytes 0-1   0x00 0x00        magic: two zero bytes
    byte  2     type code        0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                 0x0D float32, 0x0E float64
    byte  3     ndim             number of dimensions (>= 1)
    4 * ndim    sizes            one big-endian uint32 per dimension
    then        data             prod(sizes) items of the type above

so ``train-images-idx3-ubyte`` of MNIST is ``00 00 08 03``, then 60000, 28, 28, then
60000 * 28 * 28 = 47,040,000 bytes. Files are usually gzip-compressed (``.gz``); the reader
recognises gzip by its first two bytes (``1f 8b``), not by the file name.

The reader trusts nothing in the file: it checks the magic number, the type code, the number of
dimensions, every size (>= 1) and the payload length against the header. A header that claims
more data than the file can hold (a raw file of the wrong size, or more than :data:`MAX_BYTES`,
or more than a gzip stream of that length can inflate to) is refused *before* any memory is
allocated. Every failure is a one-line :class:`~handprop.errors.FileFormatError`.

Arrays come back without extra copies: a compressed file is inflated once and wrapped with
``np.frombuffer`` (read-only); a raw file is read straight into the array, or memory-mapped with
``mmap=True`` so that data larger than memory can be used for out-of-core training.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handprop.errors import FileFormatError, InputError
from handprop.fileio import atomic_write, check_regular_file
from handprop.messages import Msg

# type code -> big-endian NumPy dtype (the IDX specification's list).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# NumPy kind + size -> type code, for the writer (byte order does not matter there).
_CODES: dict[tuple[str, int], int] = {
    (dt.kind, dt.itemsize): code for code, dt in IDX_DTYPES.items()
}

MAX_NDIM = 16
"""Largest number of dimensions accepted (real IDX files have 1 to 4)."""

MAX_BYTES = 1 << 34
"""Largest payload (16 GiB) accepted by default; pass ``max_bytes`` to change it."""

DEFLATE_MAX_RATIO = 1032
"""Deflate cannot expand data by more than about 1032:1, so a gzip stream of ``n`` bytes never
inflates to more than ``1032 * n`` bytes; a header claiming more is refused unread."""

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


def _codes_text() -> str:
    return ", ".join(f"0x{code:02X} {dt.name}" for code, dt in IDX_DTYPES.items())


@dataclass(frozen=True)
class IdxHeader:
    """What an IDX header says: the item type and the shape of the array that follows."""

    dtype: np.dtype
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        """Header length in bytes: 4 + 4 * ndim."""
        return 4 + 4 * len(self.shape)

    @property
    def nbytes(self) -> int:
        """Payload length in bytes claimed by the header: prod(shape) * itemsize."""
        return math.prod(self.shape) * self.dtype.itemsize

    def to_bytes(self) -> bytes:
        """The header exactly as stored in the file."""
        code = _CODES[(self.dtype.kind, self.dtype.itemsize)]
        ndim = len(self.shape)
        return struct.pack(f">BBBB{ndim}I", 0, 0, code, ndim, *self.shape)

    def describe(self) -> str:
        dims = " x ".join(str(d) for d in self.shape)
        return f"{dims} {self.dtype.name}"


def _format_error(where: str, name: str | Msg, expected: Msg, got: object) -> FileFormatError:
    return FileFormatError("err.must", where=where, name=name, expected=expected, got=got)


def _parse_header(read: Callable[[int], bytes], where: str) -> IdxHeader:
    """Read and check an IDX header with ``read(n)`` (which may return fewer bytes at the end)."""
    head = read(4)
    if len(head) < 4:
        raise _format_error(
            where,
            Msg("data.name.header"),
            Msg("data.exp.idx_header", n=4),
            Msg("data.got.bytes", n=len(head)),
        )
    if head[0] != 0 or head[1] != 0:
        raise _format_error(
            where,
            Msg("data.name.magic"),
            Msg("data.exp.idx_magic"),
            "0x" + head.hex().upper() + (" (gzip)" if head[:2] == GZIP_MAGIC else ""),
        )
    code, ndim = head[2], head[3]
    if code not in IDX_DTYPES:
        raise _format_error(
            where, Msg("data.name.type_code"), Msg("data.exp.idx_dtype", codes=_codes_text()),
            f"0x{code:02X}",
        )  # fmt: skip
    if not 1 <= ndim <= MAX_NDIM:
        raise _format_error(
            where, Msg("data.name.ndim"), Msg("exp.range", low=1, high=MAX_NDIM), ndim
        )
    raw_dims = read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise _format_error(
            where,
            Msg("data.name.header"),
            Msg("data.exp.idx_header", n=4 + 4 * ndim),
            Msg("data.got.bytes", n=4 + len(raw_dims)),
        )
    shape = struct.unpack(f">{ndim}I", raw_dims)
    if min(shape) == 0:
        raise _format_error(
            where, Msg("data.name.sizes"), Msg("data.exp.idx_sizes"), " x ".join(map(str, shape))
        )
    return IdxHeader(IDX_DTYPES[code], shape)


def _check_claim(header: IdxHeader, where: str, max_bytes: int, stored: int | None) -> None:
    """Refuse a header whose payload exceeds ``max_bytes`` or what ``stored`` gzip bytes hold."""
    claimed = header.nbytes
    if claimed > max_bytes:
        raise _format_error(
            where,
            Msg("data.name.header"),
            Msg("data.exp.idx_max", limit=max_bytes),
            Msg("data.got.claim", n=claimed, what=header.describe()),
        )
    if stored is not None and claimed + header.size > DEFLATE_MAX_RATIO * stored:
        raise _format_error(
            where,
            Msg("data.name.header"),
            Msg("data.exp.idx_gzip_claim", limit=DEFLATE_MAX_RATIO * stored, stored=stored),
            Msg("data.got.claim", n=claimed, what=header.describe()),
        )


def _payload_error(where: str, header: IdxHeader, got: int) -> FileFormatError:
    got_msg = Msg("data.got.truncated" if got < header.nbytes else "data.got.too_long", n=got)
    return _format_error(
        where,
        Msg("data.name.data"),
        Msg("data.exp.idx_payload", n=header.nbytes, what=header.describe()),
        got_msg,
    )


class _Inflater:
    """Exact-length reads from gzip bytes held in memory (several gzip members allowed).

    Memory never exceeds what was asked for: each call inflates at most ``n`` bytes. A large
    read hands zlib all remaining input in one call, so the output is one ``bytes`` object
    (no joining, no copy).
    """

    def __init__(self, data: memoryview, where: str) -> None:
        self._data = data
        self._pos = 0  # first input byte zlib has not consumed
        self._z = zlib.decompressobj(31)
        self._where = where

    def _next_member(self) -> bool:
        """Start the gzip member after one that ended; False at the true end of the data."""
        rest = self._data[self._pos :]
        if not bytes(rest).strip(b"\0"):  # the end, or zero padding as some tools write
            return False
        if bytes(rest[:2]) != GZIP_MAGIC:
            raise _format_error(
                self._where, Msg("data.name.gzip"), Msg("data.exp.gzip_end"),
                Msg("data.got.trailing", n=len(rest)),
            )  # fmt: skip
        self._z = zlib.decompressobj(31)
        return True

    def read(self, n: int) -> bytes:
        parts: list[bytes] = []
        need = n
        while need > 0:
            if self._z.eof and not self._next_member():
                break
            # A small read (the header) gets a small slice of input, a big one all of it.
            size = len(self._data)
            end = size if need > _CHUNK else min(size, self._pos + _CHUNK)
            chunk_in = self._data[self._pos : end]
            try:
                out = self._z.decompress(chunk_in, need)
            except zlib.error as exc:
                raise _format_error(
                    self._where, Msg("data.name.gzip"), Msg("data.exp.gzip"), str(exc)
                ) from None
            tail = self._z.unused_data if self._z.eof else self._z.unconsumed_tail
            self._pos = end - len(tail)
            if out:
                parts.append(out)
                need -= len(out)
            elif not len(chunk_in) and not self._z.eof:
                break  # no input left in the middle of a member: truncated
        if len(parts) == 1:
            return parts[0]
        return b"".join(parts)

    def finish(self) -> int:
        """Check that the data end here, CRC included; return how many extra bytes follow."""
        extra = len(self.read(_CHUNK))
        if not self._z.eof:
            raise _format_error(
                self._where, Msg("data.name.gzip"), Msg("data.exp.gzip_end"),
                Msg("data.got.no_end"),
            )  # fmt: skip
        return extra


def parse_idx(
    data: bytes | bytearray | memoryview, *, name: str = "<bytes>", max_bytes: int = MAX_BYTES
) -> np.ndarray:
    """The array stored in IDX ``data`` (gzip-compressed or raw).

    Parameters
    ----------
    data : bytes-like
        The whole file's contents.
    name : str
        What to call the data in error messages (usually the file name).
    max_bytes : int
        Largest payload accepted; larger claims are refused before allocating.

    Returns
    -------
    ndarray of the header's shape and (big-endian) dtype, read-only, sharing memory with the
    inflated bytes or with ``data`` (no copy).

    Raises
    ------
    FileFormatError
        Bad magic number, unknown type code, bad number of dimensions, a zero size, a payload
        shorter or longer than the header says, a broken gzip stream, or a claim that is too big.
    """
    header, payload = _parse(memoryview(data).cast("B"), name, max_bytes)
    return np.frombuffer(payload, dtype=header.dtype, count=math.prod(header.shape)).reshape(
        header.shape
    )


def _parse(view: memoryview, where: str, max_bytes: int) -> tuple[IdxHeader, bytes | memoryview]:
    """The header and the payload bytes of IDX data held in memory."""
    if bytes(view[:2]) == GZIP_MAGIC:
        inflater = _Inflater(view, where)
        header = _parse_header(inflater.read, where)
        _check_claim(header, where, max_bytes, stored=len(view))
        payload = inflater.read(header.nbytes)
        if len(payload) < header.nbytes:
            raise _payload_error(where, header, len(payload))
        extra = inflater.finish()
        if extra:
            raise _format_error(
                where,
                Msg("data.name.data"),
                Msg("data.exp.idx_payload", n=header.nbytes, what=header.describe()),
                Msg("data.got.more_than", n=header.nbytes),
            )
        return header, payload
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        chunk = bytes(view[pos : pos + n])
        pos += len(chunk)
        return chunk

    header = _parse_header(read, where)
    got = len(view) - header.size
    if got != header.nbytes:
        raise _payload_error(where, header, got)
    _check_claim(header, where, max_bytes, stored=None)
    return header, view[header.size :]


def read_idx_header(path: str | os.PathLike[str]) -> IdxHeader:
    """The checked header of the IDX file at ``path`` (gz or raw), without reading the data."""
    path = Path(path)
    with _open(path) as handle:
        if handle.read(2) == GZIP_MAGIC:
            handle.seek(0)
            view = memoryview(handle.read(_CHUNK))
            return _parse_header(_Inflater(view, str(path)).read, str(path))
        handle.seek(0)
        return _parse_header(handle.read, str(path))


def _open(path: Path):  # type: ignore[no-untyped-def]
    if path.exists() and not path.is_dir():
        check_regular_file(path)  # a named pipe would block, a device never end
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError("data.err.no_file", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("data.err.no_file", file=str(path)) from None


def read_idx(
    path: str | os.PathLike[str], *, mmap: bool = False, max_bytes: int = MAX_BYTES
) -> np.ndarray:
    """The array stored in the IDX file at ``path`` (``.gz`` or raw).

    Parameters
    ----------
    path : str or PathLike
        An IDX file, gzip-compressed or not (recognised by content, not by name).
    mmap : bool
        Memory-map the data instead of reading it (``numpy.memmap``, read-only). Only for
        uncompressed files; data larger than memory can then be used batch by batch.
    max_bytes : int
        Largest payload accepted; larger claims are refused before allocating.

    Returns
    -------
    ndarray of the header's shape, dtype big-endian as stored (``uint8`` for image files).
    Compressed files give a read-only array over the inflated bytes; raw files a writable one
    (or a read-only ``memmap``).

    Raises
    ------
    FileFormatError
        See :func:`parse_idx`; also a raw file whose size is not header + payload.
    InputError
        ``path`` does not exist, or ``mmap=True`` for a compressed file.
    """
    path = Path(path)
    where = str(path)
    with _open(path) as handle:
        if handle.read(2) == GZIP_MAGIC:
            if mmap:
                raise InputError("data.err.mmap_gz", file=where)
            handle.seek(0)
            return parse_idx(handle.read(), name=where, max_bytes=max_bytes)
        handle.seek(0)
        header = _parse_header(handle.read, where)
        got = os.fstat(handle.fileno()).st_size - header.size
        if got != header.nbytes:  # checked first: a claim larger than the file is refused
            raise _payload_error(where, header, got)
        _check_claim(header, where, max_bytes, stored=None)
        if mmap:
            return np.memmap(
                path, dtype=header.dtype, mode="r", offset=header.size, shape=header.shape
            )
        array = np.empty(header.shape, dtype=header.dtype)
        buffer = array.reshape(-1).view(np.uint8).data  # writable, no copy
        done = 0
        while done < header.nbytes:
            n = handle.readinto(buffer[done:])
            if not n:  # the file shrank while we read it
                raise _payload_error(where, header, done)
            done += n
        return array


def write_idx(
    path: str | os.PathLike[str],
    array: np.ndarray,
    *,
    compress: bool | None = None,
    compresslevel: int = 6,
) -> Path:
    """Write ``array`` as an IDX file at ``path``, atomically (temp file + rename).

    Parameters
    ----------
    path : str or PathLike
        Destination; its folder must exist.
    array : array_like
        dtype uint8, int8, int16, int32, float32 or float64; 1 to :data:`MAX_NDIM` dimensions,
        each of size 1 to 2**32 - 1.
    compress : bool or None
        gzip the file; ``None`` means "if the name ends in .gz". The gzip header holds no name
        and no time, so equal arrays give equal files.
    compresslevel : int
        gzip level, 1 (fast) to 9 (small).

    Returns
    -------
    Path of the written file.
    """
    path = Path(path)
    arr = np.asarray(array)
    code = _CODES.get((arr.dtype.kind, arr.dtype.itemsize)) if arr.dtype.kind in "uif" else None
    if code is None:
        raise InputError(
            "err.must",
            where="write_idx",
            name="array",
            expected=Msg("data.exp.idx_dtype", codes=_codes_text()),
            got=f"dtype {arr.dtype}",
        )
    if not 1 <= arr.ndim <= MAX_NDIM or min(arr.shape) < 1 or max(arr.shape) >= 1 << 32:
        raise InputError(
            "err.must",
            where="write_idx",
            name="array",
            expected=Msg("data.exp.idx_writable_shape", max_ndim=MAX_NDIM),
            got=Msg("got.shape", shape=arr.shape),
        )
    big_endian = np.ascontiguousarray(arr, dtype=IDX_DTYPES[code])
    header = IdxHeader(IDX_DTYPES[code], tuple(arr.shape)).to_bytes()
    payload = big_endian.reshape(-1).view(np.uint8).data
    if compress is None:
        compress = path.name.endswith(".gz")
    with atomic_write(path) as handle:
        if compress:
            import gzip

            with gzip.GzipFile(
                filename="", fileobj=handle, mode="wb", compresslevel=compresslevel, mtime=0
            ) as gz:
                gz.write(header)
                gz.write(payload)
        else:
            handle.write(header)
            handle.write(payload)
    return path
