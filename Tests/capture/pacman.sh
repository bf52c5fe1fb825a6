#!/bin/bash
# Captures real pacman output (Debian 12's pacman-package-manager) against a
# test root /tmp/pacroot whose only repository is a local repo-add repository
# of tiny packages built with makepkg (run as the unprivileged user kbuild,
# since makepkg refuses to run as root).
# Usage: pacman.sh   (as root; needs pacman-package-manager, makepkg, fakeroot, zstd)
set -eu
. "$(dirname "$0")/lib.sh"
PACVER=$(pacman --version | sed -n 's/.*Pacman v\([^ ]*\) .*/\1/p')
OUT="$FIX/pacman/$PACVER-debian12"
B=/tmp/kldload-pkgbuild
REPO=/srv/kldload-pacrepo
PROOT=/tmp/pacroot
CONFDIR=/tmp/kldload-pacman
BUILDUSER=kbuild
id "$BUILDUSER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$BUILDUSER"

rm -rf "$B" "$REPO" "$PROOT" "$CONFDIR"
mkdir -p "$B/out" "$REPO" "$PROOT/var/lib/pacman" "$PROOT/var/cache/pacman/pkg" "$PROOT/var/log" "$CONFDIR"
chown -R "$BUILDUSER" "$B"

# pkg NAME VERSION REL "DEPENDS..." FILE
pkg() {
    local name="$1" ver="$2" rel="$3" deps="$4" file="$5"
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

package() {
  install -d "\$pkgdir$(dirname "$file")"
  echo "$name $ver-$rel" > "\$pkgdir$file"
}
PKGEOF
    chown -R "$BUILDUSER" "$d"
    runuser -u "$BUILDUSER" -- env -C "$d" PKGEXT=.pkg.tar.zst PKGDEST="$B/out" LC_ALL=C \
        makepkg --nodeps --force --noconfirm >"$d/makepkg.log" 2>&1
}
pkg linux          6.12.1.arch1          1 ""                                              /usr/lib/modules/6.12.1-arch1-1/vmlinuz
pkg linux-headers  6.12.1.arch1          1 ""                                              /usr/lib/modules/6.12.1-arch1-1/build/Makefile
pkg zfs-utils      2.2.7                 1 ""                                              /usr/share/zfs-utils/VERSION
pkg zfs-linux      2.2.7_6.12.1.arch1.1  1 "'zfs-utils=2.2.7' 'linux=6.12.1.arch1-1'"      /usr/lib/modules/6.12.1-arch1-1/extramodules/zfs-linux.VERSION
pkg kldload-app    1.0                   1 ""                                              /usr/share/kldload-app/VERSION
V1=(linux-6.12.1.arch1-1 linux-headers-6.12.1.arch1-1 zfs-utils-2.2.7-1 zfs-linux-2.2.7_6.12.1.arch1.1-1 kldload-app-1.0-1)
pkg linux          6.12.3.arch1          1 ""                                              /usr/lib/modules/6.12.3-arch1-1/vmlinuz
pkg linux-headers  6.12.3.arch1          1 ""                                              /usr/lib/modules/6.12.3-arch1-1/build/Makefile
pkg kldload-app    1.1                   1 ""                                              /usr/share/kldload-app/VERSION
V2=(linux-6.12.3.arch1-1 linux-headers-6.12.3.arch1-1 kldload-app-1.1-1)

publish() { pacman_publish "$B/out" "$REPO" "$@"; }
pacman_conf "$CONFDIR/pacman.conf" "$PROOT" "$CONFDIR" "$REPO"

PAC=(pacman -r "$PROOT" --config "$CONFDIR/pacman.conf" --dbpath "$PROOT/var/lib/pacman")
fresh "$OUT"
P() { local name="$1"; shift; cap "$OUT" "$name" -- "${PAC[@]}" "$@"; }

cap "$OUT" version -- pacman --version
publish "${V1[@]}"
P install-v1 -Sy --noconfirm linux linux-headers zfs-linux zfs-utils kldload-app
P Q-v1 -Q
P Qu-none -Qu
publish "${V2[@]}"
P Sy-refresh -Sy
P Qu-pending -Qu
P Q-before -Q
P Si-zfs-linux -Si zfs-linux
P Qi-zfs-linux -Qi zfs-linux
P Si-linux -Si linux
P Syu-fails-dependency -Syu --noconfirm
P Q-after-failure -Q
P Syu-ignore-linux -Syu --noconfirm --ignore linux,linux-headers
P Q-after-ignore -Q
P Qu-after-ignore -Qu
sed 's/^SigLevel    = Never$/SigLevel    = Never\nIgnorePkg   = linux linux-headers/' "$CONFDIR/pacman.conf" >"$CONFDIR/pacman-ignorepkg.conf"
cap "$OUT" Qu-after-ignore-with-IgnorePkg -- pacman -r "$PROOT" --config "$CONFDIR/pacman-ignorepkg.conf" --dbpath "$PROOT/var/lib/pacman" -Qu
P Syu-ignore-nothing-to-do -Syu --noconfirm --ignore linux,linux-headers
P Qi-not-installed -Qi not-a-package

write_provenance "$OUT" "pacman captures (pacman on Debian 12, test root + local repo)" \
    "pacman $PACVER ($(pacman --version | grep -o 'libalpm v[^ ]*'); Debian package pacman-package-manager $(dpkg-query -W -f '${Version}' pacman-package-manager)), makepkg from Debian package makepkg $(dpkg-query -W -f '${Version}' makepkg)" pacman.sh \
"Packages were built by Tests/capture/pacman.sh with \`makepkg --nodeps --force --noconfirm\` run as the unprivileged user
$BUILDUSER (makepkg refuses root), PKGEXT=.pkg.tar.zst, from PKGBUILDs with only a package() function installing one small
text file. Repository: \`repo-add $REPO/kldload.db.tar.gz <pkg>\`, served as \`Server = file://$REPO\` (SigLevel = Never),
the only repository in the test config $CONFDIR/pacman.conf (RootDir=$PROOT, DBPath=$PROOT/var/lib/pacman/).
- v1 published: linux 6.12.1.arch1-1, linux-headers 6.12.1.arch1-1, zfs-utils 2.2.7-1,
  zfs-linux 2.2.7_6.12.1.arch1.1-1 (depends=('zfs-utils=2.2.7' 'linux=6.12.1.arch1-1')), kldload-app 1.0-1; installed with -Sy.
- v2 published (repo-add replaces the entries): linux 6.12.3.arch1-1, linux-headers 6.12.3.arch1-1, kldload-app 1.1-1;
  zfs-linux unchanged, so \`-Syu\` fails on zfs-linux's exact \`linux=\` dependency, and \`--ignore linux,linux-headers\` succeeds.
\`Qu-after-ignore-with-IgnorePkg\` uses $CONFDIR/pacman-ignorepkg.conf = the same config plus \`IgnorePkg   = linux linux-headers\`.
stdout was a file (no tty), so pacman printed no progress bars."
