"""The compiled kernel (handprop._native) is the functional step, and the native engine trains
as the reference engine does.

``batch_gradient`` must give :mod:`handprop.functional`'s loss, dW, db and predicted classes
for every shape the tiling of the AVX2 version treats differently (classes in fours and a
remainder, rows in pairs and eights and a remainder, features in eights and a tail), for
uint8, float32 and float64 inputs, in both the AVX2 and the portable version, on 1 to 4
threads. A given thread count gives the same bits every time; one thread gives the bits the
kernel gave before it had threads (tests/fixtures/native/kernel_outputs.npz). Training with
``engine="native"`` must equal ``engine="reference"`` to float32 rounding.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handprop import functional as F
from handprop.data.datasets import load_dataset
from handprop.data.preprocessing import Normalizer
from handprop.errors import InputError, TrainingDivergedError
from handprop.init import initialize
from handprop.model import SoftmaxRegression
from handprop.train import EngineSpec, TrainingProgress, TrainState, fit_sgd
from handprop.train.engines import native_kernel
from train_helpers import config_of, run_sgd

nat = native_kernel()
THREADS = (1, 2, 3, 4)
FIXTURE = Path(__file__).parent / "fixtures" / "native" / "kernel_outputs.npz"


def _isas():
    names = ["generic"]
    prev = nat.set_isa("generic")
    try:
        nat.set_isa("avx2")
        names.append("avx2")
    except ValueError:
        pass
    nat.set_isa(prev)
    return names


@pytest.fixture(params=_isas() if nat is not None else ["generic"])
def isa(request):
    prev = nat.set_isa(request.param)
    yield request.param
    nat.set_isa(prev)


def test_the_kernel_is_built_and_picks_avx2_where_the_cpu_has_it():
    assert nat is not None, "handprop._native is not built: `pip install -e .` compiles it"
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if " avx2 " in flags and " fma " in flags:
        assert nat.isa() == "avx2"


def _expected(X, rows, y, W, b, scale):
    """Loss sum, dW, db and predictions from functional, in float64."""
    n = rows.shape[0]
    xb = X[rows].astype(np.float64) / scale
    Z = F.linear(xb, W.astype(np.float64), b.astype(np.float64))
    loss = F.cross_entropy(Z, y) * n
    A = F.softmax(Z)
    d = F.delta(A, y)
    dW, db = F.param_gradients(xb, d)
    return loss, dW, db, A


def _call(X, rows, y, W, b, scale, start=0, **threads):
    """The kernel on rows of X: loss sum, dW (K, D), db (K,) and pred, from fresh buffers."""
    K, D = W.shape
    P = np.concatenate([W.ravel(), b]).astype(np.float32)
    G = np.full_like(P, np.nan)
    pred = np.full(start + rows.shape[0], -1, dtype=np.int64)
    idx = np.concatenate([np.zeros(start, np.int64), rows.astype(np.int64)])
    yy = np.concatenate([np.zeros(start, np.int64), y.astype(np.int64)])
    total = nat.batch_gradient(X, idx, yy, start, rows.shape[0], P, G, scale, pred, **threads)
    return total, G[: K * D].reshape(K, D), G[K * D :], pred[start:]


def _assert_same_bits(a, b):
    assert a[0] == b[0] or (np.isnan(a[0]) and np.isnan(b[0]))
    for x, z in zip(a[1:], b[1:], strict=True):
        np.testing.assert_array_equal(x, z)
        assert x.tobytes() == z.tobytes()  # -0.0 and NaN payloads too


@pytest.mark.parametrize("K", [2, 3, 4, 5, 10, 13])
@pytest.mark.parametrize("D", [1, 7, 8, 20, 784])
@pytest.mark.parametrize("n", [1, 2, 3, 8, 9, 37, 128])
def test_batch_gradient_is_the_functional_step(isa, K, D, n):
    """On 1 to 4 threads (more than the batch's blocks of 8 rows for small n), twice each."""
    rng = np.random.default_rng(K * 1000 + D * 10 + n)
    X = rng.integers(0, 256, size=(150, D), dtype=np.uint8)
    rows = rng.integers(0, 150, size=n)
    y = rng.integers(0, K, size=n)
    W = rng.normal(scale=0.05, size=(K, D)).astype(np.float32)
    b = rng.normal(scale=0.5, size=K).astype(np.float32)
    loss, dW_ref, db_ref, A = _expected(X, rows, y, W, b, 255.0)
    top = np.sort(A, axis=1)
    clear = top[:, -1] - top[:, -2] > 1e-5  # no float32 near-tie
    for threads in THREADS:
        got = _call(X, rows, y, W, b, 255.0, start=3, n_threads=threads)
        total, dW, db, pred = got
        assert total == pytest.approx(loss, rel=1e-5, abs=1e-5), threads
        atol = 1e-5 * max(1.0, np.abs(dW_ref).max())
        np.testing.assert_allclose(dW, dW_ref, rtol=0, atol=atol, err_msg=f"{threads} threads")
        np.testing.assert_allclose(db, db_ref, rtol=0, atol=1e-6, err_msg=f"{threads} threads")
        np.testing.assert_array_equal(pred[clear], A.argmax(axis=1)[clear])
        _assert_same_bits(got, _call(X, rows, y, W, b, 255.0, start=3, n_threads=threads))
        if n <= 8:  # one block of rows: one part, whatever the thread count
            _assert_same_bits(got, _call(X, rows, y, W, b, 255.0, start=3))


@pytest.mark.parametrize("kind", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("threads", THREADS)
def test_every_input_dtype_gives_the_same_gradient(isa, kind, threads):
    rng = np.random.default_rng(7)
    X = rng.integers(0, 256, size=(40, 30)).astype(kind)
    rows, y = rng.permutation(40)[:33], rng.integers(0, 10, size=33)
    W = rng.normal(scale=0.1, size=(10, 30)).astype(np.float32)
    b = np.zeros(10, np.float32)
    total, dW, db, _ = _call(X, rows, y, W, b, 255.0, n_threads=threads)
    loss, dW_ref, db_ref, _ = _expected(X, rows, y, W, b, 255.0)
    assert total == pytest.approx(loss, rel=1e-5)
    np.testing.assert_allclose(dW, dW_ref, rtol=0, atol=1e-6)
    np.testing.assert_allclose(db, db_ref, rtol=0, atol=1e-6)


# --------------------------------------------------------------------------- threads


def _fixture_cases():
    """name -> the recorded inputs and, per version, the kernel's outputs before threads."""
    data = np.load(FIXTURE)
    cases = {}
    for key in data.files:
        name, rest = key.split("/", 1)
        cases.setdefault(name, {})[rest] = data[key]
    return cases


def _run_case(kernel, case, **threads):
    G = np.full_like(case["P"], np.nan)
    pred = np.full(case["idx"].shape[0], -1, np.int64)
    start, n, scale = int(case["start"]), int(case["n"]), float(case["scale"])
    args = (case["X"], case["idx"], case["y"], start, n, case["P"], G, scale, pred)
    return kernel.batch_gradient(*args, **threads), G, pred[start:]


def test_one_thread_is_the_kernel_before_threads(isa):
    """Bit for bit what the kernel gave before it had threads, with n_threads=1 or left out."""
    for name, case in _fixture_cases().items():
        recorded = case[f"{isa}/loss"], case[f"{isa}/G"], case[f"{isa}/pred"]
        _assert_same_bits(_run_case(nat, case), recorded)
        _assert_same_bits(_run_case(nat, case, n_threads=1), recorded)
        _assert_same_bits(_run_case(nat, case, n_threads=4), _run_case(nat, case, n_threads=4))
        if name == "uint8_1x2_n1":  # one row: one part on any number of threads
            _assert_same_bits(_run_case(nat, case, n_threads=4), recorded)


def test_concurrent_calls_from_python_threads_give_their_own_bits():
    """The pool serves one call at a time; callers queue and get what they get alone."""
    cases = list(_fixture_cases().values())
    want = [_run_case(nat, c, n_threads=k % 3 + 2) for k, c in enumerate(cases)]
    errors = []

    def hammer(k):
        try:
            for _ in range(30):
                for j, c in enumerate(cases):
                    _assert_same_bits(_run_case(nat, c, n_threads=j % 3 + 2), want[j])
        except AssertionError as exc:  # reported below, with the thread
            errors.append(f"thread {k}: {exc}")

    workers = [threading.Thread(target=hammer, args=(k,)) for k in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert nat.pool_threads() >= 4


@pytest.mark.parametrize(
    "bad", [0, -1, nat.MAX_THREADS + 1 if nat else 65, 2**70, 2.0, "2", True, None]
)
def test_a_bad_thread_count_is_a_value_error_before_any_thread_is_touched(bad):
    X, P, G = np.zeros((5, 4), np.uint8), np.zeros(15, np.float32), np.zeros(15, np.float32)
    idx, y, pred = np.arange(5), np.zeros(5, np.int64), np.zeros(5, np.int64)
    with pytest.raises(ValueError, match=r"^n_threads must be an integer from 1 to 64; got "):
        nat.batch_gradient(X, idx, y, 0, 5, P, G, 1.0, pred, n_threads=bad)
    with pytest.raises(ValueError, match="n_threads must be"):
        nat.batch_gradient(X, idx, y, 0, 5, P, G, 1.0, pred, bad)  # positional
    assert nat.batch_gradient(X, idx, y, 0, 5, P, G, 1.0, pred, n_threads=np.int64(2)) > 0


def test_a_bad_call_on_many_threads_starts_none():
    before = nat.pool_threads()
    assert before < nat.MAX_THREADS
    X, P, G = np.zeros((500, 4), np.uint8), np.zeros(15, np.float32), np.zeros(15, np.float32)
    idx, y, pred = np.arange(500), np.zeros(500, np.int64), np.zeros(500, np.int64)
    y[499] = 7  # a label out of range, found before the pool is asked
    with pytest.raises(ValueError, match="row index or label"):
        nat.batch_gradient(X, idx, y, 0, 500, P, G, 1.0, pred, n_threads=nat.MAX_THREADS)
    with pytest.raises(TypeError, match="unexpected argument 'threads'"):
        nat.batch_gradient(X, idx, y, 0, 5, P, G, 1.0, pred, threads=2)
    with pytest.raises(TypeError, match="9 arguments and an optional n_threads"):
        nat.batch_gradient(X, idx, y, 0, 5, P, G, 1.0, pred, 2, n_threads=2)
    assert nat.pool_threads() == before


def _in_subprocess(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(nat.__file__).parents[1])}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_starts_its_own_pool():
    """The child has none of the parent's workers: it must not wait for them."""
    result = _in_subprocess(
        f"""
import os, numpy as np
from handprop import _native as nat
data = np.load({str(FIXTURE)!r})
c = {{k: data["uint8_784x10_n128/" + k] for k in ("X", "idx", "y", "P", "start", "n")}}
def run(threads):
    G = np.empty_like(c["P"]); pred = np.empty(c["idx"].shape[0], np.int64)
    args = (c["X"], c["idx"], c["y"], int(c["start"]), int(c["n"]), c["P"], G, 255.0, pred)
    return nat.batch_gradient(*args, n_threads=threads), G
loss, G = run(3)
assert nat.pool_threads() == 3
pid = os.fork()
if pid == 0:
    ok = nat.pool_threads() == 1
    for _ in range(50):
        l2, G2 = run(3)
        ok = ok and l2 == loss and G2.tobytes() == G.tobytes()
    ok = ok and nat.pool_threads() == 3
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
assert run(3)[1].tobytes() == G.tobytes()
print("ok")
"""
    )
    assert result.returncode == 0 and result.stdout == "ok\n", result.stderr


def test_the_interpreter_exits_cleanly_with_workers_running():
    """A daemon thread still calling the kernel when Python exits: no hang, no crash."""
    result = _in_subprocess(
        """
import threading, time, numpy as np
from handprop import _native as nat
X = np.ones((4096, 784), np.uint8); idx = np.arange(4096); y = np.zeros(4096, np.int64)
P = np.zeros(7850, np.float32); G = np.empty_like(P); pred = np.empty(4096, np.int64)
def loop():
    while True:
        nat.batch_gradient(X, idx, y, 0, 4096, P, G, 255.0, pred, n_threads=4)
threading.Thread(target=loop, daemon=True).start()
time.sleep(0.3)
print(nat.pool_threads())
"""
    )
    assert result.returncode == 0 and result.stdout == "4\n", result.stderr


def test_a_build_without_pthreads_gives_the_same_bits(tmp_path):
    """-DHP_NO_THREADS computes the parts in turn: the same bits as the pool."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the kernel without pthreads")
    source = Path(__file__).parents[1] / "src" / "handprop" / "_native.c"
    target = tmp_path / f"_native{sysconfig.get_config_var('EXT_SUFFIX')}"
    include = sysconfig.get_paths()["include"]
    flags = ["-shared", "-fPIC", "-O3", "-std=c99", "-DHP_NO_THREADS", f"-I{include}"]
    subprocess.run([cc, *flags, str(source), "-o", str(target)], check=True)
    import importlib.util

    # its own name (the init symbol needs only the last part): handprop._native stays the one
    # the package holds, for the tests that follow
    before = dict(sys.modules)
    spec = importlib.util.spec_from_file_location("nothreads_build._native", target)
    alone = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(alone)
    assert sys.modules.get("handprop._native") is before.get("handprop._native")
    assert alone.pool_threads() == 1
    alone.set_isa(nat.isa())
    for case in _fixture_cases().values():
        for threads in THREADS:
            _assert_same_bits(
                _run_case(alone, case, n_threads=threads), _run_case(nat, case, n_threads=threads)
            )


def test_the_worked_example_through_the_kernel(isa):
    """One row, scale 1: delta and dW of the study notes' example."""
    X = np.array([[0.5, 0.6, 0.7]], dtype=np.float32)
    W = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]], dtype=np.float32)
    b = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    total, dW, db, pred = _call(X, np.array([0]), np.array([1]), W, b, 1.0)
    np.testing.assert_allclose(db, [0.154, -0.708, 0.554], atol=5e-4)  # the notes' delta
    np.testing.assert_allclose(dW[1], db[1] * X[0], rtol=1e-6)  # row 2 of dW = delta_2 x
    np.testing.assert_allclose(0.4 - 0.1 * dW[1][0], 0.4354, atol=5e-5)  # the notes' W row 2
    assert total == pytest.approx(-np.log(0.292), abs=2e-3) and pred[0] == 2


def test_a_non_finite_logit_makes_the_loss_non_finite(isa):
    X = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    W = np.array([[np.inf, 0.0], [0.0, 1.0]], dtype=np.float32)
    total, *_ = _call(X, np.array([0, 1]), np.array([0, 1]), W, np.zeros(2, np.float32), 1.0)
    assert not np.isfinite(total)
    W[0, 0] = np.nan
    total, *_ = _call(X, np.array([0, 1]), np.array([0, 1]), W, np.zeros(2, np.float32), 1.0)
    assert np.isnan(total)


def test_the_kernel_refuses_what_would_read_out_of_bounds():
    X = np.zeros((5, 4), np.uint8)
    P, G = np.zeros(15, np.float32), np.zeros(15, np.float32)
    idx, y, pred = np.arange(5), np.zeros(5, np.int64), np.zeros(5, np.int64)
    frozen = G.copy()
    frozen.flags.writeable = False
    bad = [
        ((X, np.array([0, 5]), y, 0, 2, P, G, 1.0, pred), "row index or label"),
        ((X, np.array([-1, 0]), y, 0, 2, P, G, 1.0, pred), "row index or label"),
        ((X, idx, np.array([0, 3, 0, 0, 0]), 0, 5, P, G, 1.0, pred), "row index or label"),
        ((X, idx, y, 3, 3, P, G, 1.0, pred), "out of range"),
        ((X, idx, y, 0, 0, P, G, 1.0, pred), "out of range"),
        ((X, idx, y, 0, 5, P, G, 0.0, pred), "out of range"),
        ((X, idx, y, 0, 5, P[:14], G[:14], 1.0, pred), "K * (D + 1)"),
        ((X, idx, y, 0, 5, P.astype(np.float64), G, 1.0, pred), "float32"),
        ((X, idx.astype(np.int32), y, 0, 5, P, G, 1.0, pred), "int64"),
        ((X.astype(np.int16), idx, y, 0, 5, P, G, 1.0, pred), "uint8, float32 or float64"),
        ((X[:, ::2], idx, y, 0, 5, P, G, 1.0, pred), "C-contiguous"),
        ((X, idx, y, 0, 5, P, frozen, 1.0, pred), "writable"),
    ]
    for args, text in bad:
        with pytest.raises(ValueError, match=re.escape(text)):
            nat.batch_gradient(*args)
    with pytest.raises(ValueError, match="avx2"):
        nat.set_isa("sse9")


# --------------------------------------------------------------------------- training


@pytest.fixture(scope="module")
def mnist():
    """600 real 28x28 digits, uint8 (784 features, as Fashion-MNIST)."""
    ds = load_dataset("mnist-5k")
    return ds.X_train[:600], ds.y_train[:600]


def _fit(X, y, scale=None, **kw):
    W, b = initialize("torch", 10, X.shape[1], rng=0, dtype=np.float32)
    settings = {"lr": 0.1, "batch_size": 64, "epochs": 2, "seed": 1, "dtype": "float32"}
    if scale is not None:  # x / scale, which the native and fused engines fold into the step
        kw["transform"] = Normalizer("scale", pixel_max=scale).fit(X[:1])
    return run_sgd(X, y, W, b, **{**settings, **kw})


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"momentum": 0.9, "weight_decay": 1e-3, "lr_schedule": "linear"},
        {"momentum": 0.9, "average": 1, "lr_schedule": "cosine"},
        {"batch_size": 70, "average": 0},  # a smaller last batch (600 = 8 x 70 + 40)
        {"batch_size": 1000},  # one batch of all rows
    ],
)
def test_native_training_equals_the_reference(mnist, isa, kw):
    X, y = mnist
    ref = _fit(X, y, engine="reference", scale=255, **kw)
    native = _fit(X, y, engine="native", scale=255, **kw)
    tol = 1e-5
    np.testing.assert_allclose(native.W, ref.W, rtol=0, atol=tol)
    np.testing.assert_allclose(native.b, ref.b, rtol=0, atol=tol)
    np.testing.assert_allclose(native.state.velocity[0], ref.state.velocity[0], rtol=0, atol=tol)
    np.testing.assert_allclose(native.state.W, ref.state.W, rtol=0, atol=tol)
    np.testing.assert_allclose(
        [r.running_loss for r in native.history], [r.running_loss for r in ref.history], rtol=1e-4
    )
    accs = [[r.running_accuracy for r in x.history] for x in (native, ref)]
    np.testing.assert_allclose(accs[0], accs[1], atol=2 / 600)  # float32 near-ties only
    assert native.state.step == ref.state.step
    assert native.state.n_averaged == ref.state.n_averaged
    assert np.abs(native.W - initialize("torch", 10, 784, rng=0)[0]).max() > 1e-3


def test_auto_is_native_where_it_applies_and_says_why(mnist):
    X, y = mnist
    cases = [
        ({"scale": 255}, "native", "compiled kernel"),  # uint8, float32
        ({"X": X.astype(np.float64) / 255}, "native", "compiled kernel"),  # float64 X too
        ({"scale": 255, "dtype": "float64"}, "fused", "float32 only"),
        ({"transform": Normalizer("center").fit(X)}, "fused", "transform"),
        ({"scale": 255, "X": np.asfortranarray(X)}, "fused", "C-contiguous"),
    ]
    for kw, engine, why in cases:
        data = kw.pop("X", X)
        result = _fit(data, y, epochs=1, **kw)
        assert result.engine == engine and why in result.engine_reason.text("en"), kw
        assert result.engine_reason.text("zh") != result.engine_reason.text("en")
    prev = nat.set_isa("generic")  # as on a CPU without AVX2: NumPy's BLAS is faster there
    try:
        result = _fit(X, y, scale=255, epochs=1)
        assert result.engine == "fused" and "AVX2" in result.engine_reason.text("en")
        assert _fit(X, y, scale=255, epochs=1, engine="native").engine == "native"
    finally:
        nat.set_isa(prev)


def test_explicit_native_that_cannot_run_is_a_one_line_error(mnist, monkeypatch):
    X, y = mnist
    cases = [
        ({"dtype": "float64"}, "native engine trains in float32 only"),
        ({"transform": Normalizer("center").fit(X)}, "native engine reads X itself"),
        ({"X": np.asfortranarray(X)}, "C-contiguous 2-D uint8, float32 or float64"),
        ({"X": X.astype(np.int32)}, "C-contiguous 2-D uint8, float32 or float64"),
    ]
    for kw, text in cases:
        data = kw.pop("X", X)
        with pytest.raises(InputError) as info:
            _fit(data, y, engine="native", **kw)
        assert text in str(info.value) and "\n" not in str(info.value)
    import handprop.train.engines as E

    monkeypatch.setattr(E, "native_kernel", lambda: None)
    with pytest.raises(InputError, match=r"handprop\._native is not built"):
        _fit(X, y, engine="native", scale=255)
    fallback = _fit(X, y, scale=255, epochs=1)  # auto falls back to fused
    assert fallback.engine == "fused" and "not built" in fallback.engine_reason.text("en")


def test_native_trains_from_a_memory_mapped_file_as_from_memory(mnist, tmp_path):
    X, y = mnist
    path = tmp_path / "x.u8"
    X.tofile(path)
    mm = np.memmap(path, dtype=np.uint8, mode="r", shape=X.shape)
    a = _fit(mm, y, engine="native", scale=255, momentum=0.9)
    b = _fit(X, y, engine="native", scale=255, momentum=0.9)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.b, b.b)


def test_native_with_rows_and_an_explicit_order(mnist):
    X, y = mnist
    rows = np.arange(0, 600, 3)
    ref = _fit(X, y, engine="reference", scale=255, order=rows)
    nat_ = _fit(X, y, engine="native", scale=255, order=rows)
    np.testing.assert_allclose(nat_.W, ref.W, rtol=0, atol=1e-5)
    order = np.arange(599, -1, -2)
    ref = _fit(X, y, engine="reference", scale=255, order=lambda e: order)
    nat_ = _fit(X, y, engine="native", scale=255, order=lambda e: order)
    np.testing.assert_allclose(nat_.W, ref.W, rtol=0, atol=1e-5)


def test_native_divergence_returns_the_last_good_weights_and_names_the_cause(mnist):
    X, y = mnist
    with pytest.raises(TrainingDivergedError) as info:
        _fit(X, y, engine="native", lr=1e35, batch_size=50)  # unscaled pixels, huge steps
    err = info.value
    assert "\n" not in str(err) and "255" in str(err)  # the cause: inputs up to 255
    assert np.isfinite(err.state.W).all() and err.engine == "native"


class _StopAt(TrainingProgress):
    def __init__(self, at):
        self.at = at

    def on_batch_end(self, epoch, batch, loss):
        if (epoch, batch) == self.at:
            raise KeyboardInterrupt


def test_native_checkpoint_and_resume_give_the_same_final_weights(mnist, tmp_path):
    X, y = mnist
    kw = {"engine": "native", "scale": 255, "momentum": 0.9, "average": 1, "epochs": 3}
    full = _fit(X, y, **kw)
    ckpt = tmp_path / "run.npz"
    stopped = _fit(X, y, checkpoint=ckpt, progress=_StopAt((2, 4)), **kw)
    assert stopped.interrupted and stopped.engine == "native"
    config = config_of(lr=0.1, momentum=0.9, average=1, epochs=3)
    scale = Normalizer("scale", pixel_max=255).fit(X[:1])
    resumed = fit_sgd(X, y, config, TrainState.load(ckpt), engine="native", transform=scale)
    assert resumed.resumed_from == 1
    np.testing.assert_array_equal(resumed.W, full.W)
    np.testing.assert_array_equal(resumed.state.W, full.state.W)
    assert resumed.history == full.history[:0] + resumed.history
    losses = [[r.running_loss for r in x.history] for x in (resumed, full)]
    assert losses[0] == losses[1]


def test_the_result_and_the_estimator_say_which_engine_ran(mnist):
    X, y = mnist
    assert _fit(X, y, scale=255, epochs=1).engine == "native"
    assert _fit(X, y, scale=255, epochs=1, dtype="float64").engine == "fused"
    assert _fit(X, y, scale=255, epochs=1, engine="reference").engine == "reference"
    model = SoftmaxRegression(epochs=1, normalize="scale", random_state=0).fit(X, y)
    assert model.engine_ == "native"
    model = SoftmaxRegression(epochs=1, normalize="standardize", random_state=0).fit(X, y)
    assert model.engine_ == "fused"  # standardizing is a transform: the NumPy engine


# HANDPROP_FUZZ_EXAMPLES=5000 for a long run (as tests/robustness/test_fuzz.py)
@settings(max_examples=int(os.environ.get("HANDPROP_FUZZ_EXAMPLES") or 60), deadline=None)
@given(
    K=st.integers(1, 17),
    D=st.integers(1, 40),
    n=st.integers(1, 60),
    kind=st.sampled_from([np.uint8, np.float32, np.float64]),
    scale=st.sampled_from([1.0, 16.0, 255.0]),
    seed=st.integers(0, 2**32 - 1),
    generic=st.booleans(),
    threads=st.integers(1, 6),
)
def test_any_shape_any_input_the_kernel_is_functional(K, D, n, kind, scale, seed, generic, threads):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n + 3, D)).astype(kind)
    rows, y = rng.integers(0, n + 3, size=n), rng.integers(0, K, size=n)
    W = rng.normal(scale=0.1, size=(K, D)).astype(np.float32)
    b = rng.normal(size=K).astype(np.float32)
    prev = nat.set_isa("generic") if generic else nat.isa()
    try:
        total, dW, db, _ = _call(X, rows, y, W, b, scale, n_threads=threads)
    finally:
        nat.set_isa(prev)
    loss, dW_ref, db_ref, _ = _expected(X, rows, y, W, b, scale)
    assert total == pytest.approx(loss, rel=1e-4, abs=1e-4)
    np.testing.assert_allclose(dW, dW_ref, rtol=0, atol=1e-4 * max(1.0, np.abs(dW_ref).max()))
    np.testing.assert_allclose(db, db_ref, rtol=0, atol=1e-5)


# --------------------------------------------------------------------------- n_jobs


def test_n_jobs_threads_train_as_one_thread_does_and_repeat_bit_for_bit(mnist):
    X, y = mnist
    runs = {
        jobs: [_fit(X, y, engine=EngineSpec("native", n_jobs=jobs), scale=255) for _ in (0, 1)]
        for jobs in (1, 2, 3)
    }
    for a, b in runs.values():
        np.testing.assert_array_equal(a.W, b.W)  # a given thread count: the same bits
        np.testing.assert_allclose(a.W, runs[1][0].W, rtol=0, atol=1e-5)
    assert not np.array_equal(runs[2][0].W, runs[1][0].W)  # the partial sums add differently


def test_the_estimator_and_the_command_take_n_jobs(mnist, monkeypatch):
    from handprop.train.engines import kernel_threads, parallel

    X, y = mnist
    kw = {"normalize": "scale", "pixel_max": 255, "epochs": 1, "random_state": 0}
    one = SoftmaxRegression(n_jobs=1, **kw).fit(X, y)
    two = SoftmaxRegression(n_jobs=2, **kw).fit(X, y)
    np.testing.assert_allclose(one.coef_, two.coef_, rtol=0, atol=1e-5)
    monkeypatch.setattr(parallel, "local_cores", lambda: 3)
    assert kernel_threads(None) == 3 and kernel_threads(5) == 5
    for bad in (0, -1, 65, 2.0, True):
        with pytest.raises(InputError, match="n_jobs must be an integer from 1 to 64"):
            SoftmaxRegression(n_jobs=bad, **kw).fit(X, y)
