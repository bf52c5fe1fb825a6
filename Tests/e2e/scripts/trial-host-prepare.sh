#!/usr/bin/env bash
# Host side of the trial scenarios (15-17), before each phase: the kldload systemd units of this
# checkout (kldload-health.service, kldload-trial-confirm.service, kldload-trial-timeout.*, as
# shipped under Sources/dist) into ./units on the exchange disk; install_units installs them.
# And efibootmgr with its libraries (kbe drives the boot entries with it; the image has none):
# the guest release's .debs the ZFSBootMenu stand-in was built with, into ./efi-debs.
set -euo pipefail
src=$1
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$src/units"
found=0
while IFS= read -r -d '' u; do cp "$u" "$src/units/"; found=1; done < <(
    find "$repo/Sources/dist" -type f \( -name 'kldload-health.service' -o -name 'kldload-trial-*.service' \
        -o -name 'kldload-trial-*.timer' \) -print0 2>/dev/null)
debs="$(ls -td "${E2E_CACHE:-/var/cache/kldload-e2e}"/zbm-*/debs 2>/dev/null | head -1)"
[[ -n $debs ]] || { echo "no ZFSBootMenu stand-in in the cache (its .debs carry efibootmgr)"; exit 1; }
mkdir -p "$src/efi-debs"
cp "$debs"/efibootmgr_*.deb "$debs"/libefiboot*.deb "$debs"/libefivar*.deb "$debs"/libpopt*.deb "$src/efi-debs/"
((found)) || { echo "no kldload trial units (kldload-health.service, kldload-trial-*) under Sources/dist in this checkout"; exit 1; }
