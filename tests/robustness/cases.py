"""The catalogue of bad inputs: one row per thing a user can get wrong, and where it enters.

Each :class:`Case` says what the input is (``what``, shown in RESULTS.md), which entry point it
goes through (``cli``: ``handprop.cli.main``; ``process``: a real ``python -m handprop``;
``api``: the Python API; ``web``: the web app) and how to build it in an empty folder. The
runner (``test_catalogue.py``) checks every refused case the same way: exit code 2 (a 4xx status
for the web), one line that names the input and what was expected, no traceback, and no file
created or changed. ``accepted`` cases are unusual but valid inputs that must simply work.

The rows are made by a few small constructors (:func:`problem_case`, :func:`idx_case`, ...)
from plain data: file name, contents, the pieces the message must contain. ``{path}`` in an
expected piece stands for the input file's path. Inputs that need a library to make (images,
model files) are given as functions of the :class:`Kit`, built once per session.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .harness import Outcome, Run

WORKED = {
    "X": [0.5, 0.6, 0.7],
    "W": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]],
    "b": [0.1, 0.2, 0.3],
    "y": 1,
    "lr": 0.1,
}
WORKED_TOML = (
    "X = [0.5, 0.6, 0.7]\n"
    "W = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]\n"
    "b = [0.1, 0.2, 0.3]\n"
    "y = 1\n"
    "lr = 0.1\n"
)
IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
#: a valid one-item label file, for the IDX files a case does not break
IDX_PLACEHOLDER = b"\x00\x00\x08\x01\x00\x00\x00\x01\x00"


@dataclass
class Kit:
    """Inputs made once per session: a trained digits model and a digit picture.

    ``model_arrays`` are the arrays of a model file written by ``handprop.model.save_model``
    (8 x 8 images, 0..16), ``digit`` a 64 x 64 uint8 picture of a test digit, white on black,
    and ``digit_label`` the class the model gives the plain 8-bit version of it.
    """

    model_arrays: dict[str, np.ndarray]
    digit: np.ndarray
    digit_label: str

    def model_npz(self, **changes: Any) -> bytes:
        """The model file with arrays replaced (an array), removed (None) or added."""
        arrays = dict(self.model_arrays)
        for name, value in changes.items():
            if value is None:
                arrays.pop(name, None)
            else:
                arrays[name] = value
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    def meta(self, **changes: Any) -> np.ndarray:
        meta = json.loads(str(self.model_arrays["meta"][()]))
        meta.update(changes)
        return np.array(json.dumps(meta))


Content = bytes | str | Callable[[Kit, Path], bytes]


@dataclass(frozen=True)
class Case:
    id: str
    area: str
    what: str
    entry: str
    build: Callable[[Path, Kit], Run]
    accepted: bool = False


def _materialise(content: Content, kit: Kit, folder: Path) -> bytes:
    if callable(content):
        return content(kit, folder)
    return content.encode("utf-8") if isinstance(content, str) else content


def _write(folder: Path, name: str, content: Content, kit: Kit) -> Path:
    path = folder / name
    path.write_bytes(_materialise(content, kit, folder))
    return path


def _fill(expect: tuple[str, ...], **values: Any) -> tuple[str, ...]:
    return tuple(piece.format(**values) for piece in expect)


# ------------------------------------------------------------------------ constructors


def problem_case(
    id: str, what: str, name: str, content: Content, *expect: str, entry: str = "cli"
) -> Case:
    """``handprop step FILE`` on a problem file ``name`` holding ``content``."""

    def build(folder: Path, kit: Kit) -> Run:
        path = _write(folder, name, content, kit)
        if entry == "api":
            from handprop.problem import load_problem

            return Run(call=lambda: load_problem(path), expect=_fill(expect, path=path))
        return Run(argv=["step", str(path)], expect=_fill(expect, path=path))

    return Case(id, "problem file", what, entry, build)


def answers_case(id: str, what: str, name: str, content: Content, *expect: str) -> Case:
    """``handprop check FILE`` on an answer file beside a good ``p.toml``."""

    def build(folder: Path, kit: Kit) -> Run:
        _write(folder, "p.toml", WORKED_TOML, kit)
        path = _write(folder, name, content, kit)
        return Run(argv=["check", str(path)], expect=_fill(expect, path=path))

    return Case(id, "answer file", what, "cli", build)


def idx_case(
    id: str, what: str, content: Content, *expect: str, entry: str = "cli", gz: bool = False
) -> Case:
    """The images file of a local MNIST copy (``train --dataset mnist --data-dir``), or the
    same bytes given to ``read_idx`` (``entry="api"``)."""

    def build(folder: Path, kit: Kit) -> Run:
        data_dir = folder / "mnist-copy"
        data_dir.mkdir()
        suffix = ".gz" if gz else ""
        path = _write(data_dir, IDX_NAMES[0] + suffix, content, kit)
        if entry == "api":
            from handprop.data.idx import read_idx

            return Run(call=lambda: read_idx(path), expect=_fill(expect, path=path))
        for name in IDX_NAMES[1:]:
            (data_dir / name).write_bytes(IDX_PLACEHOLDER)
        argv = ["train", "--dataset", "mnist", "--data-dir", str(data_dir), "--epochs", "1"]
        return Run(argv=[*argv, "--quiet"], expect=_fill(expect, path=path))

    return Case(id, "IDX file", what, entry, build)


def image_case(
    id: str,
    what: str,
    name: str,
    content: Content,
    *expect: str,
    entry: str = "cli",
    accepted: bool = False,
) -> Case:
    """``handprop predict MODEL IMAGE`` with a good model; accepted images must give the same
    class as the plain 8-bit picture of the same digit."""

    def build(folder: Path, kit: Kit) -> Run:
        model = _write(folder, "digits.npz", kit.model_npz(), kit)
        path = _write(folder, name, content, kit)
        if accepted:

            def same_class(outcome: Outcome) -> None:
                assert json.loads(outcome.stdout)["predicted"] == kit.digit_label

            argv = ["predict", str(model), str(path), "--format", "json"]
            return Run(argv=argv, check=same_class)
        return Run(argv=["predict", str(model), str(path)], expect=_fill(expect, path=path))

    return Case(id, "image", what, entry, build, accepted)


def model_case(id: str, what: str, content: Content, *expect: str, entry: str = "cli") -> Case:
    """``handprop evaluate MODEL --dataset digits`` (or ``load_model`` for ``api``)."""

    def build(folder: Path, kit: Kit) -> Run:
        path = _write(folder, "model.npz", content, kit)
        if entry == "api":
            from handprop.model import load_model

            return Run(call=lambda: load_model(path), expect=_fill(expect, path=path))
        argv = ["evaluate", str(path), "--dataset", "digits"]
        return Run(argv=argv, expect=_fill(expect, path=path))

    return Case(id, "model file", what, entry, build)


def checkpoint_case(id: str, what: str, content: Content, *expect: str) -> Case:
    """``handprop train --resume --checkpoint FILE`` on a damaged checkpoint."""

    def build(folder: Path, kit: Kit) -> Run:
        path = _write(folder, "ck.npz", content, kit)
        argv = ["train", "--dataset", "digits", "--epochs", "2", "--quiet"]
        return Run(
            argv=[*argv, "--resume", "--checkpoint", str(path)], expect=_fill(expect, path=path)
        )

    return Case(id, "checkpoint", what, "cli", build)


def state_case(id: str, what: str, content: Content | None, *expect: str, call: Any = None) -> Case:
    """``TrainState.load(FILE)`` (or ``call(FILE)``) on a file holding ``content`` (None: no
    file at all)."""

    def build(folder: Path, kit: Kit) -> Run:
        path = folder / "ck.npz" if content is None else _write(folder, "ck.npz", content, kit)
        from handprop.train import TrainState

        go = call or TrainState.load
        return Run(call=lambda: go(path), expect=_fill(expect, path=path))

    return Case(id, "checkpoint", what, "api", build)


def arg_case(
    id: str,
    what: str,
    argv: list[str],
    *expect: str,
    entry: str = "cli",
    prefix: str = "Error: ",
    files: Mapping[str, Content] | None = None,
    area: str = "CLI argument",
) -> Case:
    """A command line; ``{dir}`` in argv and expect is the case's folder; ``files`` are written
    there first."""

    def build(folder: Path, kit: Kit) -> Run:
        for name, content in (files or {}).items():
            _write(folder, name, content, kit)
        args = [a.format(dir=folder) for a in argv]
        return Run(argv=args, expect=_fill(expect, dir=folder), prefix=prefix)

    return Case(id, area, what, entry, build)


def hidden_package_case(id: str, what: str, package: str, argv: list[str], *expect: str) -> Case:
    """A real ``python -m handprop argv`` that cannot import ``package``: a module of that name
    which raises ImportError, in a folder beside the case's, comes first on its path."""

    def build(folder: Path, kit: Kit) -> Run:
        _write(folder, "digits.npz", lambda kit, f: kit.model_npz(), kit)
        blocker = folder.parent / f"without-{package}"
        blocker.mkdir(exist_ok=True)
        (blocker / f"{package}.py").write_text(f"raise ImportError('{package} is hidden')\n")
        args = [a.format(dir=folder) for a in argv]
        return Run(argv=args, expect=_fill(expect, dir=folder), path_first=(str(blocker),))

    return Case(id, "export", what, "process", build)


def fifo_case(id: str, area: str, what: str, argv: list[str] | None = None) -> Case:
    """A named pipe ``{dir}/pipe`` given where a file is expected (reading it would block until
    another program writes to it): ``argv`` on the command line, else ``read_idx`` on it."""

    def build(folder: Path, kit: Kit) -> Run:
        pipe = folder / "pipe"
        os.mkfifo(pipe)
        expect = (str(pipe), "not a regular file")
        if argv is None:
            from handprop.data.idx import read_idx

            return Run(call=lambda: read_idx(pipe), expect=expect)
        return Run(argv=[a.format(dir=folder) for a in argv], expect=expect)

    return Case(id, area, what, "api" if argv is None else "cli", build)


def api_case(id: str, area: str, what: str, call: Callable[[Path, Kit], Any], *expect: str) -> Case:
    def build(folder: Path, kit: Kit) -> Run:
        return Run(call=lambda: call(folder, kit), expect=_fill(expect, path=folder))

    return Case(id, area, what, "api", build)


def web_case(id: str, what: str, status: int, *expect: str, **request: Any) -> Case:
    """One request to the web app; ``json=`` bodies are sent as given."""

    def build(folder: Path, kit: Kit) -> Run:
        req = dict(request)
        if callable(req.get("content")):
            req["content"] = req["content"]()
        return Run(request=req, status=status, expect=expect)

    return Case(id, "web request", what, "web", build)


# ------------------------------------------------------------------------ input makers


def problem_json(**changes: Any) -> str:
    return json.dumps({**WORKED, **changes})


def idx(code: int, dims: tuple[int, ...], payload: bytes | int = b"") -> bytes:
    """An IDX file: magic 00 00, type ``code``, the sizes, then ``payload`` (or that many 0s)."""
    data = bytes(payload) if isinstance(payload, int) else payload
    return struct.pack(f">BBBB{len(dims)}I", 0, 0, code, len(dims), *dims) + data


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width x height`` 8-bit grey pixels, with 100 bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


def _image(save: Callable[[Any, io.BytesIO], None]) -> Callable[[Kit, Path], bytes]:
    def make(kit: Kit, folder: Path) -> bytes:
        from PIL import Image

        buf = io.BytesIO()
        save(Image.fromarray(kit.digit), buf)
        return buf.getvalue()

    return make


def _png_truncated(kit: Kit, folder: Path) -> bytes:
    return _image(lambda im, buf: im.save(buf, "PNG"))(kit, folder)[:70]


def _cmyk(im: Any, buf: io.BytesIO) -> None:
    im.convert("CMYK").save(buf, "TIFF")


def _sixteen_bit(im: Any, buf: io.BytesIO) -> None:
    from PIL import Image

    Image.fromarray(np.asarray(im, dtype=np.uint16) * 257).save(buf, "PNG")


def _animated(im: Any, buf: io.BytesIO) -> None:
    from PIL import Image

    other = Image.fromarray(255 - np.asarray(im))  # a second frame that is not the digit
    im.save(buf, "GIF", save_all=True, append_images=[other], duration=100, loop=0)


class TouchOnUnpickle:
    """Unpickling this creates ``marker``: proof that a loader executed code from a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (Path(self.marker),))


def pickle_npz(kit: Kit, folder: Path) -> bytes:
    """A model file whose ``W`` is an object array: unpickling it touches ``folder/PWNED``."""
    evil = np.empty(1, dtype=object)
    evil[0] = TouchOnUnpickle(folder / "PWNED")
    return kit.model_npz(W=evil)


def _half(kit: Kit, folder: Path) -> bytes:
    data = kit.model_npz()
    return data[: len(data) // 2]


def _pipeline_with_a_custom_step(folder: Path, kit: Kit) -> Any:
    """handprop.onnx.to_onnx of a Pipeline whose first step has no skl2onnx converter."""
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.pipeline import Pipeline

    import handprop.onnx
    from handprop.model import SoftmaxRegression

    class Clip(TransformerMixin, BaseEstimator):
        def fit(self, X: Any, y: Any = None) -> Any:
            return self

        def transform(self, X: Any) -> Any:
            return np.clip(X, 0, 8)

    X = np.random.default_rng(0).integers(0, 16, size=(40, 4)).astype(np.float32)
    y = np.arange(40) % 2
    pipe = Pipeline([("clip", Clip()), ("softmax", SoftmaxRegression(epochs=1, random_state=0))])
    return handprop.onnx.to_onnx(pipe.fit(X, y), X)


def _fit_with_bad_lr(folder: Path, kit: Kit) -> Any:
    from handprop.model import SoftmaxRegression

    return SoftmaxRegression(lr=-1).fit(np.zeros((4, 2)), np.array([0, 1, 0, 1]))


def _config(**values: Any) -> Callable[[Path, Kit], Any]:
    def call(folder: Path, kit: Kit) -> Any:
        from handprop.train import SGDConfig

        return SGDConfig(**values)

    return call


def _state_file(version: int) -> Callable[[Kit, Path], bytes]:
    """A checkpoint as TrainState.save writes it, with another format version."""

    def content(kit: Kit, folder: Path) -> bytes:
        from handprop.train import TrainState

        path = folder / "made.npz"
        TrainState.initial(np.zeros((2, 3)), np.zeros(2), rng=0).save(path)
        with np.load(path) as npz:
            arrays = dict(npz)
        path.unlink()
        meta = json.loads(str(arrays["meta"]))
        arrays["meta"] = np.array(json.dumps({**meta, "version": version}))
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    return content


def _other_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 3)), np.arange(40) % 2


def _checkpoint_of_40_rows(kit: Kit, folder: Path) -> bytes:
    from handprop.train import SGDConfig, TrainState, fit_sgd

    X, y = _other_data()
    path = folder / "made.npz"
    state = TrainState.initial(np.zeros((2, 3)), np.zeros(2), rng=0)
    fit_sgd(X, y, SGDConfig(epochs=1), state, checkpoint=path)
    data = path.read_bytes()
    path.unlink()
    return data


def _resume_on_30_rows(path: Path) -> Any:
    from handprop.train import SGDConfig, TrainState, fit_sgd

    X, y = _other_data()
    return fit_sgd(X[:30], y[:30], SGDConfig(epochs=2), TrainState.load(path))


def _deep(open_: str, close: str, depth: int) -> str:
    return open_ * depth + close * depth


# ------------------------------------------------------------------------ the catalogue

P = "{path}"
JSON = {"content-type": "application/json"}
TRAIN = ["train", "--dataset", "digits"]
MODEL = {"digits.npz": lambda kit, folder: kit.model_npz()}
LAB = ["--dataset", "digits", "--epochs", "1"]
NOTES = {"notes.txt": "not a folder"}
SEED = ("--seed", "must be an integer >= 0", "-1")

# fmt: off
CASES: list[Case] = [
    # --- problem files: handprop step FILE ----------------------------------------------------
    problem_case("problem-wrong-shape", "b has 2 numbers for 3 classes",
                 "p.json", problem_json(b=[0.1, 0.2]), P, "b must have 3 numbers, one for each row "
                 "of W"),
    problem_case("problem-ragged-rows", "the second row of W is one number short",
                 "p.json", problem_json(W=[[0.1, 0.2, 0.3], [0.4, 0.5], [0.7, 0.8, 0.9]]),
                 P, "W[1]", "3 numbers"),
    problem_case("problem-string", "a word among the numbers of X",
                 "p.json", problem_json(X=[0.5, "abc", 0.7]), P, "X[1] must be a number", "'abc'"),
    problem_case("problem-string-lr", "lr written as a string",
                 "p.json", problem_json(lr="0.1"), P, "lr must be a number"),
    problem_case("problem-nan", "NaN in X (JSON)",
                 "p.json", problem_json(X=[0.5, float("nan"), 0.7]),
                 P, "X must contain only finite numbers", "nan"),
    problem_case("problem-inf", "inf in W (TOML)",
                 "p.toml", WORKED_TOML.replace("0.9]]", "inf]]"),
                 P, "W must contain only finite numbers", "inf"),
    problem_case("problem-huge-float", "1e308 in X (the step would overflow)",
                 "p.json", problem_json(X=[1e308, 0.6, 0.7]),
                 P, "X[0] must be a number between", "1e+308"),
    problem_case("problem-huge-int", "an integer of 400 digits in W",
                 "p.toml", WORKED_TOML.replace("[[0.1,", "[[1" + "0" * 400 + ","),
                 P, "W[0][0] must be a number between"),
    problem_case("problem-huge-one-hot", "y as a one-hot list holding a 400-digit integer",
                 "p.json", problem_json(y=[0, 10**400, 0]), P, "y must be a class index"),
    problem_case("problem-empty", "an empty file", "p.toml", b"", P, "the key X is missing"),
    problem_case("problem-binary", "binary garbage",
                 "p.toml", bytes(range(256)) * 8, P, "UTF-8", "0x80", entry="process"),
    problem_case("problem-latin1", "Latin-1 text (not UTF-8)",
                 "p.toml", ("# café\n" + WORKED_TOML).encode("latin-1"),
                 P, "must be UTF-8", "0xe9"),
    problem_case("problem-utf16", "UTF-16 text",
                 "p.json", problem_json().encode("utf-16"), P, "UTF-8"),
    problem_case("problem-duplicate-key-json", "the key X given twice (JSON)",
                 "p.json", '{"X": [1, 2, 3], ' + problem_json()[1:],
                 P, "valid JSON", "'X' is given twice"),
    problem_case("problem-duplicate-key-toml", "the key lr given twice (TOML)",
                 "p.toml", WORKED_TOML + "lr = 0.2\n", P, "valid TOML"),
    problem_case("problem-deep-json", "100,000 nested brackets (JSON)",
                 "p.json", '{"X": ' + _deep("[", "]", 100_000) + "}", P, "nested too deeply"),
    problem_case("problem-deep-toml", "100,000 nested brackets (TOML)",
                 "p.toml", "X = " + _deep("[", "]", 100_000) + "\n", P, "nested too deeply"),
    problem_case("problem-nested-value", "X[0] holds 900 levels of lists",
                 "p.json", problem_json().replace("[0.5", "[" + _deep("[", "]", 900) + ", 0.5"),
                 P, "X[0] must be a number"),
    problem_case("problem-not-table", "a JSON list instead of a table",
                 "p.json", "[1, 2, 3]", P, "one table"),
    problem_case("problem-unknown-key", "a misspelt key (Lr)",
                 "p.toml", WORKED_TOML + "Lr = 0.1\n", P, "Lr is not a known key"),
    problem_case("problem-too-wide", "W of 2 x 1001 (more than a person can read)",
                 "p.json", problem_json(W=[[0.0] * 1001] * 2, X=[0.0] * 1001, b=[0, 0]),
                 P, "W must have at most"),
    problem_case("problem-lr-zero", "lr = 0",
                 "p.json", problem_json(lr=0), P, "lr must be a finite number > 0"),
    problem_case("problem-y-range", "y = 7 with 3 classes",
                 "p.json", problem_json(y=7), P, "y must be a class index"),
    problem_case("problem-api-huge", "the API: load_problem with -1e300 in b",
                 "p.json", problem_json(b=[0.1, -1e300, 0.3]),
                 P, "b[1] must be a number between", entry="api"),
    arg_case("problem-device", "/dev/zero as the problem file (would be read forever)",
             ["step", "/dev/zero"], "/dev/zero", "not a regular file", area="problem file"),
    fifo_case("problem-fifo", "problem file", "a named pipe as the problem file (would block)",
              ["step", "{dir}/pipe"]),
    arg_case("problem-folder", "a folder as the problem file",
             ["step", "{dir}"], "{dir}", "Is a directory", area="problem file"),
    arg_case("problem-missing", "a problem file that does not exist",
             ["step", "{dir}/nope.toml"], "{dir}/nope.toml", "No such file", area="problem file"),
    # --- answer files: handprop check FILE ----------------------------------------------------
    answers_case("answers-wrong-shape", "Z with 2 numbers for 3 classes",
                 "a.toml", 'problem = "p.toml"\nZ = [0.48, 1.12]\n', P, "Z must have shape (3,)"),
    answers_case("answers-ragged", "a short row in dW",
                 "a.toml", 'problem = "p.toml"\ndW = [[1, 2, 3], [1, 2], [1, 2, 3]]\n',
                 P, "dW[1] must have shape (3,)"),
    answers_case("answers-string", 'loss = "abc"',
                 "a.toml", 'problem = "p.toml"\nloss = "abc"\n', P, "loss must be a number"),
    answers_case("answers-nan", "nan in Z",
                 "a.toml", 'problem = "p.toml"\nZ = [nan, 1, 2]\n',
                 P, "Z[0] must contain only finite numbers"),
    answers_case("answers-huge-int", "a loss of 400 digits",
                 "a.toml", 'problem = "p.toml"\nloss = ' + "9" * 400 + "\n",
                 P, "loss must be a number between"),
    answers_case("answers-device", 'problem = "/dev/zero"',
                 "a.toml", 'problem = "/dev/zero"\n', "/dev/zero", "not a regular file"),
    answers_case("answers-decimals", "decimals = 99",
                 "a.toml", 'problem = "p.toml"\ndecimals = 99\n', P, "decimals must be an integer"),
    answers_case("answers-no-problem", "an empty answer file",
                 "a.toml", b"", P, "the problem is missing"),
    answers_case("answers-duplicate-key", "Z given twice (JSON)",
                 "a.json", '{"problem": "p.toml", "Z": [1, 2, 3], "Z": [1, 2, 3]}',
                 P, "'Z' is given twice"),
    answers_case("answers-binary", "binary garbage",
                 "a.toml", b"\xff\xfe" + bytes(range(256)), P, "UTF-8"),
    # --- class sets: handprop exercise class ROSTER, handprop check DIR -------------------------
    arg_case("class-empty-roster", "an empty roster",
             ["exercise", "class", "{dir}/r.csv", "--out", "{dir}/c"], "{dir}/r.csv",
             "no students", files={"r.csv": b""}, area="class set"),
    arg_case("class-no-id", "a roster without an id column",
             ["exercise", "class", "{dir}/r.csv", "--out", "{dir}/c"], "{dir}/r.csv",
             "id column", files={"r.csv": "name\nAda\n"}, area="class set"),
    arg_case("class-duplicate-id", "the same id twice (case aside)",
             ["exercise", "class", "{dir}/r.csv", "--out", "{dir}/c"], "row 3", "already on row 2",
             files={"r.csv": "id\ns1\nS1\n"}, area="class set"),
    arg_case("class-id-path", "an id with / and ..",
             ["exercise", "class", "{dir}/r.csv", "--out", "{dir}/c"], "row 2", "../x",
             files={"r.csv": "id\n../x\n"}, area="class set"),
    arg_case("class-encoding", "a roster in UTF-16 (neither UTF-8 nor GB18030)",
             ["exercise", "class", "{dir}/r.csv", "--out", "{dir}/c"], "{dir}/r.csv",
             "UTF-8", "GB18030", files={"r.csv": "id\ns1\n".encode("utf-16")}, area="class set"),
    arg_case("class-not-a-class-set", "check on a folder without class.toml",
             ["check", "{dir}"], "{dir}", "class.toml", area="class set"),
    # --- IDX files: the images file of a local MNIST copy; read_idx ------------------------------
    idx_case("idx-bad-magic", "magic 01 02 instead of 00 00",
             b"\x01\x02" + idx(8, (2, 28, 28), 1568)[2:], P, "magic number", entry="process"),
    idx_case("idx-dtype-code", "type code 0x07 (no such IDX type)",
             idx(7, (2, 28, 28), 1568), P, "type code", "0x07"),
    idx_case("idx-truncated", "header says 2 x 28 x 28, 100 bytes follow",
             idx(8, (2, 28, 28), 100), P, "1568 bytes", "truncated"),
    idx_case("idx-size-mismatch", "784 bytes more than the header says",
             idx(8, (2, 28, 28), 3 * 784), P, "extra data"),
    idx_case("idx-zero-items", "0 x 28 x 28 images", idx(8, (0, 28, 28)), P, "at least 1"),
    idx_case("idx-empty", "an empty file", b"", P, "at least 4 bytes"),
    idx_case("idx-short-header", "the header cut after 6 bytes",
             idx(8, (2, 28, 28))[:6], P, "at least 16 bytes"),
    idx_case("idx-ndim", "255 dimensions", b"\x00\x00\x08\xff" + bytes(64),
             P, "number of dimensions"),
    idx_case("idx-bad-gzip", "gzip magic, then garbage",
             b"\x1f\x8b" + bytes(range(200)), P, "gzip", gz=True),
    idx_case("idx-gzip-claim", "a gzip file whose header claims 10^12 bytes",
             gzip.compress(idx(8, (1_000_000, 1000, 1000), 1000)), P, "at most", gz=True),
    idx_case("idx-wrong-shape", "valid IDX, but 2 x 27 x 29 where MNIST has 60000 x 28 x 28",
             idx(8, (2, 27, 29), 2 * 27 * 29), P, "shape (60000, 28, 28)"),
    idx_case("idx-api-huge-claim", "the API: read_idx of 22 bytes claiming (2^32-1)^3 items",
             idx(8, (2**32 - 1,) * 3, 10), P, "truncated", entry="api"),
    idx_case("idx-api-short-floats", "the API: read_idx, 3 float32 in 8 bytes",
             idx(0x0D, (3,), 8), P, "12 bytes", entry="api"),
    fifo_case("idx-api-fifo", "IDX file", "the API: read_idx of a named pipe (would block)"),
    # --- images: handprop predict MODEL IMAGE -------------------------------------------------
    image_case("image-not-image", "a text file named .png",
               "d.png", "hello", P, "cannot read this image"),
    image_case("image-empty", "an empty .png", "d.png", b"", P, "cannot read this image"),
    image_case("image-huge", "a PNG header claiming 50,000 x 50,000",
               "d.png", png_header(50_000, 50_000), P, "at most 10000 pixels", entry="process"),
    image_case("image-too-wide", "a PNG header claiming 20,000 x 10",
               "d.png", png_header(20_000, 10), P, "20000 x 10"),
    image_case("image-truncated", "a PNG cut after 70 bytes",
               "d.png", _png_truncated, P, "cannot read this image"),
    image_case("image-blank", "one flat colour",
               "d.png", _image(lambda im, buf: im.point(lambda v: 0).save(buf, "PNG")),
               P, "no digit found"),
    arg_case("image-missing", "an image that does not exist",
             ["predict", "{dir}/digits.npz", "{dir}/nope.png"], "{dir}/nope.png", "existing file",
             files=MODEL, area="image"),
    image_case("image-cmyk", "a CMYK TIFF", "d.tif", _image(_cmyk), accepted=True),
    image_case("image-16bit", "a 16-bit greyscale PNG", "d.png", _image(_sixteen_bit),
               accepted=True),
    image_case("image-animated", "an animated GIF (its first frame is the digit)",
               "d.gif", _image(_animated), accepted=True),
    # --- model files: handprop evaluate MODEL --dataset digits --------------------------------
    model_case("model-pickle", "an object array (a pickle) as W",
               pickle_npz, P, "pickled object", entry="process"),
    model_case("model-missing-array", "no W array",
               lambda kit, f: kit.model_npz(W=None), P, "'W' is missing"),
    model_case("model-wrong-shape", "b of 3 numbers for 10 classes",
               lambda kit, f: kit.model_npz(b=np.zeros(3, np.float32)), P, "'b' should be (10,)"),
    model_case("model-wrong-version", "format version 99",
               lambda kit, f: kit.model_npz(meta=kit.meta(format_version=99)),
               P, "format version 99"),
    model_case("model-truncated", "the first half of a model file",
               _half, P, "not an .npz (zip) archive"),
    model_case("model-nan", "NaN weights",
               lambda kit, f: kit.model_npz(W=np.full_like(kit.model_arrays["W"], np.nan)),
               P, "NaN"),
    model_case("model-meta-json", "metadata that is not JSON",
               lambda kit, f: kit.model_npz(meta=np.array("{not json")), P, "metadata"),
    model_case("model-text", "the API: load_model of a text file",
               "hello", P, "not an .npz (zip) archive", entry="api"),
    arg_case("model-other-dataset", "a 64-feature model evaluated on iris (4 features)",
             ["evaluate", "{dir}/digits.npz", "--dataset", "iris"], "{dir}/digits.npz", "iris",
             files=MODEL, area="model file"),
    checkpoint_case("checkpoint-pickle", "--resume from a file holding a pickle",
                    pickle_npz, P, "checkpoint"),
    checkpoint_case("checkpoint-truncated", "--resume from half a file", _half, P, "checkpoint"),
    checkpoint_case("checkpoint-model", "--resume from a model file instead",
                    lambda kit, f: kit.model_npz(), P, "checkpoint"),
    # --- command-line arguments ---------------------------------------------------------------
    arg_case("args-lr-negative", "--lr -1", [*TRAIN, "--lr", "-1"], "--lr", "> 0", "-1"),
    arg_case("args-lr-zero", "--lr 0", [*TRAIN, "--lr", "0"], "--lr", "> 0"),
    arg_case("args-lr-nan", "--lr nan", [*TRAIN, "--lr", "nan"], "--lr", "finite", "nan"),
    arg_case("args-lr-inf", "--lr inf", [*TRAIN, "--lr", "inf"], "--lr", "finite", "inf"),
    arg_case("args-lr-text", "--lr abc (click's own check)", [*TRAIN, "--lr", "abc"],
             "'--lr'", "'abc' is not a valid float", entry="process"),
    arg_case("args-lr-text-zh", "--lr abc with --lang zh", [*TRAIN, "--lang", "zh", "--lr", "abc"],
             "'--lr'", "abc", prefix="错误："),
    arg_case("args-batch-zero", "--batch-size 0", [*TRAIN, "--batch-size", "0"],
             "--batch-size", ">= 1"),
    arg_case("args-device-missing", "--device cuda on a machine without CUDA (or cuda:99)",
             [*TRAIN, "--device", "cuda:99"], "device must name a PyTorch device", "cuda:99"),
    arg_case("args-device-unknown", "--device tpu9", [*TRAIN, "--device", "tpu9"],
             "device must name a PyTorch device", "tpu9"),
    arg_case("args-device-engine", "--device cpu with --engine native",
             [*TRAIN, "--engine", "native", "--device", "cpu"],
             "--device must come with --engine torch", "--engine native"),
    arg_case("args-engine", "--engine fast", [*TRAIN, "--engine", "fast"], "'--engine'", "fast"),
    arg_case("args-jobs-zero", "--jobs 0", [*TRAIN, "--jobs", "0"],
             "--jobs must be an integer from 1 to 64", "0"),
    arg_case("args-jobs-negative", "--jobs -2", [*TRAIN, "--jobs", "-2"],
             "--jobs must be an integer from 1 to 64", "-2"),
    arg_case("args-epochs-negative", "--epochs -1", [*TRAIN, "--epochs", "-1"], "--epochs", ">= 1"),
    arg_case("args-epochs-float", "--epochs 1.5", [*TRAIN, "--epochs", "1.5"],
             "'--epochs'", "not a valid integer"),
    arg_case("args-momentum", "--momentum -0.5", [*TRAIN, "--momentum", "-0.5"],
             "--momentum", ">= 0"),
    arg_case("args-validation", "--validation 1.5", [*TRAIN, "--validation", "1.5"],
             "--validation", "(0, 1)"),
    arg_case("args-seed", "--seed -1", [*TRAIN, "--seed", "-1"], "--seed", ">= 0"),
    arg_case("args-init", "--init bogus", [*TRAIN, "--init", "bogus"],
             "init must be one of", "'bogus'"),
    arg_case("args-normalize", "--normalize bogus", [*TRAIN, "--normalize", "bogus"],
             "'--normalize'", "'bogus'"),
    arg_case("args-dataset", "--dataset mnits (a typo)", ["train", "--dataset", "mnits"],
             "dataset must be one of", "'mnits'"),
    arg_case("args-dataset-missing", "train without --dataset", ["train"],
             "Missing option '--dataset'"),
    arg_case("args-save-no-folder", "--save into a folder that does not exist",
             [*TRAIN, "--save", "{dir}/missing/m.npz"], "--save", "{dir}/missing/m.npz"),
    arg_case("args-save-under-file", "--save under a file, as if it were a folder",
             [*TRAIN, "--save", "{dir}/notes.txt/m.npz"], "--save", "writable folder",
             files={"notes.txt": "not a folder"}),
    arg_case("args-save-folder", "--save naming a folder",
             [*TRAIN, "--save", "{dir}"], "--save", "{dir}"),
    arg_case("args-checkpoint-folder", "--checkpoint in a missing folder",
             [*TRAIN, "--checkpoint", "{dir}/no/ck.npz"], "--checkpoint", "writable folder"),
    arg_case("args-resume-alone", "--resume without --checkpoint",
             [*TRAIN, "--resume"], "--resume"),
    arg_case("args-exercise-output", "exercise new -o into a missing folder",
             ["exercise", "new", "-o", "{dir}/no/ex.toml", "--seed", "1"],
             "{dir}/no/ex.toml", "cannot write"),
    arg_case("args-steps", "step --steps 0", ["step", "{dir}/p.toml", "--steps", "0"],
             "'--steps'", "range", files={"p.toml": WORKED_TOML}),
    arg_case("args-lang", "--lang fr", ["demo", "--lang", "fr"], "'--lang'", "'fr'"),
    arg_case("args-command", "an unknown command (trian)", ["trian"], "No such command 'trian'"),
    arg_case("args-missing-argument", "step without a file", ["step"], "Missing argument"),
    api_case("args-api-lr", "CLI argument", "the API: SoftmaxRegression(lr=-1).fit(X, y)",
             _fit_with_bad_lr, "lr must be a finite number > 0"),
    # --- the trainer's own inputs: SGDConfig and TrainState.load --------------------------------
    api_case("config-lr", "training settings", "SGDConfig(lr=-1)", _config(lr=-1),
             "SGDConfig: lr must be a finite number > 0", "-1"),
    api_case("config-batch", "training settings", "SGDConfig(batch_size=2.5)",
             _config(batch_size=2.5), "batch_size must be an integer >= 1", "2.5"),
    api_case("config-average", "training settings", "SGDConfig(average=-0.5)",
             _config(average=-0.5), "average must be a finite number >= 0"),
    api_case("config-schedule", "training settings", "SGDConfig(lr_schedule='step')",
             _config(lr_schedule="step"), "lr_schedule must be one of constant, linear, cosine"),
    api_case("config-dtype", "training settings", "SGDConfig(dtype='float16')",
             _config(dtype="float16"), "dtype must be one of float32, float64"),
    state_case("state-missing", "TrainState.load of a file that does not exist", None,
               P, "must be an existing file"),
    state_case("state-version", "TrainState.load of a version-3 checkpoint", _state_file(3),
               P, "its version 3 is not supported"),
    state_case("state-text", "TrainState.load of a text file", "not a checkpoint",
               P, "not a usable handprop checkpoint"),
    state_case("state-other-data", "a checkpoint of 40 rows continued on 30 rows",
               _checkpoint_of_40_rows, P, "was written with n_samples = 40; this run has 30",
               call=_resume_on_30_rows),
    # --- handprop lab: refused before any data is loaded or file written ----------------------
    arg_case("lab-seed-overflow", "lab overflow --seed -1",
             ["lab", "overflow", *LAB, "--seed", "-1"], "lab overflow", *SEED),
    arg_case("lab-seed-normalize", "lab normalize --seed -1",
             ["lab", "normalize", *LAB, "--seed", "-1"], "lab normalize", *SEED),
    arg_case("lab-seed-init", "lab init --seed -1",
             ["lab", "init", *LAB, "--seed", "-1"], "lab init", *SEED),
    arg_case("lab-seed-symmetry", "lab symmetry --seed -1 (--lang zh)",
             ["lab", "symmetry", *LAB, "--seed", "-1", "--lang", "zh"],
             "lab symmetry", "--seed", "不小于 0 的整数", "-1", prefix="错误："),
    arg_case("lab-seed-all", "lab all --seed -1 --out DIR (the folder is not made)",
             ["lab", "all", *LAB, "--seed", "-1", "--out", "{dir}/report"], "lab all", *SEED),
    arg_case("lab-epochs-zero", "lab overflow --epochs 0",
             ["lab", "overflow", "--epochs", "0"], "'--epochs'", "1<=x"),
    arg_case("lab-dataset", "lab normalize --dataset unknown",
             ["lab", "normalize", "--dataset", "unknown"], "dataset must be one of", "'unknown'"),
    arg_case("lab-dataset-all", "lab all --dataset unknown --out DIR (the folder is not made)",
             ["lab", "all", "--dataset", "unknown", "--out", "{dir}/report"],
             "dataset must be one of", "'unknown'"),
    arg_case("lab-lr-nan", "lab init --lr nan", ["lab", "init", *LAB, "--lr", "nan"],
             "--lr", "finite number > 0", "nan"),
    arg_case("lab-target-nan", "lab normalize --target nan",
             ["lab", "normalize", *LAB, "--target", "nan"], "--target", "(0, 1]", "nan"),
    arg_case("lab-out-under-file", "lab all --out under a file, as if it were a folder",
             ["lab", "all", *LAB, "--out", "{dir}/notes.txt/report"],
             "--out", "writable", "{dir}/notes.txt/report", files=NOTES),
    arg_case("lab-plots-under-file", "lab symmetry --plots under a file",
             ["lab", "symmetry", *LAB, "--plots", "{dir}/notes.txt/plots"],
             "--plots", "writable", "{dir}/notes.txt/plots", files=NOTES),
    # --- web requests: the app through Starlette's TestClient --------------------------------
    web_case("web-body-too-big", "a 2 MiB body (with Content-Length)", 413,
             "at most 1048576 bytes", method="POST", url="/api/step",
             content=b" " * (2 << 20), headers=JSON),
    web_case("web-body-chunked", "2.5 MiB sent in chunks, no Content-Length", 413,
             "at most 1048576 bytes", method="POST", url="/api/step",
             content=lambda: (b" " * 65536 for _ in range(40)), headers=JSON),
    web_case("web-matrix-too-big", "W of 11 x 3 on the step page (limit 10 x 10)", 422,
             "W must have", "11 x 3", method="POST", url="/api/step",
             json={"problem": {**WORKED, "W": [[0.1, 0.2, 0.3]] * 11, "b": [0.0] * 11}}),
    web_case("web-wrong-type", "X given as a table", 422, "X must be a non-empty list",
             method="POST", url="/api/step", json={"problem": {**WORKED, "X": {"a": 1}}}),
    web_case("web-word-in-matrix", "a word in X", 422, "X[0] must be a number", "'abc'",
             method="POST", url="/api/step", json={"problem": {**WORKED, "X": ["abc", 1, 2]}}),
    web_case("web-decimals-type", 'decimals = "many"', 422, "decimals must be in",
             method="POST", url="/api/step", json={"problem": WORKED, "decimals": "many"}),
    web_case("web-not-json", "a form post instead of JSON", 415, "must be JSON",
             method="POST", url="/api/step", data={"a": "b"}),
    web_case("web-bad-json", "a JSON body cut short", 400, "not valid JSON",
             method="POST", url="/api/step", content=b'{"problem": ', headers=JSON),
    web_case("web-deep-json", "100,000 nested brackets", 400, "not valid JSON",
             method="POST", url="/api/step", content=_deep("[", "]", 100_000).encode(),
             headers=JSON),
    web_case("web-upload-too-big", "a 400 kB problem file uploaded", 422, "at most 262144 bytes",
             method="POST", url="/api/problem/parse",
             json={"filename": "p.toml", "text": "a=1\n" * 100_000}),
    web_case("web-upload-huge-number", "an uploaded problem with 1e308 in X", 422,
             "p.json", "X[0] must be a number between", method="POST", url="/api/problem/parse",
             json={"filename": "p.json", "text": problem_json(X=[1e308, 0.6, 0.7])}),
    web_case("web-classes", "10^9 classes for a random problem", 422, "classes must be in",
             method="POST", url="/api/random", json={"classes": 10**9, "features": 3}),
    web_case("web-train-epochs", "epochs = -1 for a training run", 422, "epochs must be in",
             method="POST", url="/api/train/start",
             json={"settings": {"dataset": "digits", "epochs": -1}}),
    web_case("web-body-array", "a JSON array as the body of a step request", 422,
             "/api/step", "request body must be a JSON object", "problem", "an array",
             method="POST", url="/api/step", json=[WORKED]),
    web_case("web-body-null", "null as the body of a new exercise", 422,
             "/api/exercise/new", "request body must be a JSON object", "got null",
             method="POST", url="/api/exercise/new", content=b"null", headers=JSON),
    web_case("web-body-unknown-field", "an unknown field beside the problem", 422,
             "/api/problem/toml", "probelm is not a known key", "problem",
             method="POST", url="/api/problem/toml", json={"probelm": WORKED}),
    web_case("web-problem-list", "problem given as a list", 422,
             "problem must be an object", "X, W, b, y, lr", "an array",
             method="POST", url="/api/step", json={"problem": [WORKED]}),
    web_case("web-upload-text-number", "an uploaded file's text given as a number", 422,
             "text must be the file's contents as a string", "a number",
             method="POST", url="/api/problem/parse", json={"filename": "p.toml", "text": 5}),
    web_case("web-lang-number", "lang given as a number", 422, 'lang must be "en" or "zh"',
             method="POST", url="/api/random", json={"lang": 5}),
    web_case("web-check-answers-list", "exercise answers as a list (was: all blank, all right)",
             422, "answers must be an object", "Z, exp_Z", "an array",
             method="POST", url="/api/exercise/check", json={"problem": WORKED, "answers": []}),
    web_case("web-check-answers-string", "exercise answers as a string", 422,
             "answers must be an object", "a string",
             method="POST", url="/api/exercise/check",
             json={"problem": WORKED, "answers": "Z=1"}),
    web_case("web-train-settings-string", "training settings as a string (was: ran defaults)",
             422, "settings must be an object", "dataset, init", "a string",
             method="POST", url="/api/train/start", json={"settings": "digits"}),
    web_case("web-train-settings-list", "training settings as a list", 422,
             "settings must be an object", "an array",
             method="POST", url="/api/train/start", json={"settings": [["epochs", 2]]}),
    web_case("web-train-body-string", "a string as the body of a training start", 422,
             "/api/train/start", "request body must be a JSON object", "settings", "a string",
             method="POST", url="/api/train/start", json="go"),
    web_case("web-train-unknown-setting", "an unknown training setting (bogus)", 422,
             "bogus is not a known key", "epochs",
             method="POST", url="/api/train/start", json={"settings": {"bogus": 1}}),
    web_case("web-train-unknown-field", "an unknown field instead of settings (bogus)", 422,
             "bogus is not a known key", "settings",
             method="POST", url="/api/train/start", json={"bogus": 1}),
    # --- handprop export MODEL --format onnx|state-dict -o FILE, and handprop.onnx ------------
    arg_case("export-not-a-model", "export of a text file as if it were a model",
             ["export", "{dir}/notes.txt", "-o", "{dir}/m.onnx"],
             "{dir}/notes.txt", "not a valid handprop model file", files=NOTES, area="export"),
    arg_case("export-missing-model", "export of a model file that does not exist",
             ["export", "{dir}/nothing.npz", "-o", "{dir}/m.onnx"],
             "{dir}/nothing.npz", "must be an existing file", area="export"),
    arg_case("export-format", "export --format tflite (unknown)",
             ["export", "{dir}/digits.npz", "--format", "tflite", "-o", "{dir}/m.tflite"],
             "'--format'", "'tflite'", "'onnx', 'state-dict'", files=MODEL, area="export"),
    arg_case("export-no-folder", "export -o into a folder that does not exist",
             ["export", "{dir}/digits.npz", "-o", "{dir}/missing/m.onnx"],
             "-o", "existing", "{dir}/missing/m.onnx", files=MODEL, area="export"),
    arg_case("export-output-folder", "export -o naming a folder",
             ["export", "{dir}/digits.npz", "--format", "state-dict", "-o", "{dir}"],
             "-o", "{dir}", files=MODEL, area="export"),
    arg_case("export-opset", "export --opset 9 (below 17)",
             ["export", "{dir}/digits.npz", "--opset", "9", "-o", "{dir}/m.onnx"],
             "export: --opset must be an integer from 17", files=MODEL, area="export"),
    hidden_package_case("export-no-onnx", "export --format onnx where onnx is not installed",
                        "onnx", ["export", "{dir}/digits.npz", "-o", "{dir}/m.onnx"],
                        "export", "onnx", "pip install 'handprop[onnx]'"),
    hidden_package_case("export-no-torch", "export --format state-dict without torch",
                        "torch",
                        ["export", "{dir}/digits.npz", "--format", "state-dict", "-o",
                         "{dir}/m.pt"],
                        "export", "torch", "pip install 'handprop[torch]'"),
    api_case("export-pipeline-step", "export",
             "the API: handprop.onnx.to_onnx of a Pipeline with a step skl2onnx cannot convert",
             _pipeline_with_a_custom_step, "to_onnx", "'clip' (Clip)", "ONNX converter"),
]

#: properties beyond single inputs: (id, area, what holds); proved by tests marked guarantee(id)
GUARANTEES: list[tuple[str, str, str]] = [
    ("fuzz-idx", "fuzzing",
     "IDX reader on generated and mutated bytes: one-line errors only"),
    ("fuzz-problem", "fuzzing",
     "problem files (bytes, mutated TOML/JSON, parsed tables): one-line errors, finite traces"),
    ("fuzz-answers", "fuzzing",
     "answer files (tables with any values): one-line errors, else a complete report"),
    ("bomb-idx", "allocation bombs",
     "IDX headers claiming 10^12 items are refused, < 1 MiB traced"),
    ("bomb-problem", "allocation bombs",
     "a 10^6 x 10^6 problem (in memory; a 10^12-byte file) is refused, < 1 MiB traced"),
    ("bomb-image", "allocation bombs",
     "a 50,000 x 50,000 image is refused, < 1 MiB traced"),
    ("sigint-checkpoint", "interruption",
     "SIGINT (once or twice) to a real `handprop train`: exit 130, checkpoint loadable"),
    ("sigint-resume", "interruption",
     "`--resume` after SIGINT ends with the same weights as an uninterrupted run"),
    ("atomic-write", "interruption",
     "every writer failing halfway, or before the rename, leaves the old file intact"),
    ("atomic-crash", "interruption",
     "a process dying inside a model write leaves the old model loadable"),
    ("diverge-api", "numerics",
     "inf in the loss: error names epoch, batch and cause; last good weights kept"),
    ("diverge-cli", "numerics",
     "`train --normalize none --lr 1e35`: exit 2, one line, no file written or changed"),
    ("no-pickle", "security",
     "model and checkpoint loaders refuse a live pickle payload without running it"),
    ("web-loopback", "security",
     "the server binds 127.0.0.1 by default and answers only loopback host names"),
    ("web-assets", "security",
     "only the app's own assets are served; path traversal attempts get 404"),
    ("web-offline", "security",
     "a whole session of the web app opens no network connection; pages load nothing external"),
]
# fmt: on


def by_id() -> dict[str, Case]:
    return {case.id: case for case in CASES}
