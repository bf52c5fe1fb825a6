# Debian 12, booted by the ZFSBootMenu stand-in: stage the offline Debian 13 archive and move the
# package database into the BE (as 21/04); nothing of Debian 13 is installed yet.
. ./lib-new-be.sh
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
zpool get -H -o property,value,source all rpool >/home/e2e-pool-props-debian12
note "Debian $(cat /etc/debian_version), $(uname -r), zfs $(cat /sys/module/zfs/version); archive $(du -sm /var/local/kldload-release-repo | cut -f1) MiB staged"
