# Two entry points, each doing its own set-up on a fresh machine (Python 3.11 + pip):
#   make run    create .venv, install pinned dependencies, run the quick suite, write its report
#   make test   create .venv, install pinned dependencies, run the fast test tier
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUITE ?= quick
JOBS ?= 2
PYTEST_ARGS ?=
export NTKBENCH_DATA ?= $(abspath ../shared/data)

.PHONY: run test test-all bench install clean

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

bench: $(STAMP)
	$(BIN)/asv machine --yes > /dev/null
	$(BIN)/asv run --python=same --quick --show-stderr

clean:
	rm -rf $(VENV) results .asv
