"""Running one input through a real entry point and seeing what a user would see.

Four entry points, as a user meets them:

* ``cli``: :func:`handprop.cli.main` in this process (what ``handprop ...`` runs);
* ``process``: a real ``python -m handprop ...`` child process;
* ``api``: a call of the Python API, whose HandpropError is the message;
* ``web``: a request to the web app through Starlette's TestClient.

:func:`snapshot` records every file and folder under a directory (size, time, content hash) so a
test can show that a refused input created or changed nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass
class Run:
    """What a case runs, and what the user must be told.

    Exactly one of ``argv`` (cli/process), ``call`` (api) or ``request`` (web) is set.
    ``expect`` are pieces the one-line message must contain (the input's name and what was
    expected); ``status`` the HTTP status of a web case; ``prefix`` how a CLI error line
    starts; ``check`` runs extra assertions on the outcome of an accepted input;
    ``path_first`` are folders put first on a child process's ``PYTHONPATH`` (to hide a
    package behind a module that fails to import).
    """

    argv: list[str] | None = None
    call: Callable[[], Any] | None = None
    request: Mapping[str, Any] | None = None
    expect: tuple[str, ...] = ()
    status: int | None = None
    prefix: str = "Error: "
    check: Callable[[Outcome], None] | None = None
    path_first: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What came back: exit code (or HTTP status), the outputs, and the one message."""

    code: int
    stdout: str = ""
    stderr: str = ""
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def run_cli(argv: list[str]) -> Outcome:
    """``handprop.cli.main(argv)`` with stdout and stderr captured."""
    from handprop.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Outcome(code, out.getvalue(), err.getvalue(), err.getvalue().strip())


def child_env(cwd: Path) -> dict[str, str]:
    """The environment of a child ``python -m handprop``: English, this source tree first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env["LANG"] = "C.UTF-8"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    env.setdefault("HANDPROP_DATA_DIR", str(cwd / "data-root"))
    return env


def run_process(
    argv: list[str], cwd: Path, timeout: float = 120, path_first: tuple[str, ...] = ()
) -> Outcome:
    """A real ``python -m handprop argv`` in ``cwd`` (``path_first`` before its PYTHONPATH)."""
    env = child_env(cwd)
    env["PYTHONPATH"] = os.pathsep.join([*path_first, env["PYTHONPATH"]])
    proc = subprocess.run(
        [sys.executable, "-m", "handprop", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr, proc.stderr.strip())


def run_api(call: Callable[[], Any]) -> Outcome:
    """``call()``: a HandpropError becomes the outcome (its exit code, its message)."""
    from handprop.errors import HandpropError

    try:
        value = call()
    except HandpropError as err:
        return Outcome(err.exit_code, message=str(err), extra={"error": err})
    return Outcome(0, extra={"value": value})


def run_web(request: Mapping[str, Any]) -> Outcome:
    """One request to a fresh web app; the JSON ``error`` is the message."""
    from starlette.testclient import TestClient

    from handprop.web.app import create_app

    req = dict(request)
    method, url = req.pop("method"), req.pop("url")
    app_kwargs = req.pop("app", {})
    with TestClient(create_app(**app_kwargs)) as client:
        response = client.request(method, url, **req)
    message = ""
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict):
            message = str(body.get("error", ""))
    return Outcome(response.status_code, stdout=response.text, message=message)


def execute(entry: str, run: Run, cwd: Path) -> Outcome:
    if entry == "cli":
        return run_cli(run.argv or [])
    if entry == "process":
        return run_process(run.argv or [], cwd, path_first=run.path_first)
    if entry == "api":
        assert run.call is not None
        return run_api(run.call)
    if entry == "web":
        assert run.request is not None
        return run_web(run.request)
    raise ValueError(f"unknown entry point {entry!r}")


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every file and folder under ``root``: kind, size, mtime and (files up to 1 MiB) SHA-256.

    Larger files (the sparse "huge" inputs) are compared by size and mtime only, so that a
    snapshot never reads gigabytes.
    """
    state: dict[str, tuple[Any, ...]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        rel = path.relative_to(root).as_posix()
        if path.is_dir() and not path.is_symlink():
            state[rel] = ("dir", st.st_mode)
        elif st.st_size <= 1 << 20 and path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[rel] = ("file", st.st_size, st.st_mtime_ns, digest)
        else:
            state[rel] = ("file", st.st_size, st.st_mtime_ns)
    return state


def json_body(outcome: Outcome) -> Any:
    return json.loads(outcome.stdout)


def fuzz_examples() -> int:
    """Examples per fuzz target: ``$HANDPROP_FUZZ_EXAMPLES``, else a short run for CI (150)."""
    value = os.environ.get("HANDPROP_FUZZ_EXAMPLES", "").strip()
    return int(value) if value else 150
