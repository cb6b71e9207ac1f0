# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv on first use and installs everything from this repository.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Real recordings used by the tests (read as files, never imported).
TRAFFIC := traffic==2.13

.PHONY: demo test lint bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lint,plot]"
	$(BIN)/python -m pip install --quiet --no-deps $(TRAFFIC)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/skywitness demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

fuzz: $(STAMP)
	$(BIN)/python bench/fuzz.py

clean:
	rm -rf $(VENV) skywitness-data .pytest_cache .mypy_cache .ruff_cache
