# Debian 12: kupgrade --new-be --release trixie (recorded). The running BE must not change.
. ./lib-new-be.sh
install_bins
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
expect_eq "/var/lib/dpkg is in the BE" rpool/ROOT/default "$(findmnt -n -o SOURCE -T /var/lib/dpkg)"
old_kernel=$(uname -r)
debian_before=$(cat /etc/debian_version)
basefiles_before=$(dpkg-query -W -f '${Version}' base-files)
{ uname -r; cat /sys/module/zfs/version; date -u +%Y-%m-%dT%H:%M:%SZ; cat /etc/debian_version; } >"$OUT/facts" 2>&1
zfs snapshot rpool/ROOT/default@e2e-proof
sync; sleep 2
rec_run rec-release --new-be --release trixie --no-trial
# Exit 0, or 1 (success with warnings) when the only warnings are about the old 6.1 kernel of
# the new BE, which has no zfs module once zfs-dkms 2.1.11 is gone (no headers: see README).
case $rc in
    0) ;;
    1) grep -i 'warning' "$OUT/rec-release/kupgrade.stdout" "$OUT/rec-release/kupgrade.stderr" >"$OUT/warnings" || true
       if grep -v "$old_kernel" "$OUT/warnings" | grep -q .; then fail "exit 1 with warnings not about $old_kernel: $(grep -v "$old_kernel" "$OUT/warnings" | head -3)"; fi ;;
    *) fail "kupgrade --new-be --release trixie: exit $rc: $(tail -5 "$OUT/rec-release/kupgrade.stdout")" ;;
esac
grep -q "DO NOT REBOOT" "$OUT/rec-release/kupgrade.stdout" && fail "kupgrade said DO NOT REBOOT"
new=$(new_bes)
[ -n "$new" ] || fail "no new BE"
[ "$(echo "$new" | wc -l)" = 1 ] || fail "more than one new BE: $new"
case $new in rpool/ROOT/upgrade-2*) ;; *) fail "unexpected new BE name: $new" ;; esac
echo "$new" >/home/e2e-new-be
echo "$old_kernel" >/home/e2e-old-kernel
expect_eq "bootfs" "$new" "$(bootfs)"
expect_eq "marker" done "$(zfs get -H -o value org.kldload:new-be "$new")"
expect_eq "nothing mounted under /run/kbe" "" "$(findmnt -rn -o TARGET | grep '^/run/kbe' || true)"
S=$OUT/rec-release/kupgrade.stdout
grep -q "release: bookworm -> trixie in $new" "$S" || fail "the summary does not say release: bookworm -> trixie in $new"
grep -q "never runs zpool upgrade" "$S" || fail "the summary does not say kupgrade never runs zpool upgrade"
grep "pool features:" "$S" | grep -q "default" || fail "the summary does not name rpool/ROOT/default as stranded by a pool upgrade"
# The proof: the running BE was not written by the upgrade.
zfs get -H -p -o value written@e2e-proof rpool/ROOT/default >"$OUT/written-since-proof"
zfs diff rpool/ROOT/default@e2e-proof rpool/ROOT/default >"$OUT/zfs-diff" 2>&1 || fail "zfs diff failed: $(cat "$OUT/zfs-diff")"
if grep -E '/var/lib/(dpkg|apt)|/usr/|/etc/|/boot|/lib/modules' "$OUT/zfs-diff"; then fail "the running BE changed (see zfs-diff)"; fi
expect_eq "running BE: /etc/debian_version" "$debian_before" "$(cat /etc/debian_version)"
expect_eq "running BE: dpkg base-files" "$basefiles_before" "$(dpkg-query -W -f '${Version}' base-files)"
case $basefiles_before in 12.*) ;; *) fail "base-files before is $basefiles_before, not 12.x" ;; esac
grep -q ' bookworm ' /etc/apt/sources.list.d/kldload-e2e-release.list || fail "the running BE's sources were rewritten"
# The new BE: Debian 13 with its kernel, the ZFS modules for it and an initramfs holding them.
name=${new#rpool/ROOT/}
M=/mnt/newbe
/usr/local/bin/kbe mount "$name" $M </dev/null >"$OUT/kbe-mount.out" 2>&1 || fail "kbe mount $name failed: $(cat "$OUT/kbe-mount.out")"
cat $M/etc/apt/sources.list.d/kldload-e2e-release.list >"$OUT/new-be-sources"
grep -q ' trixie ' "$OUT/new-be-sources" || fail "the new BE's sources do not name trixie"
case $(cat $M/etc/debian_version) in 13.*) ;; *) fail "new BE: /etc/debian_version $(cat $M/etc/debian_version)" ;; esac
chroot $M dpkg-query -W -f '${Package} ${Version}\n' apt dkms zfs-dkms zfsutils-linux zfs-initramfs linux-image-amd64 systemd base-files >"$OUT/new-be-versions"
grep -q '^zfsutils-linux 2\.3\.' "$OUT/new-be-versions" || fail "new BE: zfsutils-linux is not 2.3: $(cat "$OUT/new-be-versions")"
grep -q '^apt 3\.0' "$OUT/new-be-versions" || fail "new BE: apt is not 3.0"
grep -q '^dkms 3\.2' "$OUT/new-be-versions" || fail "new BE: dkms is not 3.2"
chroot $M dpkg --audit >"$OUT/new-be-dpkg-audit" 2>&1 || true
[ ! -s "$OUT/new-be-dpkg-audit" ] || fail "new BE: dpkg --audit: $(head -5 "$OUT/new-be-dpkg-audit")"
ls -l $M/boot >"$OUT/new-be-boot"
newk=$(ls $M/boot | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
case $newk in 6.12.*) ;; *) fail "the newest kernel in the new BE is $newk, not 6.12" ;; esac
echo "$newk" >/home/e2e-new-kernel
[ -s "$M/boot/initrd.img-$newk" ] || fail "no initramfs for $newk in the new BE"
ls -l "$M/lib/modules/$newk/updates/dkms" >"$OUT/new-be-modules" 2>&1 || true
grep -q 'zfs.ko' "$OUT/new-be-modules" || fail "no zfs.ko for $newk in the new BE"
# The initramfs lists zfs.ko.
lsinitramfs "$M/boot/initrd.img-$newk" >"$OUT/new-be-initrd-files" 2>&1 || true
grep -q 'zfs.ko' "$OUT/new-be-initrd-files" || fail "the initramfs of $newk has no zfs.ko"
[ ! -e $M/usr/sbin/policy-rc.d ] || fail "policy-rc.d left in the new BE"
chroot $M dkms status >"$OUT/new-be-dkms-status" 2>&1 || true
/usr/local/bin/kbe umount "$name" </dev/null >>"$OUT/kbe-mount.out" 2>&1 || fail "kbe umount failed"
zpool get -H -o property,value,source all rpool >"$OUT/pool-props-after-upgrade"
diff /home/e2e-pool-props-debian12 "$OUT/pool-props-after-upgrade" | grep 'feature@' && fail "pool features changed by the upgrade"
note "new BE $new: $(tr '\n' ' ' <"$OUT/new-be-versions"); kernel $newk; kupgrade $(cat "$OUT/rec-release/kupgrade.seconds") s; zfs diff: $(wc -l <"$OUT/zfs-diff") lines, written@e2e-proof $(cat "$OUT/written-since-proof") bytes"
sync
