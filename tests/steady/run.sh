#!/usr/bin/env bash
# The tests that once raced on read-your-writes under load, run N times in a row (default 5)
# with two CPU-bound processes beside them on the same machine: every run must pass.
# Outside `make test` (it takes several minutes); `make steady` runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
tests=(
  "tests/integration/test_reporting_osservatorio.py::test_coordinator_sees_exact_counts_and_indicators"
  "tests/integration/test_no_personal_data_leaks.py"
)
burners=()
cleanup() { kill "${burners[@]}" 2>/dev/null || true; }
trap cleanup EXIT
for _ in 1 2; do
  .venv/bin/python -c 'while True: pass' &
  burners+=("$!")
done
for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs, with two CPU-bound processes beside it"
  .venv/bin/pytest -q -p no:cacheprovider "${tests[@]}"
done
echo "steady: $runs of $runs runs passed under load"
