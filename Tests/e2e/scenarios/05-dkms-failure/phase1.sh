install_bins
use_local_repo
apt-get install -y kldload-dkms-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-dkms-demo=1.0 failed (see apt-install-1.0.log)"
dkms status >"$OUT/dkms-status-before" 2>&1 || true
grep -q 'kldemo/1.0.*installed' "$OUT/dkms-status-before" || fail "kldemo 1.0 is not installed by DKMS: $(cat "$OUT/dkms-status-before")"
run_kupgrade_recorded
cp -a /root/rec "$OUT/rec" || true
dkms status >"$OUT/dkms-status-after" 2>&1 || true
[ "$rc" -ne 0 ] || fail "kupgrade exited 0 although kldload-dkms-demo 2.0 failed to build"
[ "$rc" -ne 5 ] || fail "kupgrade exited 5 (critical ZFS module failure) although only kldemo failed"
snap=$(zfs list -H -t snapshot -o name | grep '^rpool/ROOT/default@pre-upgrade-' | head -1)
[ -n "$snap" ] || fail "no checkpoint was taken before the failing transaction"
name=${snap#*@}
grep -Eq "kbe (activate|rollback) $name && reboot" "$OUT/kupgrade.stdout" || fail "no rollback command for $name in the summary"
if grep -q "DO NOT REBOOT" "$OUT/kupgrade.stdout"; then fail "DO NOT REBOOT printed although ZFS modules are fine"; fi
note "kupgrade exit $rc"
