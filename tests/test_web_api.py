"""The web explorer's JSON endpoints, through Starlette's test client (no browser, no socket).

Expected numbers come from the worked example of the notes and from the engine itself
(handprop.tracing, handprop.exercise, handprop.checker), never from the web code under test.
"""

from __future__ import annotations

import json
import socket
import warnings

import numpy as np
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():  # "install httpx2": httpx is what handprop[test] pins
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from handprop import functional as F
from handprop.cli import main
from handprop.errors import HandpropError
from handprop.exercise import generate_problem
from handprop.messages import t
from handprop.problem import parse_problem_text, problem_from_mapping
from handprop.tracing import WORKED_EXAMPLE, trace
from handprop.web import create_app
from handprop.web.app import MAX_BODY
from handprop.web.server import allowed_hosts, bind, is_loopback, url_of


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(lang="en")) as c:
        yield c


def example(**changes):
    problem = {k: v for k, v in WORKED_EXAMPLE.items()}
    problem.update(changes)
    return problem


def step(client, problem, lang="en", **extra):
    return client.post("/api/step", json={"problem": problem, "lang": lang, **extra})


def grid(data, grid_id):
    for section in data["sections"]:
        for block in section["blocks"]:
            for g in block["grids"]:
                if g["id"] == grid_id:
                    return g
    raise KeyError(grid_id)


def cli_error(data, where="step", lang="en"):
    """The message the engine gives for ``data`` (what `handprop step` would print)."""
    with pytest.raises(HandpropError) as info:
        problem_from_mapping(data, where=where)
    return info.value.message(lang)


# ------------------------------------------------------------------ the worked example


def test_worked_example_numbers(client):
    r = step(client, example())
    assert r.status_code == 200
    data = r.json()
    tr = data["trace"]
    np.testing.assert_allclose(tr["logits"], [0.48, 1.12, 1.76], atol=1e-12)
    assert round(tr["sum_exp"], 3) == 10.493
    np.testing.assert_allclose(tr["probabilities"], [0.154, 0.292, 0.554], atol=5e-4)
    assert round(tr["loss"], 4) == 1.2307
    np.testing.assert_allclose(tr["delta"], [0.154, -0.708, 0.554], atol=5e-4)
    np.testing.assert_allclose(tr["b_new"][1], 0.2708, atol=5e-5)
    np.testing.assert_allclose(tr["W_new"][1], [0.4354, 0.5425, 0.6496], atol=5e-5)
    assert tr["loss_after"] < tr["loss"]
    assert tr["predicted_class"] == 2 and tr["true_class"] == 1


def test_the_trace_json_is_the_engines(client):
    data = step(client, example()).json()
    ex = WORKED_EXAMPLE
    expected = trace(ex["X"], ex["W"], ex["b"], ex["y"], ex["lr"]).to_json_data()
    assert data["trace"].keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, (float, list)):
            np.testing.assert_allclose(data["trace"][key], value, rtol=0, atol=0, err_msg=key)
        else:
            assert data["trace"][key] == value, key


def test_numbers_as_shown_with_how_they_were_computed(client):
    data = step(client, example()).json()
    logits = grid(data, "logits")
    cells = logits["rows"][0]["cells"]
    assert [c["t"] for c in cells] == ["0.480", "1.120", "1.760"]
    assert cells[0]["h"] == "Z₁ = (0.1 × 0.5 + 0.2 × 0.6 + 0.3 × 0.7) + 0.1 = 0.48"
    assert cells[1]["h"].endswith("+ 0.2 = 1.12")
    assert [c["t"] for c in grid(data, "probs")["rows"][0]["cells"]] == ["0.154", "0.292", "0.554"]
    assert grid(data, "loss")["rows"][0]["cells"][0]["t"] == "1.2307"
    # the loss comes from the full-precision probability: -ln 0.292 is 1.2310, so ≈
    assert "-ln 0.292 ≈ 1.2307" in grid(data, "loss")["rows"][0]["cells"][0]["h"]
    dw = grid(data, "dw")
    assert dw["rows"][1]["cells"][0]["h"].endswith("-0.708 × 0.5 = -0.354")
    # the columns mark the true class (dog) and the guess (pig)
    assert [c["c"] for c in logits["cols"]] == ["", "true", "pred"]
    assert [c["t"] for c in logits["cols"]] == ["cat", "dog", "pig"]


def test_formulas_are_mathml_and_reasons_are_the_catalogues(client):
    data = step(client, example()).json()
    assert [s["id"] for s in data["sections"]] == ["forward", "backward", "update"]
    assert data["sections"][0]["title"] == t("core.phase.forward", "en")
    blocks = {b["id"]: b for s in data["sections"] for b in s["blocks"]}
    for block in blocks.values():
        if "formula" in block:
            assert block["formula"].startswith("<math") and block["formula"].endswith("</math>")
    assert blocks["logits"]["why"] == t("core.why", "en", text=t("core.why.logits", "en"))
    assert "<mn>1.12</mn>" in blocks["logits"]["worked"]
    assert blocks["prediction"]["notes"][0]["c"] == "bad"


def test_one_more_step_continues_from_the_update(client):
    first = step(client, example()).json()
    nxt = first["next"]
    assert nxt["W"] == first["trace"]["W_new"] and nxt["b"] == first["trace"]["b_new"]
    second = step(client, nxt).json()
    ex = WORKED_EXAMPLE
    two = trace(ex["X"], ex["W"], ex["b"], ex["y"], ex["lr"], steps=2).to_json_data()
    np.testing.assert_allclose(second["trace"]["loss"], two[1]["loss"], rtol=1e-15)
    assert second["trace"]["loss"] < first["trace"]["loss"]
    assert first["next_text"]["W"][1] == ["0.4354", "0.5425", "0.6496"]


def test_typed_text_reads_as_numbers(client):
    typed = example(X=["0.5", " 0.6 ", "7e-1"], lr="0.1", y="1")
    data = step(client, typed).json()
    np.testing.assert_allclose(data["trace"]["logits"], [0.48, 1.12, 1.76], atol=1e-12)


def test_decimals_change_the_display_only(client):
    data = step(client, example(), decimals=5).json()
    assert [c["t"] for c in grid(data, "logits")["rows"][0]["cells"]] == [
        "0.48000",
        "1.12000",
        "1.76000",
    ]
    r = step(client, example(), decimals=0)
    assert r.status_code == 422 and r.json()["field"] == "decimals"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("changes", "field", "path"),
    [
        ({"X": [0.5, "abc", 0.7]}, "X", "X[1]"),
        ({"X": [0.5, 0.6]}, "X", "X"),
        ({"W": [[0.1, 0.2, 0.3], [0.4, 0.5], [0.7, 0.8, 0.9]]}, "W", "W[1]"),
        ({"b": [0.1, "nan", 0.3]}, "b", "b"),
        ({"y": 3}, "y", "y"),
        ({"y": [0, 1, 1]}, "y", "y"),
        ({"lr": -1}, "lr", "lr"),
        ({"lr": ""}, "lr", "lr"),
        ({"classes": ["cat", "cat", "pig"]}, "classes", "classes"),
        ({"colour": "red"}, "colour", "colour"),
    ],
)
def test_bad_fields_get_the_cli_message_and_the_field(client, changes, field, path):
    bad = example(**changes)
    r = step(client, bad)
    assert r.status_code == 422
    body = r.json()
    from handprop.web.forms import coerce_problem

    assert body["error"] == cli_error(coerce_problem(bad))
    assert body["field"] == field
    assert body["path"] == path


def test_bad_field_message_in_chinese(client):
    bad = example(X=[0.5, "abc", 0.7])
    r = step(client, bad, lang="zh")
    assert r.status_code == 422
    assert r.json()["error"] == "step：X[1] 应当是数字；实际为 'abc'。"


def test_missing_field(client):
    problem = example()
    del problem["lr"]
    r = step(client, problem)
    assert r.status_code == 422
    assert r.json() == {
        "error": cli_error(problem),
        "field": "lr",
        "path": "lr",
        "key": "core.err.missing_key",
    }


@pytest.mark.parametrize(("K", "D"), [(11, 3), (3, 11), (12, 12)])
def test_the_step_page_takes_at_most_10_by_10(client, K, D):
    rng = np.random.default_rng(0)
    problem = {
        "X": rng.random(D).tolist(),
        "W": rng.random((K, D)).tolist(),
        "b": rng.random(K).tolist(),
        "y": 0,
        "lr": 0.1,
    }
    r = step(client, problem)
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "W"
    assert f"got {K} x {D}" in body["error"]
    assert "2 to 10 rows" in body["error"]


def test_ten_by_ten_is_fine(client):
    rng = np.random.default_rng(1)
    problem = {
        "X": rng.random(10).tolist(),
        "W": rng.random((10, 10)).tolist(),
        "b": rng.random(10).tolist(),
        "y": 9,
        "lr": 0.5,
    }
    data = step(client, problem).json()
    assert len(grid(data, "dw")["rows"]) == 10
    expected = F.linear(np.array([problem["X"]]), np.array(problem["W"]), np.array(problem["b"]))
    np.testing.assert_allclose(data["trace"]["logits"], expected[0], rtol=1e-15)


def test_huge_logits_do_not_break_the_json(client):
    data = step(client, example(W=[[2e3, 0, 0], [0, 0, 0], [0, 0, 2e3]])).json()
    assert data["trace"]["exp_logits"][0] is None  # e^1000 does not fit a float
    assert data["trace"]["loss"] > 100
    notes = [n["t"] for s in data["sections"] for b in s["blocks"] for n in b["notes"]]
    assert t("core.why.overflow", "en") in notes


def test_oversized_body_is_refused_with_413(client):
    big = {"problem": example(), "padding": "x" * (MAX_BODY + 10)}
    r = client.post("/api/step", json=big)
    assert r.status_code == 413
    assert str(MAX_BODY) in r.json()["error"]


def test_oversized_body_without_a_length_is_refused_while_reading(client):
    def chunks():
        yield b'{"problem": "'
        for _ in range(40):
            yield b"x" * 32768
        yield b'"}'

    r = client.post("/api/step", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_a_body_must_be_json(client):
    r = client.post("/api/step", content=b"X=1", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/api/step", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == t("web.err.json", "en")


def test_wrong_method_and_unknown_path(client):
    assert client.get("/api/step").status_code == 405
    assert client.get("/api/nothing").status_code == 404


# ------------------------------------------------------------------ pages, assets, safety


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e%2fapp.py",
        "/static/..%2f..%2f__init__.py",
        "/static/%2fetc%2fpasswd",
        "/static/app.py",
        "/static/.hidden.js",
        "/static/../../../../etc/passwd",
        "/static/step.html",
    ],
)
def test_static_serves_only_its_own_assets(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "create_app" not in r.text and "root:" not in r.text


def test_static_assets_are_served(client):
    r = client.get("/static/style.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    r = client.get("/static/step.js")
    assert r.status_code == 200 and "text/javascript" in r.headers["content-type"]


def test_pages_load_only_local_assets(client):
    for path in ("/", "/train", "/exercise"):
        r = client.get(path)
        assert r.status_code == 200
        assert "http://" not in r.text and "https://" not in r.text
        assert "{{" not in r.text
    js = "".join(
        client.get(f"/static/{n}.js").text for n in ("common", "step", "train", "exercise")
    )
    assert "https://" not in js and "cdn" not in js.lower()


def test_security_headers(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


def test_dns_rebinding_is_refused_on_loopback():
    app = create_app(allowed_hosts=allowed_hosts("127.0.0.1"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        assert c.get("/").status_code == 200
    with TestClient(app, base_url="http://attacker.example") as c:
        assert c.get("/").status_code == 400


def test_language_switch(client):
    r = client.get("/api/texts?lang=zh")
    assert r.json()["lang"] == "zh"
    assert r.json()["texts"]["web.nav.step"] == t("web.nav.step", "zh")
    assert r.json()["texts"]["web.step.class_n"] == "第 {n} 类"  # placeholders kept for the page
    page = client.get("/?lang=zh").text
    assert 'lang="zh"' in page and t("web.step.one_more", "zh") in page
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert 'lang="en"' in page  # the server was started with --lang en
    data = step(client, example(), lang="zh").json()
    assert data["sections"][0]["title"] == t("core.phase.forward", "zh")
    assert data["sections"][0]["blocks"][3]["notes"][0]["t"].startswith("✗ 猜错了")


def test_accept_language_decides_without_a_fixed_language():
    with TestClient(create_app()) as c:
        assert 'lang="zh"' in c.get("/", headers={"Accept-Language": "zh-CN"}).text
        assert 'lang="en"' in c.get("/", headers={"Accept-Language": "en-GB"}).text


# ------------------------------------------------------------------ problem files


def test_upload_a_toml_problem(client):
    text = "X = [1.0, 2.0]\nW = [[0.5, -0.5], [0.25, 0.0]]\nb = [0.0, 0.1]\ny = 0\nlr = 0.5\n"
    r = client.post("/api/problem/parse", json={"filename": "mine.toml", "text": text})
    assert r.status_code == 200
    assert r.json()["problem"] == problem_from_mapping(tomllib.loads(text)).to_dict()
    assert r.json()["problem_text"]["W"] == [["0.5", "-0.5"], ["0.25", "0"]]


def test_upload_a_json_problem(client):
    text = json.dumps(WORKED_EXAMPLE)
    r = client.post("/api/problem/parse", json={"filename": "p.json", "text": text})
    assert r.status_code == 200 and r.json()["problem"]["classes"] == ["cat", "dog", "pig"]


def test_upload_a_broken_file(client):
    text = "X = [1.0, 2.0\n"
    r = client.post("/api/problem/parse", json={"filename": "bad.toml", "text": text})
    assert r.status_code == 422
    with pytest.raises(HandpropError) as info:
        parse_problem_text(text, "bad.toml", "TOML")
    assert r.json()["error"] == info.value.message("en")
    assert r.json()["error"].startswith("bad.toml: ")


def test_upload_a_problem_too_big_for_the_page(client):
    W = [[0.0] * 3 for _ in range(12)]
    text = json.dumps({"X": [1, 2, 3], "W": W, "b": [0] * 12, "y": 0, "lr": 0.1})
    r = client.post("/api/problem/parse", json={"filename": "big.json", "text": text})
    assert r.status_code == 422 and r.json()["field"] == "W"


def test_save_as_toml_round_trips(client):
    r = client.post("/api/problem/toml", json={"problem": step(client, example()).json()["next"]})
    assert r.status_code == 200
    body = r.json()
    assert body["filename"] == "problem.toml"
    back = problem_from_mapping(tomllib.loads(body["toml"]))
    first = trace(**{k: WORKED_EXAMPLE[k] for k in ("X", "W", "b", "y", "lr")}).first
    np.testing.assert_array_equal(back.W, first.W_new)
    np.testing.assert_array_equal(back.b, first.b_new)
    assert back.classes == ["cat", "dog", "pig"]


def test_save_refuses_a_bad_problem(client):
    r = client.post("/api/problem/toml", json={"problem": example(lr=0)})
    assert r.status_code == 422 and r.json()["field"] == "lr"


def test_random_problem_is_the_generators(client):
    r = client.post("/api/random", json={"seed": 7, "classes": 4, "features": 2})
    assert r.status_code == 200
    assert r.json()["problem"] == generate_problem(7, classes=4, features=2).to_dict()
    r = client.post("/api/random", json={"classes": 3, "features": 3})
    seed = r.json()["seed"]
    assert r.json()["problem"] == generate_problem(seed, 3, 3).to_dict()
    r = client.post("/api/random", json={"seed": 1, "classes": 9, "features": 3})
    assert r.status_code == 422 and r.json()["field"] == "classes"


# ------------------------------------------------------------------ exercises


def exact_answers(problem):
    X, W, b = np.array([problem["X"]]), np.array(problem["W"]), np.array(problem["b"])
    Y = F.one_hot(np.array([problem["y"]]), W.shape[0])
    Z = F.linear(X, W, b)
    exp_z, sum_exp, A = F.softmax_parts(Z)
    d, dW, db = F.backward(X, A, Y)
    W_new, b_new = F.sgd_update(W, b, dW, db, problem["lr"])
    values = {
        "Z": Z[0],
        "exp_Z": exp_z[0],
        "sum_exp": float(sum_exp[0]),
        "A": A[0],
        "loss": F.cross_entropy(Z, Y),
        "delta": d[0],
        "db": db,
        "dW": dW,
        "b_new": b_new,
        "W_new": W_new,
    }
    return {k: np.round(v, 3).tolist() for k, v in values.items()}


def test_exercise_new_is_the_generators(client):
    r = client.post("/api/exercise/new", json={"seed": 7, "classes": 3, "features": 2})
    assert r.status_code == 200
    data = r.json()
    assert data["problem"] == generate_problem(7, classes=3, features=2).to_dict()
    assert [q["name"] for q in data["quantities"]][:3] == ["Z", "exp_Z", "sum_exp"]
    assert data["quantities"][7]["shape"] == [3, 2]


def test_exercise_check_per_cell(client):
    problem = generate_problem(7).to_dict()
    answers = {k: v for k, v in exact_answers(problem).items() if k in ("Z", "exp_Z")}
    r = client.post(
        "/api/exercise/check", json={"problem": problem, "answers": answers, "decimals": 3}
    )
    assert r.status_code == 200
    steps = {s["name"]: s for s in r.json()["steps"]}
    assert steps["Z"]["status"] == "correct"
    assert steps["Z"]["cells"] == ["correct"] * 3
    assert steps["A"]["status"] == "missing"
    # a slip in one entry: that cell only is wrong
    slipped = [*answers["Z"]]
    slipped[1] = round(slipped[1] + 0.5, 3)
    r = client.post(
        "/api/exercise/check",
        json={"problem": problem, "answers": {"Z": slipped}, "decimals": "3"},
    )
    z = r.json()["steps"][0]
    assert z["status"] == "wrong" and z["mistake"] == "arithmetic_slip"
    assert z["cells"] == ["correct", "wrong", "correct"]
    assert r.json()["first_wrong"] == "Z"


def test_exercise_check_names_the_mistake(client):
    problem = generate_problem(3).to_dict()
    W, x = np.array(problem["W"]), np.array(problem["X"])
    no_bias = np.round(W @ x, 3).tolist()
    r = client.post("/api/exercise/check", json={"problem": problem, "answers": {"Z": no_bias}})
    z = r.json()["steps"][0]
    assert z["mistake"] == "bias_forgotten"
    assert z["message"] == t("exercise.mistake.bias_forgotten", "en")


def test_exercise_check_partly_filled(client):
    problem = generate_problem(7).to_dict()
    z = exact_answers(problem)["Z"]
    answers = {"Z": [str(z[0]), "", str(z[2] + 1)], "loss": ""}
    r = client.post("/api/exercise/check", json={"problem": problem, "answers": answers})
    step0 = r.json()["steps"][0]
    assert step0["status"] == "partial"
    assert step0["cells"] == ["correct", "blank", "wrong"]


def test_exercise_check_bad_cell(client):
    problem = generate_problem(7).to_dict()
    r = client.post(
        "/api/exercise/check",
        json={"problem": problem, "answers": {"dW": [["1", "x", "1"], ["", "", ""], ["", "", ""]]}},
    )
    assert r.status_code == 422
    assert r.json()["path"] == "dW[0][1]" and r.json()["field"] == "dW"


# ------------------------------------------------------------------ training


def read_events(client, run, lang="en"):
    events = []
    with client.stream("GET", f"/api/train/events?run={run}&lang={lang}") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


def test_training_run_streams_its_progress(client):
    settings = {"dataset": "digits", "epochs": "2", "lr": "0.1", "batch_size": 64, "seed": 0}
    r = client.post("/api/train/start", json={"settings": settings})
    assert r.status_code == 200, r.text
    events = read_events(client, r.json()["run"])
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert kinds.count("epoch") == 2 and "batch" in kinds
    start = events[0]
    assert start["classes"] == [str(d) for d in range(10)] and start["image_shape"] == [8, 8]
    assert len(start["images"]["rows"]) == 10 and len(start["images"]["rows"][0]) == 64
    epochs = [e for e in events if e["type"] == "epoch"]
    assert epochs[1]["train_loss"] < epochs[0]["train_loss"]
    # the epoch figures are those of the kept model: the last one's test accuracy is the final
    assert epochs[1]["test_accuracy"] == events[-1]["test_accuracy"]
    assert 0.85 < epochs[1]["train_accuracy"] <= 1 and epochs[1]["running_loss"] > 0
    assert epochs[1]["train_loss_text"] == f"{epochs[1]['train_loss']:.4f}"
    done = events[-1]
    confusion = np.array(done["confusion"])
    assert confusion.sum() == start["n_test"] == 355
    assert np.trace(confusion) / confusion.sum() == pytest.approx(done["test_accuracy"])
    assert done["engine"] == "native"  # digits scaled by 16: the compiled step
    assert done["test_accuracy"] > 0.85
    assert done["test_accuracy_text"].endswith("%")
    assert np.allclose(np.array(done["confusion_rates"]).sum(axis=1), 1, atol=1e-3)


def test_training_settings_are_checked(client):
    for settings, field in [
        ({"lr": "-1"}, "lr"),
        ({"batch_size": "0"}, "batch_size"),
        ({"epochs": 1000}, "epochs"),
        ({"momentum": "2"}, "momentum"),
        ({"dataset": "nope"}, "dataset"),
        ({"init": "magic"}, "init"),
        ({"seed": "-3"}, "seed"),
    ]:
        r = client.post("/api/train/start", json={"settings": {"dataset": "digits", **settings}})
        assert r.status_code == 422, settings
        assert r.json()["field"] == field, (settings, r.json())


@pytest.mark.parametrize(
    "body, field, pieces",
    [
        ({"settings": "digits"}, "settings", ["settings must be an object", "a string"]),
        ({"settings": [["epochs", 2]]}, "settings", ["settings must be an object", "an array"]),
        ({"settings": {"bogus": 1}}, "bogus", ["bogus is not a known key", "lr_schedule"]),
        ({"bogus": 1}, "bogus", ["/api/train/start: bogus is not a known key", "settings"]),
        ({"settings": {"lr_schedule": "steps"}}, "lr_schedule", ["constant, linear, cosine"]),
        ("go", None, ["request body must be a JSON object", "a string"]),
        ([{"dataset": "digits"}], None, ["request body must be a JSON object", "an array"]),
    ],
)
def test_malformed_training_requests_start_nothing(body, field, pieces):
    with TestClient(create_app(lang="en")) as fresh:
        r = fresh.post("/api/train/start", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field
        for piece in pieces:
            assert piece in r.json()["error"]
        state = fresh.get("/api/train/state").json()
        assert state["run"] is None and state["running"] is False


JSON_TYPE = {"content-type": "application/json"}


def test_every_post_endpoint_wants_a_json_object(client):
    endpoints = {
        "/api/step": "problem, decimals, lang",
        "/api/problem/parse": "filename, text, lang",
        "/api/problem/toml": "problem, lang",
        "/api/random": "seed, classes, features, lang",
        "/api/train/start": "settings, lang",
        "/api/train/stop": "lang",
        "/api/exercise/new": "seed, classes, features, lang",
        "/api/exercise/check": "problem, answers, decimals, lang",
    }
    for url, fields in endpoints.items():
        for body, kind in [([1], "an array (a list)"), ("x", "a string"), (None, "null")]:
            r = client.post(url, content=json.dumps(body), headers=JSON_TYPE)
            assert r.status_code == 422, (url, body)
            want = (
                f"{url}: the request body must be a JSON object with the fields {fields}; "
                f"got {kind}."
            )
            assert r.json()["error"] == want
        zh = client.post(url, json=[1], params={"lang": "zh"}).json()["error"]
        assert zh.startswith(f"{url}：请求体应当是一个 JSON 对象") and "数组" in zh


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/step", {"problem": "X=1"}, "problem"),
        ("/api/problem/toml", {"problem": [1, 2]}, "problem"),
        ("/api/problem/parse", {"filename": 7, "text": "X = 1"}, "filename"),
        ("/api/problem/parse", {"filename": "p.toml", "text": ["X = 1"]}, "text"),
        ("/api/random", {"seed": [1]}, "seed"),
        ("/api/exercise/new", {"classes": {"n": 3}}, "classes"),
        ("/api/exercise/check", {"problem": example(), "answers": []}, "answers"),
        ("/api/exercise/check", {"problem": example(), "answers": "Z"}, "answers"),
        ("/api/exercise/check", {"problem": example()}, "answers"),
        ("/api/exercise/check", {"problem": None, "answers": {}}, "problem"),
        ("/api/step", {"problem": example(), "lang": 5}, "lang"),
    ],
)
def test_a_field_of_the_wrong_kind_is_named(client, url, body, field):
    r = client.post(url, json=body)
    assert r.status_code == 422, r.text
    data = r.json()
    assert data["field"] == field and "\n" not in data["error"]
    assert f"{field} must" in data["error"]


def test_blank_answers_as_a_list_are_not_all_correct(client):
    r = client.post("/api/exercise/check", json={"problem": example(), "answers": ["", ""]})
    assert r.status_code == 422
    assert "all_correct" not in r.json()
    assert r.json()["error"].startswith("check: answers must be an object (a table) of quantities")


def test_one_run_at_a_time_and_stop(client):
    r = client.post("/api/train/start", json={"settings": {"dataset": "digits", "epochs": 100}})
    assert r.status_code == 200
    run = r.json()["run"]
    busy = client.post("/api/train/start", json={"settings": {"dataset": "digits"}})
    assert busy.status_code == 409
    assert busy.json()["error"] == t("web.err.busy", "en")
    assert client.get("/api/train/state").json()["running"] is True
    client.post("/api/train/stop", json={})
    events = read_events(client, run)
    assert events[-1]["type"] == "done" and events[-1]["interrupted"] is True
    assert client.get("/api/train/state").json()["running"] is False
    assert client.get("/api/train/events?run=999").status_code == 404


def test_datasets_list(client):
    data = client.get("/api/datasets").json()["datasets"]
    names = {d["name"]: d for d in data}
    assert names["digits"]["available"] is True
    assert {"mnist", "fashion-mnist", "digits", "mnist-5k"} <= set(names)


# ------------------------------------------------------------------ handprop serve


def test_serve_help():
    assert main(["serve", "--help"]) == 0


def test_serve_reports_a_busy_port(capsys):
    taken = bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port), "--lang", "en"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("Error: serve: cannot listen on 127.0.0.1 port")
    finally:
        taken.close()


def test_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert allowed_hosts("0.0.0.0") is None
    assert "localhost" in allowed_hosts("127.0.0.1")
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.family == socket.AF_INET
        assert url_of(sock) == f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        sock.close()


def test_a_handler_works_alone_without_a_server():
    from handprop.web import app as web

    data = web.parse_problem(None, {"filename": "p.json", "text": json.dumps(example())}, "en")
    assert data["problem"]["W"] == WORKED_EXAMPLE["W"]
    assert data["problem_text"]["lr"] == "0.1"
    with pytest.raises(HandpropError) as info:
        web.parse_problem(None, {"filename": 7, "text": "{}"}, "en")
    assert info.value.params["name"] == "filename"
    toml = web.to_toml(None, {"problem": example()}, "zh")
    assert toml["filename"] == "problem.toml"
    assert problem_from_mapping(parse_problem_text(toml["toml"], "p", "TOML")).lr == 0.1
