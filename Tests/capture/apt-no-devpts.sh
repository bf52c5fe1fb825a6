#!/bin/bash
# Captures apt-get exiting 0 while printing an `E:` line: a real dist-upgrade inside a Debian 12
# chroot where /dev/pts is not mounted, so apt cannot open the pseudo-terminal it logs dpkg's
# output through (apt-pkg/deb/dpkgpm.cc, StartPtyMagic: "Can not write log (Is /dev/pts
# mounted?)"). The transaction itself succeeds. Same chroot recipe and packages as apt.sh
# (build-debs.sh), in a separate root so the two never disturb each other.
#
# Usage: apt-no-devpts.sh   (as root; needs debootstrap, apt-utils, dpkg-dev)
set -eu
. "$(dirname "$0")/lib.sh"

ROOT=${KLDLOAD_APT_NOPTS_ROOT:-/srv/kldload-aptroot-nopts}
WORK=/tmp/kldload-debs-nopts
REPO_IN_ROOT=/srv/kldload-repo

apt_test_root "$ROOT" "$WORK" "$REPO_IN_ROOT"
APTVER=$(chroot "$ROOT" apt-get --version | head -1 | awk '{print $2}')
OUT="$FIX/apt/$APTVER-debian12-chroot-no-devpts"

mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
# The point of this capture: no devpts on the chroot's /dev/pts, so opening /dev/ptmx there fails
# (ENODEV: the kernel looks for the devpts instance next to the ptmx node).
if mountpoint -q "$ROOT/dev/pts"; then umount "$ROOT/dev/pts"; fi
trap 'umount "$ROOT/proc" 2>/dev/null || true' EXIT

LEFT=$(chroot "$ROOT" dpkg-query -W -f '${Package}\n' 'kldload-*' 2>/dev/null || true)
[ -z "$LEFT" ] || chroot "$ROOT" dpkg --force-all --purge $LEFT >/dev/null

publish() { rm -rf "$ROOT$REPO_IN_ROOT"; cp -a "$WORK/$1" "$ROOT$REPO_IN_ROOT"; }
C() { local name="$1"; shift; cap "$OUT" "$name" "$@"; }

fresh "$OUT"
PTMX="$(ls -l "$ROOT/dev/ptmx" 2>&1 || true)"

publish repo-v1
chroot "$ROOT" apt-get update >/dev/null
DEBIAN_FRONTEND=noninteractive chroot "$ROOT" apt-get -y install kldload-demo kldload-legacy kldload-held >/dev/null 2>&1
chroot "$ROOT" apt-mark hold kldload-held >/dev/null
publish repo-v2
C apt-get-update-v2 -- chroot "$ROOT" apt-get update
C apt-get-dist-upgrade-no-devpts DEBIAN_FRONTEND=noninteractive -- chroot "$ROOT" apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
cap "$OUT" dpkg-query-after -- chroot "$ROOT" dpkg-query -W -f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\n' 'kldload-*'

write_provenance "$OUT" "apt-get exits 0 with an E: line (Debian 12 chroot without /dev/pts)" \
    "$(chroot "$ROOT" apt-get --version | head -1); $(chroot "$ROOT" dpkg --version | head -1)" apt-no-devpts.sh \
"Test root: \`debootstrap --variant=minbase --include=apt-utils bookworm $ROOT http://deb.debian.org/debian\`; its only apt
source is \`deb [trusted=yes] file:$REPO_IN_ROOT ./\`, the flat repositories built by \`Tests/capture/build-debs.sh\`
(packages described in Fixtures/apt/$APTVER-debian12-chroot/PROVENANCE.md). /proc is mounted in the chroot, /dev/pts is
NOT (the chroot's /dev/ptmx as debootstrap made it: \`${PTMX#$ROOT}\`), so apt's posix_openpt fails and apt prints
\`E: Can not write log (Is /dev/pts mounted?) - posix_openpt (...)\` on stderr, then runs dpkg without its pty and
exits 0. Sequence (not captured): apt-get update and install of the repo-v1 set (kldload-demo 1.0, kldload-legacy,
kldload-held 1.0) and \`apt-mark hold kldload-held\`, as in apt.sh; then repo-v2 is published and the captures below run. \`dpkg-query-after\` shows that the
transaction really completed (kldload-demo 2.0 installed, \`ii\`)."
echo "done: $OUT" >&2
