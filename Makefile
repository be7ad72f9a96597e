# Ambito: the two commands are `make run` (serve the demo district) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

DEMO_DIR ?= ambito-demo
## pytest-xdist workers: one per core by default (the run's servers and demo are shared).
WORKERS ?= auto
## Tests' files in memory where the machine has it (SQLite commits skip the disk's fsync).
TEST_TMPDIR ?= $(shell test -w /dev/shm && echo /dev/shm || echo /tmp)
PYTEST := TMPDIR=$(TEST_TMPDIR) $(BIN)/pytest -n $(WORKERS) --dist loadscope --no-loadscope-reorder

.PHONY: venv run test lint typecheck unit integration e2e steady bench postgres kafka clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

## Keys, demo district and the embedded server on http://127.0.0.1:8000 (SQLite, no Kafka).
run: venv
	$(BIN)/ambito --data-dir $(DEMO_DIR)/data --key-dir $(DEMO_DIR)/keys serve --demo

postgres:
	deploy/postgres/pg install

## Apache Kafka's jars from Maven Central, cached (the tests start a real broker from them).
kafka:
	deploy/kafka/kafka fetch

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

## The whole suite: lint, types, unit, integration and end-to-end tests on SQLite, a real
## PostgreSQL and a real Kafka broker, with line and branch coverage held to its floor
## (pyproject.toml, [tool.ambito.coverage-floor]); then the projections rebuild benchmark
## as a smoke test (it exits non-zero when the rebuilt read models do not hold what it
## generated).
test: venv postgres kafka lint typecheck
	$(PYTEST) --cov --cov-report=term:skip-covered --cov-report=json:coverage.json
	$(BIN)/python -m tests.support.coverage_floor coverage.json
	$(BIN)/python -m bench.projections --events 10000

## One level at a time (markers set by tests/conftest.py from where a test lives).
unit: venv
	$(PYTEST) -m unit tests/unit

integration: venv postgres kafka
	$(PYTEST) -m integration tests/integration

e2e: venv postgres kafka
	$(PYTEST) -m e2e tests/e2e

## The integration and end-to-end levels five times in a row with two CPU-bound processes
## beside them: every run must pass (outside `make test`: about an hour on 2 cores).
steady: venv postgres kafka
	tests/steady/run.sh 5

## Benchmarks: ledger throughput, relay, the network map, the projections rebuild (ratios
## against baselines in the same run).
bench: venv postgres kafka
	$(BIN)/python -m bench.ledger
	$(BIN)/python -m bench.relay
	$(BIN)/python -m bench.network
	$(BIN)/python -m bench.projections
	$(BIN)/python -m bench.projections --backend postgres

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage coverage.json
