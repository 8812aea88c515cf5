# The README's commands. Each target installs what it needs on a fresh machine, then does its job.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HAVE_NPM := $(shell command -v npm >/dev/null 2>&1 && echo yes)

.PHONY: run test lint typecheck unit bench manifest clean setup

run: $(PY_STAMP) node
	@bash scripts/run-local.sh

test: $(PY_STAMP) node lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

unit: $(PY_STAMP)
	$(BIN)/pytest -m "not e2e and not browser" $(PYTEST_ARGS)

bench: $(PY_STAMP)
	$(BIN)/python -m bench

manifest: $(PY_STAMP)
	$(BIN)/remedi manifest build

setup: $(PY_STAMP) node

$(PY_STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "ReMEDI bot needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

ifeq ($(HAVE_NPM),yes)
node: $(NODE_STAMP)
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@
else
node:
	@echo "Node.js/npm not found: the Agents Playground and browser tests are unavailable (see README)."
endif

clean:
	rm -rf $(VENV) node_modules dist .mypy_cache .ruff_cache .pytest_cache
