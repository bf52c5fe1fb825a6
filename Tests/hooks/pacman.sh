#!/bin/bash
# The pacman hook (Sources/dist/hooks/pacman/00-kldload-checkpoint.hook) with the real pacman
# on this host, against a test root (-r) with the hook directory of a test pacman.conf:
# install (-U) and remove (-R) a throwaway package built with makepkg, then a kbe that fails
# and a kbe that is missing (no AbortOnFail: pacman goes on).
# alpm runs a hook's Exec chrooted into the root, so the test root gets the static-stdlib
# kbe at /usr/sbin/kbe, the shared libraries `ldd` names (glibc, libstdc++, libgcc_s) and
# the scenario at /kldload-scenario: this also shows the release binary running in a root
# that has nothing else.
# Usage: Tests/hooks/pacman.sh KBE_BINARY   (as root). Output: Tests/hooks/logs/pacman.log
. "$(dirname "$0")/lib.sh"
KBE=$(realpath "$1")
W=/tmp/kldload-hooktest-pacman
R=$W/root
rm -rf "$W"; mkdir -p "$W/build" "$W/hooks" "$R/var/lib/pacman" "$R/var/cache/pacman/pkg" "$R/var/log" "$R/usr/sbin"
log_to "$HOOKS_DIR/logs/pacman.log"
echo "# pacman hook test, $(date -u +%FT%TZ), $(pacman --version | grep -o 'Pacman v[^ ]*') ($(. /etc/os-release; echo "$PRETTY_NAME"))"
echo "# kbe: $KBE ($("$KBE" --version))"
make_scenario pacman "$W/scenario" "$KBE"

# the binary, its libraries and the scenarios inside the root
install -m 0755 "$KBE" "$R/usr/sbin/kbe"
for lib in $(ldd "$KBE" | grep -o '/[^ ]*'); do mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"; done
cp -a "$W/scenario" "$R/kldload-scenario"; cp -a "$BASE_SCENARIO" "$R/kldload-scenario-captured-only"
# Swift's CommandLine.arguments on Linux reads /proc/self/cmdline: a root without /proc gives
# kbe no arguments at all. A real system root has /proc, so the test root gets it too.
mkdir -p "$R/proc"; mount -t proc proc "$R/proc"; trap 'umount "$R/proc"' EXIT
echo "test root before any package:"; (cd "$R" && find . -path ./proc -prune -o -type f -print | sort | sed 's/^/    /')

id kbuild >/dev/null 2>&1 || useradd -m -s /bin/bash kbuild
cat > "$W/build/PKGBUILD" <<'P'
pkgname=kldload-hooktest
pkgver=1.0
pkgrel=1
pkgdesc="throwaway package for the kldload pacman hook test"
arch=('any')
license=('MIT')
options=('!strip' '!debug')
package() {
  install -d "$pkgdir/usr/share/kldload-hooktest"
  echo "kldload-hooktest 1.0" > "$pkgdir/usr/share/kldload-hooktest/VERSION"
}
P
chown -R kbuild "$W/build"
runuser -u kbuild -- env -C "$W/build" PKGEXT=.pkg.tar.zst LC_ALL=C makepkg --nodeps --force --noconfirm > "$W/build/makepkg.log" 2>&1
PKG=$(ls "$W"/build/kldload-hooktest-1.0-1-any.pkg.tar.zst)

cat > "$W/pacman.conf" <<C
[options]
RootDir     = $R
DBPath      = $R/var/lib/pacman/
CacheDir    = $R/var/cache/pacman/pkg/
LogFile     = $R/var/log/pacman.log
HookDir     = $W/hooks/
Architecture = x86_64
SigLevel    = Never
LocalFileSigLevel = Never
C
hook() { # KBE-path-inside-root SCENARIO-inside-root
    rewrite_hook "$DIST/hooks/pacman/00-kldload-checkpoint.hook" "$1" "$2" > "$W/hooks/00-kldload-checkpoint.hook"
    echo "hook Exec in effect: $(grep '^Exec' "$W/hooks/00-kldload-checkpoint.hook")"
}
PAC=(pacman --noconfirm -r "$R" --config "$W/pacman.conf" --dbpath "$R/var/lib/pacman" --hookdir "$W/hooks")

echo; echo "## 1. install with the hook"
hook /usr/sbin/kbe /kldload-scenario
say "${PAC[@]}" -U "$PKG"
say "${PAC[@]}" -Q kldload-hooktest

echo; echo "## 2. remove with the hook"
say "${PAC[@]}" -R kldload-hooktest

echo; echo "## 3. a query (-Q) is no transaction: no hook"
say "${PAC[@]}" -Q

echo; echo "## 4. kbe fails (captured scenario without the added recordings): warning, pacman goes on"
hook /usr/sbin/kbe /kldload-scenario-captured-only
say "${PAC[@]}" -U "$PKG"

echo; echo "## 5. kbe missing: alpm reports the hook failed, pacman goes on (no AbortOnFail)"
rm "$R/usr/sbin/kbe"
hook /usr/sbin/kbe /kldload-scenario
say "${PAC[@]}" -R kldload-hooktest
say "${PAC[@]}" -Q
echo; echo "pacman's log in the test root:"; sed 's/^/    /' "$R/var/log/pacman.log"
