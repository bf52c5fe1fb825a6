# Debian 12, booted by the ZFSBootMenu stand-in: stage the offline Debian 13 archive, move the
# package database into the BE (as 21/04, but without a boot in between: rpool/var/lib is
# unmounted lazily right after the copy), then kupgrade --new-be --release trixie.
. ./lib-new-be.sh
# feature@ lines of `zpool get -H -o property,value,source all` that are not "disabled".
enabled_features() { grep '^feature@' "$1" | awk -F'\t' '$2 != "disabled"' | sort; }
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
grep -q 'root=zfs:rpool/ROOT/default' /proc/cmdline || fail "not booted by the stand-in: $(cat /proc/cmdline)"
case $(cat /etc/debian_version) in 12.*) ;; *) fail "not Debian 12: $(cat /etc/debian_version)" ;; esac
{ echo "kernel $(uname -r)"; echo "zfs $(cat /sys/module/zfs/version)"; echo "debian $(cat /etc/debian_version)";
  dpkg-query -W -f '${Package} ${Version}\n' apt dkms zfs-dkms zfsutils-linux linux-image-amd64 systemd; } >"$OUT/facts-debian12"
install_bins
# The archive: inside the BE (/var/local), so the clone sees it; the sources name bookworm.
mkdir -p /var/local
cp -a ./release-repo /var/local/kldload-release-repo
cp ./release-repo.PROVENANCE /var/local/kldload-release-repo/PROVENANCE
[ -f /etc/apt/sources.list ] && mv /etc/apt/sources.list /etc/apt/sources.list.e2e-disabled
echo 'deb [trusted=yes] file:/var/local/kldload-release-repo bookworm main contrib' >/etc/apt/sources.list.d/kldload-e2e-release.list
# No DKMS build under TCG: the kernel headers go (zfs-dkms then builds for no kernel), and the
# prebuilt zfs 2.3.9 modules for Debian 13's kernel are put in place by a kernel postinst.d hook
# that runs before dkms's and initramfs-tools' (run-parts order), when that kernel is installed.
apt-get purge -y 'linux-headers-*' >"$OUT/purge-headers.log" 2>&1 || fail "purging the kernel headers failed: $(tail -3 "$OUT/purge-headers.log")"
dpkg-query -W -f '${Status}\n' zfs-dkms | grep -q 'install ok installed' || fail "purging the headers removed zfs-dkms"
printf 'Package: linux-headers-*\nPin: version *\nPin-Priority: -1\n' >/etc/apt/preferences.d/kldload-e2e-no-headers
mkdir -p /var/local/kldload-prebuilt-zfs
cp -a ./prebuilt-zfs/. /var/local/kldload-prebuilt-zfs/
cat >/etc/kernel/postinst.d/00-kldload-e2e-prebuilt-zfs <<'HOOK'
#!/bin/sh
# kldload e2e (scenario 27): ZFS modules built on the host for this kernel, not under TCG.
src=/var/local/kldload-prebuilt-zfs/$1
[ -d "$src" ] || exit 0
mkdir -p "/lib/modules/$1/updates/dkms"
cp "$src"/*.ko* "/lib/modules/$1/updates/dkms/"
depmod "$1"
echo "kldload-e2e: prebuilt ZFS modules installed for $1"
HOOK
chmod 0755 /etc/kernel/postinst.d/00-kldload-e2e-prebuilt-zfs
apt-get update >"$OUT/apt-update.log" 2>&1 || fail "apt-get update (local bookworm suite) failed: $(tail -3 "$OUT/apt-update.log")"
expect_eq "/var/lib source" rpool/var/lib "$(findmnt -n -o SOURCE /var/lib)"
pkgdb_into_be
umount -l /var/lib
expect_eq "/var/lib/dpkg is in the BE" rpool/ROOT/default "$(findmnt -n -o SOURCE -T /var/lib/dpkg)"
dpkg --audit >"$OUT/dpkg-audit-debian12" 2>&1; [ ! -s "$OUT/dpkg-audit-debian12" ] || fail "dpkg --audit after the move: $(head -3 "$OUT/dpkg-audit-debian12")"
zpool get -H -o property,value,source all rpool >/home/e2e-pool-props-debian12
note "Debian $(cat /etc/debian_version), $(uname -r), zfs $(cat /sys/module/zfs/version); archive $(du -sm /var/local/kldload-release-repo | cut -f1) MiB staged"
# kupgrade --new-be --release trixie (recorded). The running BE must not change.
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
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
    # kupgrade's own warnings are the summary's "  warning:" lines (apt's and dpkg's output, e.g.
    # the /usr-merge's "dpkg: warning: unable to delete old directory", is streamed too).
    1) grep '^  warning:' "$OUT/rec-release/kupgrade.stdout" >"$OUT/warnings" || true
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
enabled_features /home/e2e-pool-props-debian12 >"$OUT/features-before"; enabled_features "$OUT/pool-props-after-upgrade" >"$OUT/features-after"
cmp -s "$OUT/features-before" "$OUT/features-after" || fail "pool features changed by the upgrade: $(diff "$OUT/features-before" "$OUT/features-after" | tr '\n' ' ')"
note "new BE $new: $(tr '\n' ' ' <"$OUT/new-be-versions"); kernel $newk; kupgrade $(cat "$OUT/rec-release/kupgrade.seconds") s; zfs diff: $(wc -l <"$OUT/zfs-diff") lines, written@e2e-proof $(cat "$OUT/written-since-proof") bytes"
sync
