# Two commands on a fresh machine: `make demo` and `make test`.
# Both use one .venv, created on first use; each installs what it needs from
# this repository, once (a stamp file per set), so either can come first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo: the package and its plotting extra (PNG maps), nothing else.
DEMO_STAMP := $(VENV)/.installed-demo
# The tests: the test extra (with pyspark, for the Spark engine's tests; they
# need Java 17+, which .ci/run installs when missing), plotting and pandas (the
# PNG and DataFrame tests run rather than skip), and the real recordings.
TEST_STAMP := $(VENV)/.installed-test
# Lint: ruff and mypy, checking against the packages the tests install.
LINT_STAMP := $(VENV)/.installed-lint
# Real recordings used by the tests (read as files, never imported).
TRAFFIC := traffic==2.13

.PHONY: demo test test-slow lint bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,plot,pandas]"
	$(BIN)/python -m pip install --quiet --no-deps $(TRAFFIC)
	touch $@

$(LINT_STAMP): pyproject.toml $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,plot,pandas,lint]"
	touch $@

demo: $(DEMO_STAMP)
	$(BIN)/skywitness demo

# The suite without the tests marked slow (end-to-end runs of whole scenarios);
# `make test-slow` runs those, and CI (.ci/run) runs both.
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not slow"

test-slow: $(TEST_STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(LINT_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(BIN)/python bench/ingest.py

fuzz: $(TEST_STAMP)
	$(BIN)/python bench/fuzz.py

clean:
	rm -rf $(VENV) skywitness-data skywitness-data-sample skywitness-data-out \
		.pytest_cache .mypy_cache .ruff_cache
