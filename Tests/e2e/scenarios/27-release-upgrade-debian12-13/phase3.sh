# Debian 12 again after kbe activate default: its 6.1 kernel and OpenZFS 2.1 import the pool
# OpenZFS 2.3 has used, with no feature newly enabled.
. ./lib-new-be.sh
# feature@ lines of `zpool get -H -o property,value,source all` that are not "disabled".
enabled_features() { grep '^feature@' "$1" | awk -F'\t' '$2 != "disabled"' | sort; }
install_bins
old_kernel=$(cat /home/e2e-old-kernel)
new=$(cat /home/e2e-new-be)
expect_eq "running BE" rpool/ROOT/default "$(root_dataset)"
grep -q 'root=zfs:rpool/ROOT/default' /proc/cmdline || fail "not booted by the stand-in into default: $(cat /proc/cmdline)"
expect_eq "running kernel" "$old_kernel" "$(uname -r)"
case $(cat /etc/debian_version) in 12.*) ;; *) fail "not Debian 12: $(cat /etc/debian_version)" ;; esac
case $(cat /sys/module/zfs/version) in 2.1.*) ;; *) fail "zfs module $(cat /sys/module/zfs/version), not 2.1" ;; esac
zpool status -x rpool >"$OUT/zpool-status" 2>&1
grep -q "is healthy" "$OUT/zpool-status" || fail "pool not healthy: $(cat "$OUT/zpool-status")"
zpool get -H -o property,value,source all rpool >"$OUT/pool-props-debian12-again"
enabled_features /home/e2e-pool-props-debian12 >"$OUT/features-before"; enabled_features "$OUT/pool-props-debian12-again" >"$OUT/features-again"
cmp -s "$OUT/features-before" "$OUT/features-again" || fail "pool features differ from before the upgrade: $(diff "$OUT/features-before" "$OUT/features-again" | tr '\n' ' ')"
expect_eq "the Debian 13 BE is still there" "$new" "$(zfs list -H -o name "$new")"
/usr/local/bin/kbe list >"$OUT/kbe-list" 2>&1 </dev/null || fail "kbe list failed"
dpkg --audit >"$OUT/dpkg-audit" 2>&1; [ ! -s "$OUT/dpkg-audit" ] || fail "dpkg --audit: $(head -3 "$OUT/dpkg-audit")"
note "booted $(uname -r) in rpool/ROOT/default: Debian $(cat /etc/debian_version), zfs $(cat /sys/module/zfs/version); pool features unchanged"
