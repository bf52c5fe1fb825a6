#!/bin/bash
# The apt hook (Sources/dist/hooks/apt/80kldload-checkpoint) with the real apt-get on this
# Debian host: install and remove a throwaway package (dpkg runs: hook runs), apt-get update
# (no dpkg: no hook), then a kbe that fails and a kbe that is missing (apt goes on).
# The hook is loaded only for these apt-get runs (APT_CONFIG), not installed on the host.
# Usage: Tests/hooks/apt.sh KBE_BINARY   (as root). Output: Tests/hooks/logs/apt.log
. "$(dirname "$0")/lib.sh"
KBE=$(realpath "$1")
W=/tmp/kldload-hooktest-apt
rm -rf "$W"; mkdir -p "$W/pkg/DEBIAN" "$W/pkg/usr/share/kldload-hooktest"
log_to "$HOOKS_DIR/logs/apt.log"
echo "# apt hook test, $(date -u +%FT%TZ), $(apt-get --version | head -1), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "# kbe: $KBE ($("$KBE" --version))"
make_scenario apt "$W/scenario" "$KBE"

cat > "$W/pkg/DEBIAN/control" <<C
Package: kldload-hooktest
Version: 1.0
Architecture: all
Maintainer: kldload tests <root@localhost>
Description: throwaway package for the kldload apt hook test
C
echo "kldload-hooktest 1.0" > "$W/pkg/usr/share/kldload-hooktest/VERSION"
dpkg-deb --root-owner-group --build "$W/pkg" "$W/kldload-hooktest_1.0_all.deb" >/dev/null

hook() { rewrite_hook "$DIST/hooks/apt/80kldload-checkpoint" "$1" "$2" > "$W/80kldload-checkpoint"; printf '#include "%s";\n' "$W/80kldload-checkpoint" > "$W/apt.conf"; }
APT=(env APT_CONFIG="$W/apt.conf" apt-get -o DPkg::Lock::Timeout=600 -y)

echo; echo "## 1. install with the hook"
hook "$KBE" "$W/scenario"
echo "hook line in effect:"; APT_CONFIG="$W/apt.conf" apt-config dump | grep -i 'Pre-Invoke'
say "${APT[@]}" install "$W/kldload-hooktest_1.0_all.deb"
say dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' kldload-hooktest

echo; echo "## 2. remove with the hook"
say "${APT[@]}" remove kldload-hooktest

echo; echo "## 3. apt-get update: dpkg does not run, so the hook does not (no [kbe] line, no JSON)"
for i in 1 2 3 4 5; do if APT_CONFIG="$W/apt.conf" apt-get update > "$W/update.out" 2>&1; then break; fi; sleep 20; done
echo "\$ APT_CONFIG=$W/apt.conf apt-get update"; tail -3 "$W/update.out"
grep -c 'auto-checkpoint' "$W/update.out" | sed 's/^/lines mentioning auto-checkpoint: /' || true

echo; echo "## 4. kbe fails (the captured scenario without the added recordings): warning, dpkg still runs"
hook "$KBE" "$BASE_SCENARIO"
say "${APT[@]}" install "$W/kldload-hooktest_1.0_all.deb"

echo; echo "## 5. kbe not installed: the hook skips, dpkg still runs"
hook /nonexistent/sbin/kbe "$W/scenario"
say "${APT[@]}" purge kldload-hooktest
say dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' kldload-hooktest
