# The project's task entry point: the README and .ci/run use these targets and nothing else.
#   make demo   set up .venv, ingest the bundled sample into the embedded store, serve API + page
#   make test   set up .venv (with dev tools), a browser and a real Neo4j, then lint and run every test

PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000
BIN    := $(VENV)/bin

.PHONY: setup dev demo test lint pytest schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

setup: $(VENV)/.installed
dev: $(VENV)/.installed-dev

demo: setup
	$(BIN)/loupan demo --host $(HOST) --port $(PORT)

lint: dev
	$(BIN)/ruff check .
	MYPY=$(BIN)/mypy bash scripts/typecheck.sh

pytest: dev
	bash scripts/install-browser.sh
	$(BIN)/python scripts/neo4j_server.py fetch
	LOUPAN_TEST_NEO4J=start $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint pytest

clean:
	rm -rf $(VENV) loupan-data .pytest_cache .mypy_cache .ruff_cache test-artifacts
