#!/bin/bash
# Captures, for the replay scenario Fixtures/scenarios/kupgrade-arch-holdback, every command
# kupgrade runs on Arch (Sources/KldloadCore/Upgrade/PacmanDriver.swift) with **exactly the argv
# kupgrade uses**: pacman's default configuration /etc/pacman.conf, the real database
# /var/lib/pacman, kupgrade's private sync copy --dbpath /var/lib/kupgrade/checkupdates, and
# `modinfo -F vermagic /lib/modules/<k>/extra/{zfs,spl}.ko.zst`.
#
# Such argv act on the real system, so they run in a throwaway root: an overlayfs whose lower
# layer is this machine's / (read-only) and whose upper layer is a tmpfs, mounted in a private
# mount namespace (unshare -m), entered with chroot. Nothing pacman installs there reaches the
# host; the namespace and its tmpfs vanish when the script ends. The capture files are written
# from outside the chroot.
#
# The package repository mimics Arch plus archzfs with tiny packages built by makepkg:
#   core:    linux, linux-headers, kmod          extra: kldload-app
#   archzfs: zfs-utils, zfs-linux (depends on 'linux=6.12.1.arch1-1', carries the modules)
# v1 is installed; then core/extra get linux 6.12.3 and kldload-app 1.1 while archzfs still
# only has zfs-linux for 6.12.1: the situation kupgrade's kernel hold-back is for.
#
# zfs-linux's module files are STAGED: a real Arch module cannot be built here. Two minimal
# kernel modules named zfs and spl (NOT OpenZFS) are built with Debian's kbuild against a copy
# of linux-headers-<debian>-amd64 whose utsrelease.h/.kernelvariables say 6.12.1-arch1-1, then
# compressed with zstd as Arch ships modules; modinfo reads those real files.
#
# Usage: pacman-arch-holdback.sh   (as root; needs pacman-package-manager, makepkg,
#        libarchive-tools, fakeroot, zstd, kmod, linux-headers-amd64, gcc-12, make)
set -eu
. "$(dirname "$0")/lib.sh"
if [ -z "${KLDLOAD_IN_NAMESPACE:-}" ]; then
    # Private mount namespace (util-linux unshare makes propagation private by default).
    exec unshare --mount --propagation private env KLDLOAD_IN_NAMESPACE=1 bash "$0" "$@"
fi

PACVER=$(pacman --version | sed -n 's/.*Pacman v\([^ ]*\) .*/\1/p')
KMODVER=$(modinfo --version | sed -n 's/^kmod version \([0-9]*\).*/\1/p')
OUT="$FIX/pacman/$PACVER-debian$DEBIAN_RELEASE-arch-holdback"
MOUT="$FIX/modinfo/kmod$KMODVER-debian$DEBIAN_RELEASE-arch-staged"
W=/tmp/kldload-arch-holdback        # build area on the host (removed at the end)
B="$W/pkgbuild"
REPO="$W/repo"                       # bind-mounted at the same path inside the chroot
MNT="$W/chroot"
K1=6.12.1-arch1-1                    # the kernel zfs-linux is built for (installed)
K2=6.12.3-arch1-1                    # the kernel the repository moves to (held back)
BUILDUSER=kbuild
id "$BUILDUSER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$BUILDUSER"

rm -rf "$W"
mkdir -p "$B/out" "$REPO"/{core,extra,archzfs} "$MNT" "$W/modules"

# --- 1. staged zfs/spl modules (Debian kbuild, headers copy saying 6.12.1-arch1-1) ----------
HDRS=$(ls -d /usr/src/linux-headers-*-amd64 | sort -V | tail -1)
DEBKREL=$(basename "$HDRS" | sed 's/^linux-headers-//')
KBUILDLINK=$(readlink "$HDRS/scripts")          # ../../lib/linux-kbuild-6.1/scripts
cp -a "$HDRS" "$W/headers-$K1"
( cd "$W/headers-$K1"
  rm scripts tools
  ln -s "$(cd "$HDRS" && cd "$(dirname "$KBUILDLINK")" && pwd)/scripts" scripts
  ln -s "$(cd "$HDRS" && cd "$(dirname "$KBUILDLINK")" && pwd)/tools" tools
  sed -i "s/$DEBKREL/$K1/" include/generated/utsrelease.h .kernelvariables )
for m in zfs spl; do
    cat >"$W/modules/$m.c" <<EOF
// kldload capture: staged stand-in module named $m (NOT OpenZFS), built only so that
// modinfo has a real module file to read; see Tests/capture/pacman-arch-holdback.sh.
#include <linux/module.h>
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kldload staged stand-in for $m (not OpenZFS)");
EOF
done
echo 'obj-m := zfs.o spl.o' >"$W/modules/Kbuild"
make -C "$W/headers-$K1" M="$W/modules" modules >"$W/modules/build.log" 2>&1
for m in zfs spl; do zstd -q -19 "$W/modules/$m.ko" -o "$W/modules/$m.ko.zst"; done
chmod -R a+rX "$W"

# --- 2. packages (makepkg as an unprivileged user) --------------------------------------------
chown -R "$BUILDUSER" "$B"
# pkg NAME VERSION REL "DEPENDS..." "EXTRA PKGBUILD LINES" "PACKAGE() BODY"
pkg() {
    local name="$1" ver="$2" rel="$3" deps="$4" extra="$5" body="$6"
    local d="$B/$name-$ver-$rel"
    mkdir -p "$d"
    cat >"$d/PKGBUILD" <<PKGEOF
pkgname=$name
pkgver=$ver
pkgrel=$rel
pkgdesc="kldload capture test package $name"
arch=('x86_64')
url="https://example.invalid/kldload"
license=('MIT')
depends=($deps)
options=('!strip' '!debug')
$extra

package() {
$body
}
PKGEOF
    chown -R "$BUILDUSER" "$d"
    runuser -u "$BUILDUSER" -- env -C "$d" PKGEXT=.pkg.tar.zst PKGDEST="$B/out" LC_ALL=C \
        makepkg --nodeps --force --noconfirm >"$d/makepkg.log" 2>&1
}
textfile() { printf '  install -d "$pkgdir%s"\n  echo "%s" > "$pkgdir%s"\n' "$(dirname "$2")" "$1" "$2"; }
pkg linux         6.12.1.arch1 1 "" "" "$(textfile "linux 6.12.1.arch1-1" /usr/lib/modules/$K1/vmlinuz)"
pkg linux-headers 6.12.1.arch1 1 "" "" "$(textfile "linux-headers 6.12.1.arch1-1" /usr/lib/modules/$K1/build/Makefile)"
pkg kmod          33           3 "" "" "$(textfile "kmod 33-3" /usr/share/kldload-kmod/VERSION)"
pkg zfs-utils     2.2.7        1 "" "" "$(textfile "zfs-utils 2.2.7-1" /usr/share/zfs-utils/VERSION)"
pkg zfs-linux     2.2.7_6.12.1.arch1.1 1 "'kmod' 'zfs-utils=2.2.7' 'linux=6.12.1.arch1-1'" \
    "provides=('zfs' 'spl')
groups=('archzfs-linux')
conflicts=('zfs-dkms' 'spl-linux')" \
    "  install -Dm644 $W/modules/zfs.ko.zst \"\$pkgdir/usr/lib/modules/$K1/extra/zfs.ko.zst\"
  install -Dm644 $W/modules/spl.ko.zst \"\$pkgdir/usr/lib/modules/$K1/extra/spl.ko.zst\""
pkg kldload-app   1.0          1 "" "" "$(textfile "kldload-app 1.0-1" /usr/share/kldload-app/VERSION)"
pkg linux         6.12.3.arch1 1 "" "" "$(textfile "linux 6.12.3.arch1-1" /usr/lib/modules/$K2/vmlinuz)"
pkg linux-headers 6.12.3.arch1 1 "" "" "$(textfile "linux-headers 6.12.3.arch1-1" /usr/lib/modules/$K2/build/Makefile)"
pkg kldload-app   1.1          1 "" "" "$(textfile "kldload-app 1.1-1" /usr/share/kldload-app/VERSION)"

# publish REPO PKG... (repo-add replaces an older entry of the same name)
publish() { local r="$1"; shift; for p in "$@"; do cp "$B/out/$p-x86_64.pkg.tar.zst" "$REPO/$r/"; repo-add -q "$REPO/$r/$r.db.tar.gz" "$REPO/$r/$p-x86_64.pkg.tar.zst"; done; }

# --- 3. the throwaway root: overlay(/ read-only + tmpfs) in this private namespace ----------
mkdir -p "$W/layer"
mount -t tmpfs tmpfs "$W/layer"
mkdir -p "$W/layer/upper" "$W/layer/work"
mount -t overlay overlay -o "lowerdir=/,upperdir=$W/layer/upper,workdir=$W/layer/work" "$MNT"
mount -t proc proc "$MNT/proc"
mount --rbind /dev "$MNT/dev"
mkdir -p "$MNT$REPO"
mount --bind "$REPO" "$MNT$REPO"
# Arch's own root has no Debian state for pacman: start from empty pacman directories.
rm -rf "$MNT/var/lib/pacman" "$MNT/var/cache/pacman" "$MNT/var/lib/kupgrade"
mkdir -p "$MNT/var/lib/pacman" "$MNT/var/cache/pacman/pkg"
# pacman 7.0 downloads as an unprivileged user inside a Landlock sandbox when the configuration
# names one: Arch's default pacman.conf for 7.0 has `DownloadUser = alpm` (and a commented
# `#DisableSandbox`). Configure the root like that; pacman 6 has neither option.
PACMAN7_OPTIONS=""
PACMAJOR=${PACVER%%.*}
if [ "$PACMAJOR" -ge 7 ]; then
    chroot "$MNT" useradd --system --no-create-home --shell /usr/sbin/nologin alpm
    PACMAN7_OPTIONS="DownloadUser = alpm
#DisableSandbox"
fi
cat >"$MNT/etc/pacman.conf" <<CONFEOF
# Test configuration (kldload capture, Tests/capture/pacman-arch-holdback.sh): Arch's layout
# of repositories, all local; no signatures (a throwaway repository has no keys).
[options]
HoldPkg     = pacman glibc
Architecture = auto
CheckSpace
SigLevel    = Never
LocalFileSigLevel = Never
$PACMAN7_OPTIONS

[core]
Server = file://$REPO/\$repo

[extra]
Server = file://$REPO/\$repo

[archzfs]
Server = file://$REPO/\$repo
CONFEOF

C() { local name="$1"; shift; cap "$OUT" "$name" -- chroot "$MNT" "$@"; }
fresh "$OUT"
fresh "$MOUT"

cap "$OUT" version -- pacman --version
publish core linux-6.12.1.arch1-1 linux-headers-6.12.1.arch1-1 kmod-33-3
publish extra kldload-app-1.0-1
publish archzfs zfs-utils-2.2.7-1 zfs-linux-2.2.7_6.12.1.arch1.1-1
# Set-up (not part of the scenario): the installed system.
C setup-install-v1 pacman -Sy --noconfirm linux linux-headers kmod zfs-utils zfs-linux kldload-app
C setup-Ql-zfs-linux pacman -Ql zfs-linux
# The repositories move on; archzfs does not (yet).
publish core linux-6.12.3.arch1-1 linux-headers-6.12.3.arch1-1
publish extra kldload-app-1.1-1

# --- 4. what kupgrade runs, in its order (PacmanDriver.plan, upgradeCommands; ModuleVerifier) ---
mkdir -p "$MNT/var/lib/kupgrade/checkupdates"    # kupgrade creates it through its FileSystem
C ln-sfn-local ln -sfn /var/lib/pacman/local /var/lib/kupgrade/checkupdates/local
C Sy-checkupdates pacman -Sy --dbpath /var/lib/kupgrade/checkupdates --logfile /dev/null
C Qu-checkupdates pacman -Qu --dbpath /var/lib/kupgrade/checkupdates
C Q-before pacman -Q
C Qi-zfs-linux pacman -Qi zfs-linux
C Si-checkupdates-zfs-linux pacman -Si --dbpath /var/lib/kupgrade/checkupdates zfs-linux
C Syu-ignore-linux pacman -Syu --noconfirm --ignore linux,linux-headers
cap "$MOUT" vermagic-arch-zfs-ko-zst -- chroot "$MNT" modinfo -F vermagic /lib/modules/$K1/extra/zfs.ko.zst
cap "$MOUT" vermagic-arch-spl-ko-zst -- chroot "$MNT" modinfo -F vermagic /lib/modules/$K1/extra/spl.ko.zst
cap "$MOUT" full-arch-zfs-ko-zst -- chroot "$MNT" modinfo /lib/modules/$K1/extra/zfs.ko.zst
# Evidence of the end state (not used by the scenario).
C after-Q pacman -Q
C after-Qu pacman -Qu
C after-find-modules find /usr/lib/modules -mindepth 1 -maxdepth 3

MODSUMS=$(cd "$W/modules" && sha256sum zfs.ko.zst spl.ko.zst | sed 's/^/  /')
write_provenance "$OUT" "pacman captures for the Arch kernel hold-back scenario (pacman on Debian $DEBIAN_RELEASE, throwaway overlay root)" \
    "pacman $PACVER ($(pacman --version | grep -o 'libalpm v[^ ]*'); Debian package pacman-package-manager $(dpkg-query -W -f '${Version}' pacman-package-manager)), makepkg from Debian package makepkg $(dpkg-query -W -f '${Version}' makepkg)" pacman-arch-holdback.sh \
"Every command ran as \`chroot $MNT ARGV\`, where ARGV is **exactly the argv kupgrade runs** (PacmanDriver.swift):
$MNT is an overlayfs (lower layer: this machine's /, read-only; upper layer: a tmpfs) in a private mount namespace
(\`unshare --mount --propagation private\`), with /proc and /dev mounted and the repository bind-mounted at $REPO. So
\`pacman\` used its default /etc/pacman.conf (the test config below), /var/lib/pacman and /var/cache/pacman/pkg of that
root, and kupgrade's private sync copy /var/lib/kupgrade/checkupdates; nothing reached the host.

/etc/pacman.conf in the root: \`HoldPkg = pacman glibc\`, \`Architecture = auto\`, \`CheckSpace\`, \`SigLevel = Never\`,$( [ -n "$PACMAN7_OPTIONS" ] && echo "
as in Arch's pacman 7.0 default configuration \`DownloadUser = alpm\` (the system user alpm was created in the root with
\`useradd --system\`) and \`#DisableSandbox\` (commented: the download sandbox is on),")
repositories \`[core]\`, \`[extra]\`, \`[archzfs]\`, each \`Server = file://$REPO/\$repo\` (repo-add databases).
Packages were built by makepkg (\`--nodeps --force --noconfirm\`, PKGEXT=.pkg.tar.zst) as the unprivileged user $BUILDUSER:
- core: linux 6.12.1.arch1-1 (file /usr/lib/modules/$K1/vmlinuz, a one-line text file), linux-headers 6.12.1.arch1-1,
  kmod 33-3 (a text file; it only satisfies zfs-linux's dependency);
- extra: kldload-app 1.0-1;
- archzfs: zfs-utils 2.2.7-1, zfs-linux 2.2.7_6.12.1.arch1.1-1 with depends=('kmod' 'zfs-utils=2.2.7' 'linux=6.12.1.arch1-1'),
  provides=('zfs' 'spl'), groups=('archzfs-linux'), conflicts=('zfs-dkms' 'spl-linux'), carrying
  /usr/lib/modules/$K1/extra/zfs.ko.zst and spl.ko.zst (**staged modules**, see Fixtures/modinfo/$(basename "$MOUT")/PROVENANCE.md).
\`setup-install-v1\` installed all six; then core got linux/linux-headers 6.12.3.arch1-1 and extra kldload-app 1.1-1
(repo-add replaces the entries) while archzfs kept zfs-linux for 6.12.1. Then, in kupgrade's order:
\`mkdir -p /var/lib/kupgrade/checkupdates\` (kupgrade does this through its FileSystem, not a command), \`ln-sfn-local\`,
\`Sy-checkupdates\`, \`Qu-checkupdates\`, \`Q-before\`, \`Qi-zfs-linux\`, \`Si-checkupdates-zfs-linux\`, \`Syu-ignore-linux\`.
\`after-*\` show the end state (linux still 6.12.1 and pending). stdout was a file (no tty): no progress bars.
The kupgrade-relevant argv is the part after \`chroot $MNT\` in the list below."

write_provenance "$MOUT" "modinfo on staged zfs/spl modules for an Arch kernel (kmod on Debian $DEBIAN_RELEASE)" \
    "modinfo from $(modinfo --version | tr "\n" " " | sed "s/ $//") (Debian package kmod $(dpkg-query -W -f '${Version}' kmod))" pacman-arch-holdback.sh \
"**Staged modules.** A real Arch zfs-linux module cannot be built on this machine, so two minimal kernel modules named
\`zfs\` and \`spl\` (source: one MODULE_LICENSE/MODULE_DESCRIPTION line each, description \"kldload staged stand-in for …
(not OpenZFS)\") were built with Debian's kbuild (\`make -C HEADERS M=DIR modules\`, gcc-$(gcc -dumpversion)) against a copy of
$(basename "$HDRS") whose include/generated/utsrelease.h and .kernelvariables were changed from $DEBKREL to $K1,
then compressed with \`zstd -q -19\` (Arch ships .ko.zst). So the vermagic names the Arch release $K1, but its flags
are Debian's configuration (\`SMP preempt mod_unload modversions\`; a real Arch kernel has no modversions).
sha256 of the compressed files:
$MODSUMS
They were installed by the test package zfs-linux 2.2.7_6.12.1.arch1.1-1 at /usr/lib/modules/$K1/extra/ inside the
throwaway overlay root of Fixtures/pacman/$(basename "$OUT")/ (see its PROVENANCE.md); modinfo ran there as
\`chroot $MNT modinfo …\` with the path kupgrade uses on Arch (/lib is a symlink to usr/lib, on Arch as on Debian $DEBIAN_RELEASE)."

cd /
umount -R "$MNT" 2>/dev/null || umount -l "$MNT"
umount "$W/layer"
rm -rf "$W"
echo "done: $OUT $MOUT" >&2
