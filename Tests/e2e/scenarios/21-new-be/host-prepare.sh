#!/usr/bin/env bash
# Puts the scenario's shared guest helpers on the exchange disk.
set -euo pipefail
cp "$(dirname "$0")/lib-new-be.sh" "$1/"
