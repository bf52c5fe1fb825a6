#!/usr/bin/env bash
# Puts the timing script (bash, for its `time` keyword) on the exchange disk.
set -euo pipefail
cp "$(dirname "$0")/figures.bash" "$1/"
