#!/usr/bin/env bash
# Puts the shared --new-be guest helpers (scenario 21's) on the exchange disk.
set -euo pipefail
cp "$(dirname "$0")/../21-new-be/lib-new-be.sh" "$1/"
