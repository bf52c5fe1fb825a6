# run.sh for one scenario phase (copied onto the exchange disk by Tests/e2e/run).
# A phase whose boot reboots inside the same QEMU run (phaseN.reboots, E2E_BOOT=zbm) runs this
# at every boot of the phase; the phase script tells the boots apart (boot_number, root_dataset)
# and ends a boot that is not the last with `interim` (no result yet, the guest stays up or
# reboots as the script asked).
. ./scenario-lib.sh
rm -f "$OUT/interim" "$OUT/next-boot"
echo $(( $(cat "$OUT/boot-count" 2>/dev/null || echo 0) + 1 )) >"$OUT/boot-count"
udevadm settle
( set -ex; . ./phase.sh )
rc=$?
if [ -f "$OUT/interim" ]; then rm -f "$OUT/result"; exit "$rc"; fi
[ "$rc" -eq 0 ] && [ ! -f "$OUT/result" ] && echo OK >"$OUT/result"
[ "$rc" -ne 0 ] && [ ! -f "$OUT/result" ] && echo "FAIL: phase script exited $rc" >"$OUT/result"
exit "$rc"
