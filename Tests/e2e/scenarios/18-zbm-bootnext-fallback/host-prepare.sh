#!/usr/bin/env bash
# efibootmgr and its libraries (the .debs the ZFSBootMenu stand-in was built with) into ./efi-debs.
set -euo pipefail
debs="$(ls -td "${E2E_CACHE:-/var/cache/kldload-e2e}"/zbm-*/debs 2>/dev/null | head -1)"
[[ -n $debs ]] || { echo "no ZFSBootMenu stand-in in the cache"; exit 1; }
mkdir -p "$1/efi-debs"
cp "$debs"/efibootmgr_*.deb "$debs"/libefiboot*.deb "$debs"/libefivar*.deb "$debs"/libpopt*.deb "$1/efi-debs/"
