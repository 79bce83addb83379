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
DOCS := $(VENV)/.docs-installed

.PHONY: demo test lint bench docs clean

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
# The docs extra comes in the same pip call: `make test` builds the documentation too.
$(TESTS): $(CORE)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,docs]'
	$(BIN)/python -m compileall -qq -j 0 $(VENV)/lib || true
	touch $@ $(DOCS)

# Sphinx, numpydoc and the theme (the `docs` extra), with pip as for the tests.
$(DOCS): $(CORE)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[docs]'
	touch $@

demo: $(CORE)
	$(BIN)/handprop demo

lint: $(TESTS)
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/ruff format --check src tests benchmarks docs
	$(BIN)/python -m mypy

# The tests include the examples of the docstrings and of the guides (doctests). The site is
# built first, as a check that every page, docstring and reference still builds (51-56 s on
# the project's 2-core machine while others ran tests too), so that pytest's summary stays the
# last line.
test: $(TESTS) lint docs
	$(BIN)/python -m pytest -q

# Side-by-side training benchmark (benchmarks/README.md); BENCH_ARGS=--quick for a short run.
# OpenBLAS tuning variables are unset for this command only, so it measures the defaults.
bench: $(TESTS)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/bench_train.py $(BENCH_ARGS)

# The documentation site, offline, into docs/_build/html: every warning and every reference that
# does not resolve fails it (-W -n; --keep-going lists them all first). -E reads every page
# again, so that the API pages follow the docstrings and the examples the program's output; the
# folder is emptied first, as Sphinx would keep the pages of removed files and the search terms
# of earlier builds (the whole site is built anew anyway).
docs: $(DOCS)
	rm -rf docs/_build/html
	$(BIN)/sphinx-build -b html -E -W --keep-going -n -q docs docs/_build/html
	@echo "The documentation is in docs/_build/html/index.html"

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache .hypothesis src/handprop/_native*.so \
		docs/_build docs/api
