#!/usr/bin/env bash
# Puts the scenario's guest helpers on the exchange disk.
set -euo pipefail
cp "$(dirname "$0")/lib-paired.sh" "$(dirname "$0")/../21-new-be/lib-new-be.sh" "$1/"
