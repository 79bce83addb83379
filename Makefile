# Quick start: `make demo` and `make test` on a fresh machine.
#
# `make demo` installs only what the demo needs, the core dependencies and the compiled kernel,
# with uv (a fast installer from PyPI, fetched into .venv/.uv): 12-17 s on a fresh clone of
# this project's shared 2-core VM, where `pip install -e '.[test]'` took 142-176 s (of the
# 12-17 s: fetching uv 4 s, building the kernel 6.5 s, installing 25 packages 0.3 s from uv's
# cache, 14-16 s in all with an empty cache). `make test` adds the test extras to the same
# .venv with pip, which honours the machine's pip configuration (the CPU wheel of torch that
# the `torch` extra pins).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(VENV)/.uv/bin/uv
CORE := $(VENV)/.core-installed
TESTS := $(VENV)/.test-installed

.PHONY: demo test lint bench clean

$(UV):
	$(PYTHON) -m venv --without-pip $(VENV)
	PIP_ROOT_USER_ACTION=ignore $(PYTHON) -m pip install --quiet --disable-pip-version-check \
		--no-deps --target $(VENV)/.uv 'uv>=0.5'

# pip goes into the venv too, so that `.venv/bin/pip install ...` works as in any venv.
$(CORE): pyproject.toml setup.py src/handprop/_native.c | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -e . pip
	touch $@

# uv does not byte-compile (part of why it is quick); the tests compile what it installed, so that they import as from a pip install (where PYTHONDONTWRITEBYTECODE is set,
# nothing else would, and the allocation tests of tests/robustness would trace the compiler).
# Like pip's, this skips files written for newer Pythons (torch ships some): hence `|| true`.
$(TESTS): $(CORE)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(BIN)/python -m compileall -qq -j 0 $(VENV)/lib || true
	touch $@

demo: $(CORE)
	$(BIN)/handprop demo

lint: $(TESTS)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m mypy

test: $(TESTS) lint
	$(BIN)/python -m pytest -q

# Side-by-side training benchmark (benchmarks/README.md); BENCH_ARGS=--quick for a short run.
# OpenBLAS tuning variables are unset for this command only, so it measures the defaults.
bench: $(TESTS)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/bench_train.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache .hypothesis src/handprop/_native*.so
