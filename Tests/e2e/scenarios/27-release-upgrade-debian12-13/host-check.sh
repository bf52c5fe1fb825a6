#!/usr/bin/env bash
# Host side: export the recording of the release upgrade (E2E_RECORD_TO=dir → dir/rec-release/).
set -euo pipefail
wd=$1
[[ -d $wd/phase1.out/rec-release/rec/commands ]] || { echo "no recording in $wd/phase1.out/rec-release"; exit 1; }
if [[ -n ${E2E_RECORD_TO:-} ]]; then
    rm -rf "$E2E_RECORD_TO"; mkdir -p "$E2E_RECORD_TO"
    cp -a "$wd/phase1.out/rec-release" "$E2E_RECORD_TO/"
    for p in 1 2 3; do cp -a "$wd/phase$p.out" "$E2E_RECORD_TO/phase$p.out"; done
fi
