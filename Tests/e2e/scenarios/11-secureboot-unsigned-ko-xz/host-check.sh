#!/usr/bin/env bash
# Host side: check the re-signed modules from outside (the host's modinfo and openssl), then
# optionally export the recording (E2E_RECORD_TO=dir, see Tests/e2e/import-recording).
set -euo pipefail
wd=$1
o=$wd/phase1.out
[[ -d $o/rec/commands ]] || { echo "no recording in $o/rec"; exit 1; }
[[ $(cat "$o/kupgrade.exit") == 0 ]] || { echo "kupgrade exit $(cat "$o/kupgrade.exit")"; exit 1; }
serial=$(openssl x509 -inform DER -in "$o/mok.pub" -noout -serial | sed 's/^serial=//')
want=$(echo "$serial" | sed 's/../&:/g; s/:$//')
initrd_zfs=$(ls "$o"/initrd-zfs.ko* 2>/dev/null | head -1)
[[ -n $initrd_zfs ]] || { echo "no zfs module brought out of the rebuilt initramfs"; exit 1; }
# zfs, spl and every module zfs.ko depends on (OpenZFS 2.1: icp, zavl, zcommon, …): under
# Secure Boot the kernel loads none of them unsigned, so zfs would not load.
deps=$(tr ',' ' ' <"$o/zfs-depends")
files=("$initrd_zfs")
for m in zfs spl $deps; do files+=("$o/modules-after/$m.ko.xz"); done
for f in "${files[@]}"; do
    [[ -s $f ]] || { echo "missing $f"; exit 1; }
    signer=$(modinfo -F signer "$f")
    [[ $signer == "DKMS module signing key" ]] || { echo "$(basename "$f"): signer '$signer'"; exit 1; }
    key=$(modinfo -F sig_key "$f" | tr -d ' \t\n'); key=${key#00:}
    [[ ${key^^} == "${want^^}" ]] || { echo "$(basename "$f"): sig_key $key is not the MOK certificate's serial $want"; exit 1; }
    [[ $f != *.xz ]] || xz -t "$f" || { echo "$(basename "$f") does not decompress"; exit 1; }
done
for f in "$o"/modules-before/*.ko.xz; do
    [[ -z $(modinfo -F signer "$f") ]] || { echo "$(basename "$f") was signed before the run"; exit 1; }
done
if [[ -n ${E2E_RECORD_TO:-} ]]; then
    rm -rf "$E2E_RECORD_TO"; mkdir -p "$E2E_RECORD_TO"
    cp -a "$o/." "$E2E_RECORD_TO/"
fi
