"""Security: no pickles from files, and a web server that stays local and serves only itself.

* A model or checkpoint file can carry a pickle (an object array in the ``.npz``); unpickling
  runs code. The payload here creates a marker file when unpickled; the test first proves it is
  live (``np.load(..., allow_pickle=True)`` creates the marker), then that every loader refuses
  it with one line and that the marker never appears.
* ``handprop serve`` binds 127.0.0.1 unless told otherwise, and a server on a loopback address
  answers only loopback host names (a page on another site cannot reach it by DNS rebinding).
* Only the app's own static files are served: traversal attempts get 404.
* A whole session of the web app opens no network connection, and its pages load nothing from
  elsewhere (a strict Content-Security-Policy, no external URL in the HTML, CSS or JS).
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from handprop.errors import FileFormatError

from .cases import Kit, TouchOnUnpickle, pickle_npz
from .harness import run_cli


@pytest.fixture
def evil(tmp_path: Path, kit: Kit) -> tuple[Path, Path]:
    """A model file whose W is a pickle that creates ``tmp_path/PWNED``; and that path."""
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle_npz(kit, tmp_path))
    return path, tmp_path / "PWNED"


@pytest.mark.guarantee("no-pickle")
def test_the_payload_is_live(evil: tuple[Path, Path]) -> None:
    path, marker = evil
    with np.load(path, allow_pickle=True) as npz:
        npz["W"]  # what a careless loader would do
    assert marker.exists()


@pytest.mark.guarantee("no-pickle")
def test_loaders_refuse_the_payload_without_running_it(
    evil: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handprop.model import load_model
    from handprop.train import TrainState

    path, marker = evil
    with pytest.raises(FileFormatError, match="pickled object, which is never loaded"):
        load_model(path)
    with pytest.raises(FileFormatError, match="not a usable handprop checkpoint"):
        TrainState.load(path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HANDPROP_DATA_DIR", str(tmp_path / "data-root"))
    picture = tmp_path / "d.png"
    picture.write_bytes(b"\x89PNG not really")
    for argv in (
        ["evaluate", str(path), "--dataset", "digits"],
        ["predict", str(path), str(picture)],
        ["train", "--dataset", "digits", "--epochs", "2", "--resume", "--checkpoint", str(path)],
    ):
        outcome = run_cli(argv)
        assert outcome.code == 2 and outcome.message.startswith(f"Error: {path}: not a")
    assert not marker.exists()


@pytest.mark.guarantee("no-pickle")
def test_a_pickle_planted_in_the_decoded_cache_is_not_loaded(
    tmp_path: Path, kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decoded-data cache (.npy files) is read without pickles: a planted one is ignored
    and the data are decoded again from the source."""
    from handprop.data.datasets import load_dataset

    root = tmp_path / "root"
    first = load_dataset("mnist-5k", data_dir=root)
    decoded = root / "mnist-5k" / "decoded"
    evil = np.empty(1, dtype=object)
    evil[0] = TouchOnUnpickle(tmp_path / "PWNED")
    manifest = json.loads((decoded / "manifest.json").read_text())
    np.save(decoded / "X_train.npy", evil, allow_pickle=True)
    stat = (decoded / "X_train.npy").stat()
    manifest["arrays"]["X_train"].update(
        shape=[1], dtype="object", bytes=stat.st_size, mtime_ns=stat.st_mtime_ns
    )
    (decoded / "manifest.json").write_text(json.dumps(manifest))
    again = load_dataset("mnist-5k", data_dir=root)
    assert not (tmp_path / "PWNED").exists()
    np.testing.assert_array_equal(again.X_train, first.X_train)


# ------------------------------------------------------------------------------ the web server


@pytest.mark.guarantee("web-loopback")
def test_serve_binds_loopback_by_default() -> None:
    from handprop.commands.serve import serve
    from handprop.web.server import DEFAULT_HOST, bind

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == DEFAULT_HOST == "127.0.0.1"
    sock = bind(port=0)  # the defaults of the function the command calls
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


@pytest.mark.guarantee("web-loopback")
@pytest.mark.parametrize(
    ("host", "status"),
    [("127.0.0.1", 200), ("localhost", 200), ("evil.example", 400), ("192.168.1.10", 400)],
)
def test_a_loopback_server_answers_only_loopback_names(host: str, status: int) -> None:
    from starlette.testclient import TestClient

    from handprop.web.app import create_app
    from handprop.web.server import allowed_hosts

    app = create_app(allowed_hosts=allowed_hosts("127.0.0.1"))
    with TestClient(app, base_url=f"http://{host}:8765") as client:
        assert client.get("/").status_code == status


TRAVERSALS = [
    "/static/../app.py",
    "/static/..%2fapp.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static//etc/passwd",
    "/static/app.py",
    "/static/__init__.py",
    "/static/style.css%00.js",
    "/static/STYLE.CSS",
    "/static/.style.css",
    "/../../../../etc/passwd",
    "/templates/step.html",
    "/web/app.py",
]


@pytest.mark.guarantee("web-assets")
@pytest.mark.parametrize("url", TRAVERSALS)
def test_path_traversal_finds_nothing(url: str) -> None:
    from starlette.testclient import TestClient

    from handprop.web.app import create_app

    with TestClient(create_app()) as client:
        response = client.get(url)
    assert response.status_code == 404
    assert b"import " not in response.content and b"root:" not in response.content


@pytest.mark.guarantee("web-assets")
def test_exactly_the_packaged_assets_are_served() -> None:
    from importlib import resources

    from starlette.testclient import TestClient

    from handprop.web.app import create_app

    folder = resources.files("handprop.web") / "static"
    names = sorted(e.name for e in folder.iterdir() if e.is_file())
    assert names
    with TestClient(create_app()) as client:
        for name in names:
            response = client.get(f"/static/{name}")
            assert response.status_code == 200
            assert response.content == (folder / name).read_bytes()


class _NoNetwork:
    """Records (and blocks) every attempt to open a network connection or resolve a name."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[str] = []
        for name in ("connect", "connect_ex", "sendto"):
            monkeypatch.setattr(socket.socket, name, self._refuse(f"socket.{name}"))
        monkeypatch.setattr(socket, "create_connection", self._refuse("create_connection"))
        monkeypatch.setattr(socket, "getaddrinfo", self._refuse("getaddrinfo"))

    def _refuse(self, what: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            self.attempts.append(f"{what}{args[1:]!r}"[:120])
            raise OSError(f"network access blocked by the test ({what})")

        return refuse


EXTERNAL = re.compile(
    rb"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//"""
)


@pytest.mark.guarantee("web-offline")
def test_a_web_session_opens_no_connection_and_loads_nothing_external(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from handprop.web.app import create_app

    monkeypatch.setenv("HANDPROP_DATA_DIR", str(tmp_path / "data-root"))
    guard = _NoNetwork(monkeypatch)
    problem = {
        "X": [0.5, 0.6, 0.7],
        "W": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]],
        "b": [0.1, 0.2, 0.3],
        "y": 1,
        "lr": 0.1,
    }
    with TestClient(create_app()) as client:
        responses = [client.get(page) for page in ("/", "/train", "/exercise", "/?lang=zh")]
        html = b"".join(r.content for r in responses)
        assets = re.findall(rb"/static/([A-Za-z0-9_.-]+)", html)
        responses += [client.get(f"/static/{name.decode()}") for name in set(assets)]
        for url in ("/api/texts?lang=zh", "/api/example", "/api/datasets", "/api/train/state"):
            responses.append(client.get(url))
        for url, body in (
            ("/api/step", {"problem": problem, "decimals": 3}),
            ("/api/problem/parse", {"filename": "p.json", "text": json.dumps(problem)}),
            ("/api/problem/toml", {"problem": problem}),
            ("/api/random", {"seed": 1, "classes": 3, "features": 2}),
            ("/api/exercise/new", {"seed": 1, "classes": 3, "features": 2}),
            ("/api/exercise/check", {"problem": problem, "answers": {"Z": [0.48, 1.12, 1.76]}}),
            ("/api/train/start", {"settings": {"dataset": "digits", "epochs": 1}}),
        ):
            responses.append(client.post(url, json=body))
        run = responses[-1].json()["run"]
        with client.stream("GET", f"/api/train/events?run={run}") as events:
            lines = [line for line in events.iter_lines() if line.startswith("data: ")]
        assert json.loads(lines[-1][6:])["type"] == "done"
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    for response in responses:
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert len(assets) >= 2
    for response in responses[:-1]:
        if response.headers["content-type"].startswith(
            ("text/html", "text/css", "text/javascript")
        ):
            assert not EXTERNAL.search(response.content), response.url
    assert guard.attempts == []
    assert not (tmp_path / "data-root").exists() or not any((tmp_path / "data-root").rglob("*.gz"))
