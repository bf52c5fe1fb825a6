#!/usr/bin/env bash
# Host side: the recording came back and shows no DKMS rebuild; optionally export it
# (E2E_RECORD_TO=dir, see Tests/e2e/import-recording).
set -euo pipefail
wd=$1
o=$wd/phase1.out
[[ -d $o/rec/commands ]] || { echo "no recording in $o/rec"; exit 1; }
[[ $(cat "$o/kupgrade.exit") == 0 ]] || { echo "kupgrade exit $(cat "$o/kupgrade.exit")"; exit 1; }
if grep -lx autoinstall "$o"/rec/commands/*/argv >/dev/null 2>&1; then echo "dkms autoinstall was run"; exit 1; fi
grep -q '^ID=ubuntu$' "$o/rec/root/etc/os-release" || { echo "the recording did not read the Ubuntu os-release"; exit 1; }
ls "$o"/rec/root/lib/modules/*/kernel/zfs/zfs.ko.zst >/dev/null 2>&1 || { echo "zfs.ko.zst under kernel/zfs not in the recording"; exit 1; }
if [[ -n ${E2E_RECORD_TO:-} ]]; then
    rm -rf "$E2E_RECORD_TO"; mkdir -p "$E2E_RECORD_TO"
    cp -a "$o/." "$E2E_RECORD_TO/"
fi
