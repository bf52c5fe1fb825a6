#!/bin/bash
# Captures real apt-get / dpkg output inside a throwaway Debian 12 (or 13) chroot
# (debootstrap --variant=minbase --include=apt-utils bookworm|trixie) whose only apt source is a local
# file: repository of packages built by build-debs.sh. Nothing of the host's
# package state is touched.
#
# Usage: apt.sh                 (as root; needs debootstrap, apt-utils, dpkg-dev)
#        APT_SUITE=trixie apt.sh  Debian 13's apt 3.0 in a trixie chroot (default: bookworm)
set -eu
. "$(dirname "$0")/lib.sh"

APT_SUITE=${APT_SUITE:-bookworm}
MIRROR=$(host_mirror)
ROOT=/srv/kldload-aptroot
WORK=/tmp/kldload-debs
if [ "$APT_SUITE" != bookworm ]; then ROOT=/var/tmp/kldload-aptroot-$APT_SUITE; WORK=/var/tmp/kldload-debs-$APT_SUITE; fi
REPO_IN_ROOT=/srv/kldload-repo

apt_test_root "$ROOT" "$WORK" "$REPO_IN_ROOT" "$APT_SUITE"
DEB=$(debian_release "$ROOT")
APTVER=$(chroot "$ROOT" apt-get --version | head -1 | awk '{print $2}')
DPKGVER=$(chroot "$ROOT" dpkg --version | head -1 | sed -E 's/.*version ([^ ]+) .*/\1/')
OUT="$FIX/apt/$APTVER-debian$DEB-chroot"
DOUT="$FIX/dpkg/$DPKGVER-debian$DEB-chroot"

mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
mountpoint -q "$ROOT/dev/pts" || mount --bind /dev/pts "$ROOT/dev/pts"
trap 'umount "$ROOT/dev/pts" "$ROOT/proc" 2>/dev/null || true' EXIT

# reset: purge anything left from an earlier run of this script
LEFT=$(chroot "$ROOT" dpkg-query -W -f '${Package}\n' 'kldload-*' 2>/dev/null || true)
[ -z "$LEFT" ] || chroot "$ROOT" dpkg --force-all --purge $LEFT >/dev/null

publish() { rm -rf "$ROOT$REPO_IN_ROOT"; cp -a "$WORK/$1" "$ROOT$REPO_IN_ROOT"; }
C() { local name="$1"; shift; cap "$OUT" "$name" "$@"; }

fresh "$OUT"; fresh "$DOUT"

# --- phase 1: repo-v1, install the 1.0 set --------------------------------
publish repo-v1
C apt-get-update-v1 -- chroot "$ROOT" apt-get update
C apt-get-install-v1 DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y install kldload-demo kldload-legacy kldload-held kldload-breaks
chroot "$ROOT" apt-mark hold kldload-held
# local modification of a conffile so that --force-confold has something to keep
echo "# locally modified by the admin" >>"$ROOT/etc/kldload-demo.conf"

# --- phase 2: repo-v2: upgrade with Inst/Remv/Conf + held package ----------
publish repo-v2
C apt-get-update-v2 -- chroot "$ROOT" apt-get update
C apt-get-s-dist-upgrade -- chroot "$ROOT" apt-get -s dist-upgrade
C apt-get-dist-upgrade-confold DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
cp "$ROOT/etc/kldload-demo.conf" /tmp/kldload-demo.conf.after-confold
C apt-get-s-autoremove -- chroot "$ROOT" apt-get -s autoremove
C apt-get-autoremove DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y autoremove
C apt-get-s-dist-upgrade-held-only -- chroot "$ROOT" apt-get -s dist-upgrade
chroot "$ROOT" apt-mark unhold kldload-held
C apt-get-dist-upgrade-held-released DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
C apt-get-s-dist-upgrade-noop -- chroot "$ROOT" apt-get -s dist-upgrade
C apt-get-dist-upgrade-noop DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
C apt-get-autoremove-noop DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y autoremove

# --- phase 3: repo-v3: a package whose postinst exits 1 --------------------
publish repo-v3
C apt-get-update-v3 -- chroot "$ROOT" apt-get update
C apt-get-s-dist-upgrade-breaks -- chroot "$ROOT" apt-get -s dist-upgrade
C apt-get-dist-upgrade-postinst-fails DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
C dpkg-audit-after-failure -- chroot "$ROOT" dpkg --audit
C apt-get-s-dist-upgrade-after-failure -- chroot "$ROOT" apt-get -s dist-upgrade
cap "$DOUT" dpkg-query-chroot-half-configured -- chroot "$ROOT" dpkg-query -W -f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\t${Architecture}\n'
C apt-get-remove-broken DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y remove kldload-breaks
C dpkg-audit-clean -- chroot "$ROOT" dpkg --audit
cap "$DOUT" dpkg-query-chroot-rc -- chroot "$ROOT" dpkg-query -W -f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\t${Architecture}\n'
C apt-get-purge-rc DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y purge kldload-breaks kldload-legacy kldload-olddep

write_provenance "$DOUT" "dpkg-query captures inside the Debian $DEB apt test chroot" \
    "$(chroot "$ROOT" dpkg --version | head -1)" apt.sh \
"Taken by Tests/capture/apt.sh inside the debootstrap chroot $ROOT (see Fixtures/apt/$APTVER-debian$DEB-chroot/PROVENANCE.md
for the package set and sequence). \`dpkg-query-chroot-half-configured\`: right after the failed dist-upgrade, kldload-breaks
2.0 is half-configured (status \`iF\`). \`dpkg-query-chroot-rc\`: after \`apt-get remove kldload-breaks\`; kldload-breaks,
kldload-legacy (removed by Conflicts) and kldload-olddep (autoremoved) are removed but not purged (status \`rc\`).
Format: TAB-separated; dpkg-query(1) documents \\t as an escape in --showformat."
write_provenance "$OUT" "apt-get captures (Debian $DEB chroot, local file: repository)" \
    "$(chroot "$ROOT" apt-get --version | head -1); $(chroot "$ROOT" dpkg --version | head -1)" apt.sh \
"Test root: \`debootstrap --variant=minbase --include=apt-utils $APT_SUITE $ROOT $MIRROR\`; its only apt source is
\`deb [trusted=yes] file:$REPO_IN_ROOT ./\`, a flat repository (apt-ftparchive packages/release) of packages built with
\`dpkg-deb --build\` by \`Tests/capture/build-debs.sh\`. Every command ran as \`chroot $ROOT <argv>\`; the argv shown
includes the \`chroot $ROOT\` prefix, the program inside the chroot saw exactly the remaining argv.
/proc and a bind mount of the host /dev/pts are mounted in the chroot during the captures (so dpkg/apt behave as on a booted system).

Packages (all Architecture: all, one file in /usr/share/<name>/VERSION and one conffile /etc/<name>.conf):
- repo-v1: kldload-demo 1.0 (Depends kldload-lib (>= 1.0), kldload-olddep), kldload-lib 1.0, kldload-olddep 1.0,
  kldload-legacy 1.0, kldload-held 1.0, kldload-breaks 1.0.
- repo-v2: adds kldload-demo 2.0 (Depends kldload-lib (>= 2.0), kldload-newdep; Conflicts+Replaces kldload-legacy;
  no longer depends on kldload-olddep), kldload-lib 2.0, kldload-newdep 1.0, kldload-held 2.0.
- repo-v3: adds kldload-breaks 2.0 whose postinst prints a line to stderr and exits 1.

Sequence: install the v1 set; \`apt-mark hold kldload-held\`; append a line to /etc/kldload-demo.conf (local
modification, so --force-confold keeps it); publish v2 and capture update, simulated and real dist-upgrade
(Inst/Remv/Conf, kept back held package, confold path), autoremove (removes kldload-olddep), the held-only
simulation (0 upgraded ... 1 not upgraded), then unhold, upgrade it, and capture the no-op runs (0/0/0/0).
Publish v3: dist-upgrade fails in kldload-breaks postinst (exit 100), \`dpkg --audit\` shows the half-configured
package; then \`apt-get remove kldload-breaks\` (cleanup) and purge. The dpkg-query snapshots taken in the
chroot (half-configured \`iF\` and removed-not-purged \`rc\`) are in Fixtures/dpkg/$DPKGVER-debian$DEB-chroot/."
