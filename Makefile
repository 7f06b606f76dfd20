# Two entry points, each doing its own set-up on a fresh machine (Python 3.11 + pip):
#   make run    create .venv, install pinned dependencies, run the quick suite, write its report
#   make test   create .venv, install pinned dependencies, run the fast test tier
#   make bench  run the asv benchmarks once each and record them for the checked-out commit
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUITE ?= quick
JOBS ?= 2
PYTEST_ARGS ?=
ASV_ARGS ?= --quick
export NTKBENCH_DATA ?= $(abspath ../shared/data)

.PHONY: run test test-all bench bench-check install clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c requirements/constraints.txt -r requirements/dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ntkbench run $(SUITE) --jobs $(JOBS)
	$(BIN)/ntkbench report $(SUITE)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-all: $(STAMP)
	$(BIN)/python -m pytest -m "" $(PYTEST_ARGS)

# bench records the checked-out commit's results into .asv/results: with --python=same asv saves
# nothing unless --set-commit-hash names the commit. Each benchmark runs once (--quick);
# `make bench ASV_ARGS=` takes asv's full timing statistics instead (several times longer).
bench: $(STAMP)
	$(BIN)/asv machine --yes > /dev/null
	$(BIN)/asv run --python=same --set-commit-hash=$$(git rev-parse HEAD) --show-stderr $(ASV_ARGS)

# bench-check (CI): every benchmark imports and has valid signatures, and one runs; saves nothing.
bench-check: $(STAMP)
	$(BIN)/asv machine --yes > /dev/null
	$(BIN)/asv check --python=same
	$(BIN)/asv run --python=same --quick --dry-run --show-stderr --bench '^bench_harness\.SpectralError\.track_'

clean:
	rm -rf $(VENV) results .asv
