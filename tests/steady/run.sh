#!/usr/bin/env bash
# Steadiness under load (issue 18, acceptance 4): the integration and end-to-end levels, run N
# times in a row (default 5) with two CPU-bound processes beside them on the same machine;
# every run must pass. Outside `make test` (each run takes several minutes); `make steady`
# runs it and prints how long each run took.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
burners=()
cleanup() { kill "${burners[@]}" 2>/dev/null || true; }
trap cleanup EXIT
for _ in 1 2; do
  .venv/bin/python -c 'while True: pass' &
  burners+=("$!")
done
for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs, with two CPU-bound processes beside it"
  start=$(date +%s)
  TMPDIR=${TMPDIR:-/dev/shm} .venv/bin/pytest -q -p no:cacheprovider -n "${WORKERS:-auto}" --dist loadscope --no-loadscope-reorder \
    -m "integration or e2e" tests/integration tests/e2e
  echo "== run $run passed in $(($(date +%s) - start)) s"
done
echo "steady: $runs of $runs runs passed under load"
