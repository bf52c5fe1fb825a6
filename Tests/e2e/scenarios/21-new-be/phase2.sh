# Package database in the BE: kupgrade --new-be upgrades a clone; the running BE does not change.
. ./lib-new-be.sh
install_bins
expect_eq "/var/lib/dpkg is in the BE" rpool/ROOT/default "$(findmnt -n -o SOURCE -T /var/lib/dpkg)"
expect_eq "kldload-demo before" "kldload-demo 1.0" "$(kldload-demo)"
{ uname -r; cat /sys/module/zfs/version; date -u +%Y-%m-%dT%H:%M:%SZ; cat /etc/debian_version; } >"$OUT/facts" 2>&1
zfs snapshot rpool/ROOT/default@e2e-proof
sync; sleep 2
rec_run rec-success --new-be
expect_eq "--new-be exit" 0 "$rc"
new=$(new_bes)
[ -n "$new" ] || fail "no new BE"
case $new in rpool/ROOT/upgrade-2*) ;; *) fail "unexpected new BE name: $new" ;; esac
echo "$new" >/home/e2e-new-be
expect_eq "bootfs" "$new" "$(bootfs)"
expect_eq "marker" done "$(zfs get -H -o value org.kldload:new-be "$new")"
expect_eq "nothing mounted under /run/kbe" "" "$(findmnt -rn -o TARGET | grep '^/run/kbe' || true)"
# The proof: the running BE was not written by the upgrade.
zfs get -H -p -o value written@e2e-proof rpool/ROOT/default >"$OUT/written-since-proof"
zfs diff rpool/ROOT/default@e2e-proof rpool/ROOT/default >"$OUT/zfs-diff" 2>&1 || true
if grep -E '/var/lib/(dpkg|apt)|/usr/|/etc/|kldload-demo|/boot' "$OUT/zfs-diff"; then fail "the running BE changed (see zfs-diff)"; fi
expect_eq "running kldload-demo unchanged" "kldload-demo 1.0" "$(kldload-demo)"
expect_eq "running dpkg unchanged" 1.0 "$(dpkg-query -W -f '${Version}' kldload-demo)"
# The new BE: upgraded, no policy-rc.d left, kernels and modules present.
name=${new#rpool/ROOT/}
/usr/local/bin/kbe mount "$name" /mnt/newbe </dev/null >"$OUT/kbe-mount.out" 2>&1 || fail "kbe mount $name failed"
expect_eq "new BE dpkg" 2.0 "$(chroot /mnt/newbe dpkg-query -W -f '${Version}' kldload-demo)"
[ ! -e /mnt/newbe/usr/sbin/policy-rc.d ] || fail "policy-rc.d left in the new BE"
ls -l /mnt/newbe/boot >"$OUT/new-be-boot" 2>&1
for k in /mnt/newbe/lib/modules/*; do ls "$k"/updates/dkms 2>/dev/null; done >"$OUT/new-be-modules"
grep -q '^zfs.ko' "$OUT/new-be-modules" || fail "no zfs.ko in the new BE"
/usr/local/bin/kbe umount "$name" </dev/null >>"$OUT/kbe-mount.out" 2>&1 || fail "kbe umount failed"
# Timing: the same upgrade in place, on the running BE (after the proof above).
rec_run rec-inplace --yes
expect_eq "in-place exit" 0 "$rc"
expect_eq "bootfs still the new BE" "$new" "$(bootfs)"
sync
