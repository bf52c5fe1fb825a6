install_bins
use_local_repo
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
zpool status -P rpool >"$OUT/zpool-status-before" 2>&1
dev=$(zpool status -P rpool | awk '$1 ~ /^\/dev\// && $1 ~ /pool1/ {print $1; exit}')
[ -n "$dev" ] || fail "cannot find the pool1 leg in zpool status -P rpool"
zpool offline rpool "$dev" || fail "zpool offline rpool $dev failed"
expect_eq "pool health" DEGRADED "$(zpool list -H -o health rpool)"
snaps_before=$(zfs list -H -t snapshot -o name | wc -l)
run_kupgrade_recorded
cp -a /root/rec "$OUT/rec" || true
zpool online rpool "$dev" || true
expect_eq "kupgrade exit status (refused)" 3 "$rc"
expect_eq "snapshot count" "$snaps_before" "$(zfs list -H -t snapshot -o name | wc -l)"
expect_eq "kldload-demo unchanged" "kldload-demo 1.0" "$(kldload-demo)"
expect_eq "dpkg version unchanged" "1.0" "$(dpkg-query -W -f='${Version}' kldload-demo)"
grep -q DEGRADED "$OUT/kupgrade.stdout" "$OUT/kupgrade.stderr" || fail "kupgrade did not name the DEGRADED state"
