#!/usr/bin/env bash
# Host side: export every recording (E2E_RECORD_TO=dir → dir/rec-*/ and dir/phaseN.out).
set -euo pipefail
wd=$1
for p in 1 2; do for d in "$wd"/phase$p.out/rec-*/; do
    [[ -d $d/rec/commands ]] || { echo "no recording in $d"; exit 1; }
done; done
if [[ -n ${E2E_RECORD_TO:-} ]]; then
    rm -rf "$E2E_RECORD_TO"; mkdir -p "$E2E_RECORD_TO"
    for p in 1 2; do cp -a "$wd"/phase$p.out/rec-* "$E2E_RECORD_TO/"; cp -a "$wd/phase$p.out" "$E2E_RECORD_TO/phase$p.out"; done
fi
