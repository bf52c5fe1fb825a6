#!/usr/bin/env bash
# Puts the timing script (bash, for its `time` keyword) on the exchange disk.
set -euo pipefail
cp "$(dirname "$0")/figures.bash" "$1/"
# The snapshot counts of part 2 and the rounds at each (README): E2E_28_SIZES, E2E_28_ROUNDS.
printf '%s\n' "${E2E_28_SIZES:-10000 100000}" >"$1/sizes"
printf '%s\n' "${E2E_28_ROUNDS:-}" >"$1/rounds"
