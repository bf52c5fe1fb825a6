#!/bin/bash
# Runs one capture script inside a debootstrap tree of another Debian release, so the captures
# come from that release's programs (Debian 13: apt 3.0, dkms 3.2, pacman 7.0, dnf 4.23):
#   in-chroot.sh ROOT SCRIPT [ARGS...]
# e.g. debootstrap --variant=minbase --include=dkms,linux-headers-amd64,... trixie /var/tmp/kldload-trixie MIRROR
#      in-chroot.sh /var/tmp/kldload-trixie dkms.sh 6.12.x-amd64 6.12.y-amd64
# The repository is bind-mounted at /kldload inside ROOT (captures land in its Fixtures/);
# /proc, /sys, /dev, /dev/pts are bind-mounted and /tmp is a fresh tmpfs, all in a private mount
# namespace, so everything is gone when the script ends.
set -eu
ROOT=${1:?usage: in-chroot.sh ROOT SCRIPT [ARGS...]}; SCRIPT=${2:?usage: in-chroot.sh ROOT SCRIPT [ARGS...]}; shift 2
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
[ -x "$ROOT/bin/bash" ] || { echo "in-chroot.sh: $ROOT is not a debootstrap tree" >&2; exit 2; }
if [ -z "${KLDLOAD_IN_CHROOT_NS:-}" ]; then
    exec unshare --mount --propagation private env KLDLOAD_IN_CHROOT_NS=1 bash "$0" "$ROOT" "$SCRIPT" "$@"
fi
# ROOT becomes a mount point of its own, so scripts that unshare again inside (pacman-arch-holdback.sh)
# can change the propagation of their "/".
mount --bind "$ROOT" "$ROOT"
mkdir -p "$ROOT/kldload"
mount --bind "$REPO" "$ROOT/kldload"
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"
mount -t tmpfs tmpfs "$ROOT/tmp"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
exec chroot "$ROOT" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    CAPTURE_PLACE=chroot bash "/kldload/Tests/capture/$SCRIPT" "$@"
