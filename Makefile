# Ambito: the two commands are `make run` (serve the demo district) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

DEMO_DIR ?= ambito-demo

.PHONY: venv run test lint typecheck unit steady bench postgres kafka clean

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
## PostgreSQL and a real Kafka broker; then the projections rebuild benchmark as a smoke test
## (it exits non-zero when the rebuilt read models do not hold what it generated).
test: venv postgres kafka lint typecheck
	$(BIN)/pytest
	$(BIN)/python -m bench.projections --events 10000

unit: venv
	$(BIN)/pytest tests/unit

## The tests that once raced on read-your-writes, five times in a row with two CPU-bound
## processes beside them (outside `make test`: several minutes).
steady: venv
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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
