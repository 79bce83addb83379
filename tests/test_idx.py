"""IDX reader and writer: round trips, and every way a file can be broken."""

from __future__ import annotations

import gzip
import os
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handprop.data import idx
from handprop.data.idx import parse_idx, read_idx, read_idx_header, write_idx
from handprop.errors import FileFormatError, InputError


def header(code: int, *dims: int, ndim: int | None = None) -> bytes:
    n = len(dims) if ndim is None else ndim
    return bytes([0, 0, code, n]) + struct.pack(f">{len(dims)}I", *dims)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


# --- round trips ----------------------------------------------------------------------------

ARRAYS = {
    "uint8 images": np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5),
    "int8": np.array([-128, -1, 0, 1, 127], dtype=np.int8),
    "int16": np.array([[-32768, 0], [1, 32767]], dtype=np.int16),
    "int32": np.array([-(2**31), -5, 0, 2**31 - 1], dtype=np.int32),
    "float32": np.array([[1.5, -2.25, np.float32(3.4e38)]], dtype=np.float32),
    "float64": np.array([np.pi, -np.e, 1e-300], dtype=np.float64),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("name", list(ARRAYS))
def test_round_trip(tmp_path: Path, name: str, compress: bool) -> None:
    array = ARRAYS[name]
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    write_idx(path, array)
    data = path.read_bytes()
    assert (data[:2] == b"\x1f\x8b") == compress
    if not compress:
        assert len(data) == 4 + 4 * array.ndim + array.nbytes
        code = {"u": 0x08, "i": {1: 0x09, 2: 0x0B, 4: 0x0C}, "f": {4: 0x0D, 8: 0x0E}}
        kind = code[array.dtype.kind]
        expected_code = kind if isinstance(kind, int) else kind[array.dtype.itemsize]
        assert data[:4] == bytes([0, 0, expected_code, array.ndim])
    back = read_idx(path)
    assert back.shape == array.shape
    assert back.dtype.kind == array.dtype.kind and back.dtype.itemsize == array.dtype.itemsize
    np.testing.assert_array_equal(back, array)
    np.testing.assert_array_equal(parse_idx(data), array)
    assert read_idx_header(path).shape == array.shape


def test_mnist_style_header_bytes(tmp_path: Path) -> None:
    # The layout MNIST's train-images file starts with: 00 00 08 03, then 60000 28 28.
    path = write_idx(tmp_path / "x", np.zeros((2, 28, 28), np.uint8))
    assert path.read_bytes()[:16] == bytes.fromhex("00000803 00000002 0000001c 0000001c")


def test_compressed_file_is_deterministic_and_named_by_content(tmp_path: Path) -> None:
    array = ARRAYS["uint8 images"]
    a = write_idx(tmp_path / "a.gz", array)
    b = write_idx(tmp_path / "b.gz", array)
    assert a.read_bytes() == b.read_bytes()
    # a gzip file without .gz in its name, and a raw one with it, are both read correctly
    plain_named = tmp_path / "c.idx"
    os.replace(a, plain_named)
    np.testing.assert_array_equal(read_idx(plain_named), array)
    raw_named_gz = write_idx(tmp_path / "d.gz", array, compress=False)
    np.testing.assert_array_equal(read_idx(raw_named_gz), array)


def test_raw_read_is_writable_and_mmap_maps_the_file(tmp_path: Path) -> None:
    array = ARRAYS["int16"]
    path = write_idx(tmp_path / "a.idx", array)
    loaded = read_idx(path)
    assert loaded.flags.writeable
    mapped = read_idx(path, mmap=True)
    assert isinstance(mapped, np.memmap)
    assert not mapped.flags.writeable
    np.testing.assert_array_equal(mapped, array)


def test_gz_read_shares_the_inflated_buffer(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "a.gz", ARRAYS["uint8 images"])
    loaded = read_idx(path)
    assert not loaded.flags.owndata and not loaded.flags.writeable  # a view, no copy


def test_mmap_of_gz_is_refused(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "a.gz", ARRAYS["int8"])
    with pytest.raises(InputError, match="gunzip"):
        read_idx(path, mmap=True)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_idx(tmp_path / "nothing.idx")


def test_multi_member_gzip(tmp_path: Path) -> None:
    array = np.arange(100, dtype=np.uint8).reshape(10, 10)
    raw = header(0x08, 10, 10) + array.tobytes()
    path = tmp_path / "multi.gz"
    path.write_bytes(gz(raw[:37]) + gz(raw[37:]) + b"\0\0\0")  # two members, zero padding
    np.testing.assert_array_equal(read_idx(path), array)


# --- broken files: each a FileFormatError naming the file and what is wrong ----------------

GOOD = header(0x08, 2, 3) + bytes(range(6))

BROKEN = {
    "bad magic": (b"\x01\x00" + GOOD[2:], "magic number"),
    "gzip magic inside": (b"\x00\x01" + GOOD[2:], "magic number"),
    "wrong dtype code": (GOOD[:2] + b"\x07" + GOOD[3:], "type code"),
    "ndim zero": (bytes([0, 0, 8, 0]) + bytes(6), "number of dimensions"),
    "ndim too many": (bytes([0, 0, 8, 200]) + bytes(800), "number of dimensions"),
    "header cut": (GOOD[:3], "at least 4 bytes"),
    "sizes cut": (GOOD[:9], "at least 12 bytes"),
    "truncated": (GOOD[:-1], "truncated"),
    "extra bytes": (GOOD + b"\x00", "extra data"),
    "zero items": (header(0x08, 0, 28, 28), "at least 1"),
    "zero rows": (header(0x08, 5, 0, 28), "at least 1"),
    "int32 payload not a multiple": (header(0x0C, 2) + bytes(7), "truncated"),
    "empty file": (b"", "at least 4 bytes"),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file(tmp_path: Path, case: str, compress: bool) -> None:
    data, fragment = BROKEN[case]
    path = tmp_path / "broken.idx"
    path.write_bytes(gz(data) if compress else data)
    with pytest.raises(FileFormatError) as info:
        read_idx(path)
    message = str(info.value)
    assert fragment in message
    assert message.startswith(str(path) + ":")
    assert "\n" not in message
    with pytest.raises(FileFormatError):
        parse_idx(path.read_bytes(), name="x")


def test_gzip_truncated_mid_stream(tmp_path: Path) -> None:
    data = gz(header(0x08, 100, 100) + np.random.default_rng(0).bytes(10000))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="truncated"):
        read_idx(path)


def test_gzip_without_trailer(tmp_path: Path) -> None:
    path = tmp_path / "notrailer.gz"
    path.write_bytes(gz(GOOD)[:-8])  # the CRC-32 and length are missing
    with pytest.raises(FileFormatError, match="gzip stream must end with a complete"):
        read_idx(path)


def test_gzip_bad_crc(tmp_path: Path) -> None:
    data = bytearray(gz(GOOD))
    data[-8] ^= 0xFF  # the CRC-32 of the trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="gzip stream must be valid gzip data"):
        read_idx(path)


def test_gzip_garbage_after_stream(tmp_path: Path) -> None:
    path = tmp_path / "tail.gz"
    path.write_bytes(gz(GOOD) + b"garbage")
    with pytest.raises(FileFormatError, match="7 bytes of other data"):
        read_idx(path)


def test_gzip_magic_then_garbage(tmp_path: Path) -> None:
    path = tmp_path / "fake.gz"
    path.write_bytes(b"\x1f\x8b" + b"not really gzip at all")
    with pytest.raises(FileFormatError, match="gzip"):
        read_idx(path)


def test_gzip_with_extra_payload(tmp_path: Path) -> None:
    path = tmp_path / "long.gz"
    path.write_bytes(gz(GOOD + b"\x00\x01"))
    with pytest.raises(FileFormatError, match="more than 6 bytes"):
        read_idx(path)


# --- allocation bombs: refused before any memory is taken ----------------------------------

TERA = header(0x08, 1_000_000, 1_000_000)  # claims 10^12 bytes


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_huge_claim_is_refused_without_allocating(tmp_path: Path, compress: bool) -> None:
    path = tmp_path / "bomb.idx"
    path.write_bytes(gz(TERA + bytes(100)) if compress else TERA + bytes(100))
    tracemalloc.start()
    try:
        with pytest.raises(FileFormatError) as info:
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # far below the claimed 10^12 bytes
    message = str(info.value)
    assert "1000000000000 bytes (1000000 x 1000000 uint8)" in message
    if compress:
        assert "at most 17179869184 bytes" in message  # MAX_BYTES
    else:
        assert "100 bytes: the file is truncated" in message


def test_claim_beyond_what_gzip_can_hold(tmp_path: Path) -> None:
    # 200 MB claimed (under MAX_BYTES) by a gzip file of ~60 bytes: more than deflate can
    # expand to, so it is refused without inflating anything.
    data = gz(header(0x08, 200, 1000, 1000) + bytes(10))
    path = tmp_path / "ratio.gz"
    path.write_bytes(data)
    limit = idx.DEFLATE_MAX_RATIO * len(data)
    with pytest.raises(FileFormatError, match=f"at most {limit} bytes, the most that"):
        read_idx(path)


def test_max_bytes_argument(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "a.idx", np.zeros(100, np.uint8))
    assert read_idx(path, max_bytes=100).shape == (100,)
    with pytest.raises(FileFormatError, match="at most 99 bytes"):
        read_idx(path, max_bytes=99)


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.binary(max_size=64))
def test_any_bytes_give_an_array_or_a_file_format_error(data: bytes) -> None:
    """Fuzz: arbitrary bytes, raw, gzipped, behind a valid IDX prefix or a gzip magic number,
    give an array or a one-line FileFormatError, never another exception."""
    blobs = [data, GOOD[:4] + data, header(0x08, 2, 3) + data]
    for blob in [*blobs, *(gz(b) for b in blobs), b"\x1f\x8b" + data]:
        try:
            array = parse_idx(blob)
        except FileFormatError as err:
            assert "\n" not in str(err)
        else:
            assert array.size >= 1 and array.ndim >= 1


# --- the writer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.zeros(3, np.int64),
        np.zeros(3, bool),
        np.zeros(3, np.complex64),
        np.zeros((0, 3), np.uint8),
        np.array(5, np.uint8),
    ],
    ids=["int64", "bool", "complex", "empty", "0-d"],
)
def test_writer_refuses_what_idx_cannot_hold(tmp_path: Path, array: np.ndarray) -> None:
    with pytest.raises(InputError, match="write_idx: array must"):
        write_idx(tmp_path / "x.idx", array)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_idx(tmp_path / "a.idx", np.arange(5, dtype=np.uint8))
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_idx(path, np.arange(9, dtype=np.uint8))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.idx"]  # no temporary file left
