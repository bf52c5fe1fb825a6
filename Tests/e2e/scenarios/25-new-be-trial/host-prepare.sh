#!/usr/bin/env bash
# The trial units and efibootmgr (trial-host-prepare.sh), and 21-new-be's guest helpers.
set -euo pipefail
"$(dirname "$0")/../../scripts/trial-host-prepare.sh" "$@"
cp "$(dirname "$0")/../21-new-be/lib-new-be.sh" "$1/"
