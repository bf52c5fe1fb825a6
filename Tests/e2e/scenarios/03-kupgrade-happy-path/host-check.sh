#!/usr/bin/env bash
# Host side: the recording came back; optionally export it (E2E_RECORD_TO=dir).
set -euo pipefail
wd=$1
[[ -d $wd/phase1.out/rec/commands ]] || { echo "no recording in $wd/phase1.out/rec"; exit 1; }
if [[ -n ${E2E_RECORD_TO:-} ]]; then
    rm -rf "$E2E_RECORD_TO"; mkdir -p "$(dirname "$E2E_RECORD_TO")"
    cp -a "$wd/phase1.out/rec" "$E2E_RECORD_TO"
    cp "$wd/phase1.out/kupgrade.stdout" "$wd/phase1.out/kupgrade.stderr" "$wd/phase1.out/kupgrade.exit" "$wd/phase1.out/facts" "$E2E_RECORD_TO/../" 2>/dev/null || true
fi
