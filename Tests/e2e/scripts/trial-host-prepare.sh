#!/usr/bin/env bash
# Host side of the trial scenarios (15-17), before each phase: the kldload systemd units of this
# checkout (kldload-health.service, kldload-trial-confirm.service, kldload-trial-timeout.*, as
# shipped under Sources/dist) into ./units on the exchange disk; install_units installs them.
set -euo pipefail
src=$1
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$src/units"
found=0
while IFS= read -r -d '' u; do cp "$u" "$src/units/"; found=1; done < <(
    find "$repo/Sources/dist" -type f \( -name 'kldload-health.service' -o -name 'kldload-trial-*.service' \
        -o -name 'kldload-trial-*.timer' \) -print0 2>/dev/null)
((found)) || { echo "no kldload trial units (kldload-health.service, kldload-trial-*) under Sources/dist in this checkout"; exit 1; }
