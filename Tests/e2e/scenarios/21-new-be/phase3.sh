# Boot of the new BE; then a failed transaction, Ctrl-C and a killed run in new BEs.
. ./lib-new-be.sh
install_bins
new=$(cat /home/e2e-new-be)
expect_eq "running BE" "$new" "$(root_dataset)"
expect_eq "kldload-demo in the booted new BE" "kldload-demo 2.0" "$(kldload-demo)"
mkpkg kldload-fail 1.0
mkpkg kldload-fail 2.0 1
apt-get update >"$OUT/apt-update.log" 2>&1
apt-get install -y kldload-fail=1.0 >"$OUT/apt-install-fail.log" 2>&1 || fail "installing kldload-fail 1.0 failed"
rec_run rec-failed --new-be failed-be
expect_eq "failed transaction: exit" 4 "$rc"
expect_eq "failed BE kept" rpool/ROOT/failed-be "$(zfs list -H -o name rpool/ROOT/failed-be 2>/dev/null)"
expect_eq "failed marker" failed "$(zfs get -H -o value org.kldload:new-be rpool/ROOT/failed-be)"
expect_eq "bootfs unchanged after failure" "$new" "$(bootfs)"
expect_eq "nothing mounted after failure" "" "$(findmnt -rn -o TARGET | grep '^/run/kbe' || true)"
/usr/local/bin/kbe destroy failed-be --yes </dev/null >"$OUT/kbe-destroy-failed.out" 2>&1 || fail "kbe destroy failed-be"
apt-get purge -y kldload-fail >/dev/null 2>&1
# Ctrl-C while apt unpacks in the new BE.
mkpkg kldload-big 1.0 "" 40
mkpkg kldload-big 2.0 "" 40
apt-get update >>"$OUT/apt-update.log" 2>&1
apt-get install -y kldload-big=1.0 >"$OUT/apt-install-big.log" 2>&1 || fail "installing kldload-big 1.0 failed"
sig_when_apt() { # signal be-name
    ( set +x; i=0; while [ $i -lt 3000 ]; do
        if findmnt "/run/kbe/$2/proc" >/dev/null && pgrep -f "apt-get -y -o Dpkg::Options::=--force-confdef" >/dev/null; then
            sleep 1; kill -"$1" "$(pgrep -x kupgrade)"; exit 0; fi
        sleep 0.1; i=$((i+1)); done ) &
}
sig_when_apt INT ctrlc-be
rec_run rec-ctrlc --new-be ctrlc-be
expect_eq "Ctrl-C: exit" 130 "$rc"
expect_eq "nothing mounted after Ctrl-C" "" "$(findmnt -rn -o TARGET | grep '^/run/kbe' || true)"
zfs get -H -o value org.kldload:new-be rpool/ROOT/ctrlc-be >"$OUT/ctrlc-marker" 2>&1 || true
expect_eq "bootfs unchanged after Ctrl-C" "$new" "$(bootfs)"
/usr/local/bin/kbe destroy ctrlc-be --yes </dev/null >"$OUT/kbe-destroy-ctrlc.out" 2>&1 || true
# kill -9 while apt runs: the mounts and the in-progress marker stay; the next kupgrade finds them.
sig_when_apt KILL killed-be
rc=0; env TZ=UTC /usr/local/bin/kupgrade --new-be killed-be </dev/null >"$OUT/killed.stdout" 2>&1 || rc=$?
echo "$rc" >"$OUT/killed.exit"
while pgrep -f "apt-get -y -o Dpkg::Options::=--force-confdef" >/dev/null; do sleep 1; done
findmnt -rn -o TARGET | grep '^/run/kbe' >"$OUT/killed-mounts" || true
[ -s "$OUT/killed-mounts" ] || fail "the killed run left no mounts (nothing to clean up)"
expect_eq "killed marker" in-progress "$(zfs get -H -o value org.kldload:new-be rpool/ROOT/killed-be)"
rec_run rec-leftover --new-be
expect_eq "leftover run: exit" 0 "$rc"
grep -q "found rpool/ROOT/killed-be" "$OUT/rec-leftover/kupgrade.stdout" || fail "leftover not reported"
expect_eq "leftover marker" interrupted "$(zfs get -H -o value org.kldload:new-be rpool/ROOT/killed-be)"
expect_eq "nothing mounted after the leftover run" "" "$(findmnt -rn -o TARGET | grep '^/run/kbe' || true)"
sync
