# First boot of the new BE through the stand-in: Debian 13 on its own kernel, with ZFS 2.3.
. ./lib-new-be.sh
# feature@ lines of `zpool get -H -o property,value,source all` that are not "disabled".
enabled_features() { grep '^feature@' "$1" | awk -F'\t' '$2 != "disabled"' | sort; }
install_bins
new=$(cat /home/e2e-new-be)
newk=$(cat /home/e2e-new-kernel)
expect_eq "running BE" "$new" "$(root_dataset)"
grep -q "root=zfs:$new" /proc/cmdline || fail "not booted by the stand-in into $new: $(cat /proc/cmdline)"
expect_eq "running kernel (the new BE's own)" "$newk" "$(uname -r)"
. /etc/os-release
expect_eq "os-release VERSION_ID" 13 "$VERSION_ID"
expect_eq "os-release VERSION_CODENAME" trixie "$VERSION_CODENAME"
case $(cat /sys/module/zfs/version) in 2.3.*) ;; *) fail "zfs module $(cat /sys/module/zfs/version), not 2.3" ;; esac
zfs version >"$OUT/zfs-version" 2>&1 || fail "zfs version failed"
grep -q '^zfs-2\.3\.' "$OUT/zfs-version" || fail "zfs userland: $(cat "$OUT/zfs-version")"
zpool status -x rpool >"$OUT/zpool-status" 2>&1
grep -q "is healthy" "$OUT/zpool-status" || fail "pool not healthy: $(cat "$OUT/zpool-status")"
/usr/local/bin/kbe list >"$OUT/kbe-list" 2>&1 </dev/null || fail "kbe list failed: $(cat "$OUT/kbe-list")"
grep -q "upgrade-" "$OUT/kbe-list" && grep -q "default" "$OUT/kbe-list" || fail "kbe list lacks a BE: $(cat "$OUT/kbe-list")"
# OpenZFS 2.3 imported the pool without enabling anything (kupgrade never runs zpool upgrade).
zpool get -H -o property,value,source all rpool >"$OUT/pool-props-debian13"
# OpenZFS 2.3 also lists the features 2.1 does not know, as disabled: compare what is enabled or active.
enabled_features /home/e2e-pool-props-debian12 >"$OUT/features-before"; enabled_features "$OUT/pool-props-debian13" >"$OUT/features-debian13"
cmp -s "$OUT/features-before" "$OUT/features-debian13" || fail "pool features enabled under Debian 13: $(diff "$OUT/features-before" "$OUT/features-debian13" | tr '\n' ' ')"
zpool upgrade >"$OUT/zpool-upgrade-list" 2>&1 || true
systemctl is-system-running >"$OUT/systemd-state" 2>&1 || true
# Back to Debian 12: activate the old BE.
/usr/local/bin/kbe activate default </dev/null >"$OUT/kbe-activate.out" 2>&1 || fail "kbe activate default failed: $(cat "$OUT/kbe-activate.out")"
expect_eq "bootfs after kbe activate default" rpool/ROOT/default "$(bootfs)"
note "booted $(uname -r) in $new: Debian $(cat /etc/debian_version), zfs $(cat /sys/module/zfs/version), systemd $(cat "$OUT/systemd-state"); activated default"
sync
