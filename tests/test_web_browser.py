"""The web explorer in a real browser: Debian's Chromium driven by Playwright, against the real
server (uvicorn on a free loopback port in a thread).

These tests never download a browser. They need ``/usr/bin/chromium`` (``apt-get install
chromium``) and carry the ``browser`` marker (``pytest -m "not browser"`` leaves them out). When
Chromium or Playwright is missing they are skipped with that instruction, except where the
environment says ``CI=true``: there a missing browser fails, so CI never passes without them.
Screenshots of each page go to ``test-artifacts/screenshots/`` for a person to look at.
Expected numbers come from :mod:`handprop.functional` and :mod:`handprop.tracing`.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from handprop import functional as F
from handprop.exercise import generate_problem
from handprop.messages import t
from handprop.tracing import WORKED_EXAMPLE, trace

CHROMIUM = os.environ.get("HANDPROP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000


pytestmark = pytest.mark.browser


def _require(condition: bool, message: str) -> None:
    if not condition:
        pytest.fail(message, pytrace=False)


def _need(condition: bool, message: str) -> None:
    """Skip without the browser (fail in CI, where the browser tests must run)."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def server_url():
    from handprop.web.app import create_app
    from handprop.web.server import allowed_hosts, bind, make_server, url_of

    sock = bind("127.0.0.1", 0)
    server = make_server(create_app(lang="en", allowed_hosts=allowed_hosts("127.0.0.1")))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        _require(time.monotonic() < deadline and thread.is_alive(), "the web server did not start")
        time.sleep(0.02)
    yield url_of(sock)
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    _need(
        Path(CHROMIUM).exists(),
        f"Chromium is missing at {CHROMIUM}: install Debian's package with "
        "`apt-get install chromium` (these tests never download a browser)",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is part of handprop[test]
        _need(False, "playwright is missing: pip install 'handprop[test]'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="en-US", accept_downloads=True
    )
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield pg
    context.close()
    # A 4xx answer to bad input is expected (the page shows it next to the field); Chromium
    # logs each one. Anything else (a script error, a 5xx, a blocked resource) is a failure.
    expected = re.compile(r"^Failed to load resource: .* status of 4(22|09)\b")
    assert [e for e in errors if not expected.match(e)] == []


def shot(pg, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def texts(pg, selector: str) -> list[str]:
    return [s.strip() for s in pg.locator(selector).all_inner_texts()]


def wait_text(pg, selector: str, wanted: list[str]) -> None:
    from playwright.sync_api import expect

    expect(pg.locator(selector)).to_have_text(wanted, timeout=TIMEOUT_MS)


def open_step_page(pg, url: str) -> None:
    pg.goto(url)
    pg.wait_for_selector("#grid-logits td")


def logits_cells(pg) -> str:
    return "#grid-logits tr:last-child td"


def probs_cells(pg) -> str:
    return "#grid-probs tr:last-child td"


# ------------------------------------------------------------------ step page


def test_step_page_shows_the_worked_example(page, server_url):
    open_step_page(page, server_url)
    assert [float(v) for v in texts(page, logits_cells(page))] == [0.48, 1.12, 1.76]
    assert texts(page, logits_cells(page)) == ["0.480", "1.120", "1.760"]
    assert texts(page, probs_cells(page)) == ["0.154", "0.292", "0.554"]
    assert texts(page, "#grid-loss td") == ["1.2307"]
    assert page.locator("#block-probs .formula math mfrac").count() == 1  # MathML, rendered
    box = page.locator("#block-probs .formula math").bounding_box()
    assert box is not None and box["height"] > 20  # a real fraction, not a line of text
    assert page.locator("#phase-backward").is_visible()
    assert page.locator("#phase-update").is_visible()
    shot(page, "step.png")


def test_hover_shows_how_a_number_was_computed(page, server_url):
    open_step_page(page, server_url)
    page.hover("#logits-0-1")
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    assert tip.inner_text() == "Z₂ = (0.4 × 0.5 + 0.5 × 0.6 + 0.6 × 0.7) + 0.2 = 1.12"
    page.hover("#update_w-1-0")
    assert tip.inner_text().endswith("= 0.4 - 0.1 × (-0.354) = 0.4354")


def test_editing_a_weight_changes_the_probabilities(page, server_url):
    open_step_page(page, server_url)
    page.fill('[data-path="W[1][0]"]', "0.9")
    ex = WORKED_EXAMPLE
    W = np.array(ex["W"], dtype=np.float64)
    W[1, 0] = 0.9
    Z = F.linear(np.array([ex["X"]]), W, np.array(ex["b"]))
    A = F.softmax(Z)[0]
    wait_text(page, probs_cells(page), [f"{a:.3f}" for a in A])
    wait_text(page, logits_cells(page), [f"{z:.3f}" for z in Z[0]])
    assert texts(page, probs_cells(page)) != ["0.154", "0.292", "0.554"]


def test_a_bad_value_is_shown_next_to_its_field(page, server_url):
    open_step_page(page, server_url)
    page.fill('[data-path="X[1]"]', "abc")
    error = page.locator('[data-error-for="X"]')
    error.wait_for(state="visible")
    assert error.inner_text() == "step: X[1] must be a number; got 'abc'."
    assert "invalid" in (page.get_attribute('[data-path="X[1]"]', "class") or "")
    assert page.locator("#stale").is_visible()
    assert page.locator("#btn-step").is_disabled()
    page.fill('[data-path="X[1]"]', "0.6")
    error.wait_for(state="hidden")
    wait_text(page, logits_cells(page), ["0.480", "1.120", "1.760"])


def test_one_more_step_lowers_the_loss(page, server_url):
    open_step_page(page, server_url)
    ex = WORKED_EXAMPLE
    losses = [r.loss for r in trace(ex["X"], ex["W"], ex["b"], ex["y"], ex["lr"], steps=3).steps]
    wait_text(page, "#grid-loss td", [f"{losses[0]:.4f}"])
    for n in (1, 2):
        page.click("#btn-step")
        wait_text(page, "#grid-loss td", [f"{losses[n]:.4f}"])
        assert page.locator("#loss-chart circle").count() == n + 1
    assert losses[2] < losses[1] < losses[0]
    assert page.input_value('[data-path="W[1][0]"]') != "0.4"
    shot(page, "step-after-two-steps.png")
    page.click("#btn-restart")
    wait_text(page, "#grid-loss td", [f"{losses[0]:.4f}"])
    assert page.input_value('[data-path="W[1][0]"]') == "0.4"


def test_language_switch(page, server_url):
    open_step_page(page, server_url)
    page.click('[data-lang-to="zh"]')
    forward = page.locator("#phase-forward h2")
    from playwright.sync_api import expect

    expect(forward).to_have_text(t("core.phase.forward", "zh"))
    assert page.inner_text('a[data-nav="step"]') == t("web.nav.step", "zh")
    assert page.inner_text("#btn-step") == t("web.step.one_more", "zh")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "lang=zh" in page.url
    assert texts(page, logits_cells(page)) == ["0.480", "1.120", "1.760"]
    shot(page, "step-zh.png")
    page.click('[data-lang-to="en"]')
    expect(forward).to_have_text(t("core.phase.forward", "en"))


def test_resize_the_problem(page, server_url):
    open_step_page(page, server_url)
    page.click("#k-plus")
    page.click("#d-plus")
    wait_text(page, "#grid-dw tr:first-child th", ["", "x₁", "x₂", "x₃", "x₄"])
    wait_text(page, "#grid-dw th.row-label", ["cat", "dog", "pig", "class 4"])
    assert page.locator('[data-path="W[3][3]"]').count() == 1
    assert page.locator("#grid-dw tr:nth-child(2) td").count() == 4
    page.click("#k-minus")
    page.click("#d-minus")
    wait_text(page, logits_cells(page), ["0.480", "1.120", "1.760"])


def test_load_and_save_a_problem_file(page, server_url, tmp_path):
    open_step_page(page, server_url)
    text = "X = [1.0, 2.0]\nW = [[0.5, -0.5], [0.25, 0.0]]\nb = [0.0, 0.1]\ny = 0\nlr = 0.5\n"
    page.set_input_files(
        "#file-input",
        files=[{"name": "mine.toml", "mimeType": "text/plain", "buffer": text.encode()}],
    )
    Z = F.linear(np.array([[1.0, 2.0]]), np.array([[0.5, -0.5], [0.25, 0.0]]), np.array([0, 0.1]))
    wait_text(page, logits_cells(page), [f"{z:.3f}" for z in Z[0]])
    assert page.input_value('[data-path="W[0][1]"]') == "-0.5"
    with page.expect_download() as info:
        page.click("#btn-save")
    saved = tomllib.loads(Path(info.value.path()).read_text("utf-8"))
    assert saved == tomllib.loads(text)
    page.set_input_files(
        "#file-input", files=[{"name": "bad.toml", "mimeType": "text/plain", "buffer": b"X = ["}]
    )
    error = page.locator('[data-error-for="file"]')
    error.wait_for(state="visible")
    assert error.inner_text().startswith("bad.toml: the file must be valid TOML")


# ------------------------------------------------------------------ train page


def test_train_page_runs_and_draws(page, server_url):
    page.goto(server_url + "train")
    page.wait_for_selector("#dataset option[value=digits]", state="attached")
    assert page.input_value("#dataset") == "digits"
    page.fill("#epochs", "2")
    page.fill("#batch_size", "64")
    page.click("#btn-start")
    page.locator("#confusion-card").wait_for(state="visible", timeout=30_000)
    assert page.locator("#weights canvas").count() == 10
    assert page.locator("#loss-chart path.series").count() == 3
    assert page.locator("#acc-chart circle").count() == 4  # train and test, two epochs
    status = page.inner_text("#train-status")
    assert re.search(r"Done after 2 epochs: test accuracy \d+\.\d%", status), status
    counts = [int(v) for v in texts(page, "#confusion td")]
    assert sum(counts) == 355
    assert page.locator("#btn-start").is_enabled() and page.locator("#btn-stop").is_disabled()
    shot(page, "train.png")


def test_train_page_shows_bad_settings_next_to_the_field(page, server_url):
    page.goto(server_url + "train")
    page.wait_for_selector("#dataset option[value=digits]", state="attached")
    page.fill("#lr", "-1")
    page.click("#btn-start")
    error = page.locator('[data-error-for="lr"]')
    error.wait_for(state="visible")
    assert error.inner_text() == "train: lr must be a finite number > 0; got -1.0."


# ------------------------------------------------------------------ exercise page


def test_exercise_page_gives_a_verdict_per_cell(page, server_url):
    page.goto(server_url + "exercise")
    page.wait_for_selector("#q-Z input")
    page.fill("#ex-seed", "7")
    page.click("#btn-new")
    page.wait_for_selector("text=Seed 7:")
    problem = generate_problem(7)
    Z = np.round(F.linear(problem.X[None, :], problem.W, problem.b)[0], 3)
    inputs = page.locator("#q-Z input")
    for k, z in enumerate(Z):
        inputs.nth(k).fill(f"{z:g}")
    status = page.locator("#status-Z")
    from playwright.sync_api import expect

    expect(status).to_have_text(t("exercise.check.status.correct", "en"))
    for k in range(3):
        expect(inputs.nth(k)).to_have_class(re.compile(r"\bcell-correct\b"))
    wrong = page.locator("#q-sum_exp input")
    wrong.fill("1")
    expect(page.locator("#status-sum_exp")).to_have_text(re.compile("^wrong"))
    expect(wrong).to_have_class(re.compile(r"\bcell-wrong\b"))
    expect(page.locator("#ex-verdict")).to_contain_text("First wrong step: sum_exp")
    shot(page, "exercise.png")
    page.click('[data-lang-to="zh"]')
    expect(status).to_have_text(t("exercise.check.status.correct", "zh"))
    assert page.input_value("#q-sum_exp input") == "1"
    expect(page.locator("#ex-verdict")).to_contain_text("第一个出错的步骤：sum_exp")
