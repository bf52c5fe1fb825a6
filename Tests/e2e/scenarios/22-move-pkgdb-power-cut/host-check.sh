#!/usr/bin/env bash
# Host side: export the recordings (E2E_RECORD_TO=dir → dir/rec-*/).
set -euo pipefail
wd=$1
[[ -d $wd/phase1.out/rec-move/rec/commands ]] || { echo "no kbe move-pkgdb recording"; exit 1; }
if [[ -n ${E2E_RECORD_TO:-} ]]; then
    rm -rf "$E2E_RECORD_TO"; mkdir -p "$E2E_RECORD_TO"
    for p in 1 2 3; do [[ -d $wd/phase$p.out ]] || continue
        cp -a "$wd"/phase$p.out/rec-* "$E2E_RECORD_TO/" 2>/dev/null || true
        cp -a "$wd/phase$p.out" "$E2E_RECORD_TO/phase$p.out"; done
fi
