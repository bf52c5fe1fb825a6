#!/bin/bash
# Captures mokutil output on this machine (a VM without EFI: /sys/firmware/efi absent).
set -eu
. "$(dirname "$0")/lib.sh"
VER=$(dpkg-query -W -f '${Version}' mokutil)
OUT="$FIX/mokutil/${VER%%-*}-debian12"
fresh "$OUT"
cap "$OUT" sb-state-no-efi -- mokutil --sb-state
cap "$OUT" list-enrolled-no-efi -- mokutil --list-enrolled
write_provenance "$OUT" "mokutil captures (no EFI)" "mokutil (Debian package mokutil $VER)" mokutil.sh \
"The machine is a VM booted without EFI: \`/sys/firmware/efi\` $( [ -d /sys/firmware/efi ] && echo exists || echo 'does not exist'), so mokutil cannot read the
EFI variables; these files show exactly what it prints and returns in that case. mokutil has no --version option; the
version is the Debian package version."
