#!/usr/bin/env bash
# `npm test`: type check, lint, the unit tests (mocha) and the appender's Python tests. Every step
# runs even when an earlier one fails; the summary gives each step's time and the exit status is
# non-zero when any step failed. Needs nothing beside the project.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
failed=()
summary=()
step() {
  local name=$1
  shift
  local start=$(date +%s%N)
  "$@" || failed+=("$name")
  local ms=$((($(date +%s%N) - start) / 1000000))
  summary+=("$(printf '%-10s %4d.%01d s' "$name" $((ms / 1000)) $((ms % 1000 / 100)))")
}
step tsc npx tsc --noEmit
step eslint npx eslint .
step mocha npx mocha
step python python3 -m unittest discover -s images/appender -p 'test_*.py'
echo
echo "npm test: time per step"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
  echo "npm test: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "npm test: all steps passed"
