"""The browser tier: skipped with a reason where Chromium is missing, required when CI=true."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).parent / "test_web_browser.py"


def run_browser_tests(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["HANDPROP_CHROMIUM"] = "/nonexistent/chromium"
    if ci is not None:
        env["CI"] = ci
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "-x"]
    return subprocess.run(
        [*argv, str(BROWSER_TESTS)], env=env, capture_output=True, text=True, timeout=120
    )


def test_without_chromium_the_browser_tests_are_skipped_with_the_reason():
    result = run_browser_tests(ci=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" in result.stdout and "Chromium is missing" in result.stdout
    assert "passed" not in result.stdout and "error" not in result.stdout


def test_in_ci_a_missing_chromium_is_a_failure():
    result = run_browser_tests(ci="true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CI=true: the browser tests must run" in result.stdout
    assert "skipped" not in result.stdout


@pytest.mark.parametrize("name", ["browser"])
def test_the_marker_is_registered(pytestconfig, name):
    markers = pytestconfig.getini("markers")
    assert any(line.startswith(f"{name}:") for line in markers)
