# run.sh for one scenario phase (copied onto the exchange disk by Tests/e2e/run).
. ./scenario-lib.sh
udevadm settle
( set -ex; . ./phase.sh )
rc=$?
[ "$rc" -eq 0 ] && [ ! -f "$OUT/result" ] && echo OK >"$OUT/result"
[ "$rc" -ne 0 ] && [ ! -f "$OUT/result" ] && echo "FAIL: phase script exited $rc" >"$OUT/result"
exit "$rc"
