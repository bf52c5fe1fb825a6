#!/usr/bin/env bash
# Host side: optionally export phase 2's kupgrade recording (E2E_RECORD_PKGDB_TO=dir).
set -euo pipefail
wd=$1
[[ -d $wd/phase2.out/rec/commands ]] || { echo "no recording in $wd/phase2.out/rec"; exit 1; }
if [[ -n ${E2E_RECORD_PKGDB_TO:-} ]]; then
    rm -rf "$E2E_RECORD_PKGDB_TO"; mkdir -p "$(dirname "$E2E_RECORD_PKGDB_TO")"
    cp -a "$wd/phase2.out/rec" "$E2E_RECORD_PKGDB_TO"
    cp "$wd/phase2.out/kupgrade.stdout" "$wd/phase2.out/kupgrade.stderr" "$wd/phase2.out/kupgrade.exit" "$wd/phase2.out/facts" "$E2E_RECORD_PKGDB_TO/../" 2>/dev/null || true
fi
