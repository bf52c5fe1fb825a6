#!/bin/bash
# Package side of the kupgrade scenario "a new kernel arrives and zfs-dkms does not build for it",
# captured natively in a Debian 12 chroot (no VM: OpenZFS configure under QEMU/TCG takes hours).
#
#   newkernel-zfs-dkms.sh chroot    debootstrap bookworm (main contrib) into $ROOT and install
#                                   linux-image-amd64 linux-headers-amd64 zfs-dkms (zfs builds for 6.1)
#   newkernel-zfs-dkms.sh repo      apt-get download (on the host, private sources list with
#                                   bookworm-backports) the backports kernel metapackages and what they
#                                   pull; dpkg-scanpackages them into a file: repository in the chroot
#   newkernel-zfs-dkms.sh capture   run, in the chroot, the apt argv kupgrade runs (update, -s dist-upgrade,
#                                   dist-upgrade, autoremove, dpkg-query) and the DKMS/module probes
#   newkernel-zfs-dkms.sh all       the three in order
#
# The mirror is read from the host's apt sources (deb822 URIs: or one-line deb), never hard-coded.
# Changes only $ROOT (default /srv/kldload-newkernel) and /tmp/kldload-bpo; run as root on Debian 12.
set -eu
. "$(dirname "$0")/lib.sh"
ROOT="${ROOT:-/srv/kldload-newkernel}"
BPO=/tmp/kldload-bpo
TIMES="${TIMES:-/tmp/kldload-newkernel-times.txt}"

# host_uri SUFFIX: first URI in the host's apt sources whose path ends in SUFFIX (debian or debian-security)
host_uri() {
    local want="$1"
    { grep -hE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | sed 's/^[[:space:]]*URIs:[[:space:]]*//' | tr ' ' '\n'
      grep -hE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}'
    } | grep -E "/${want}/?\$" | head -1 | sed 's:/$::'
}
MIRROR="$(host_uri debian)"
SECMIRROR="$(host_uri debian-security)"
[ -n "$MIRROR" ] || { echo "no debian mirror in the host's apt sources" >&2; exit 1; }

stamp() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$TIMES" >&2; }

mount_chroot() {
    mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
    mountpoint -q "$ROOT/sys" || mount -t sysfs sysfs "$ROOT/sys"
    mountpoint -q "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
    mountpoint -q "$ROOT/dev/pts" || mount --bind /dev/pts "$ROOT/dev/pts"
}
umount_chroot() {
    for m in dev/pts dev sys proc; do mountpoint -q "$ROOT/$m" && umount "$ROOT/$m"; done; return 0
}

phase_chroot() {
    : >"$TIMES"   # a new chroot starts a new time record
    stamp "chroot: debootstrap bookworm from $MIRROR"
    umount_chroot; rm -rf "$ROOT"
    debootstrap --variant=minbase --components=main,contrib bookworm "$ROOT" "$MIRROR"
    stamp "chroot: debootstrap done"
    {
        printf 'deb %s bookworm main contrib\n' "$MIRROR"
        printf 'deb %s bookworm-updates main contrib\n' "$MIRROR"
        [ -n "$SECMIRROR" ] && printf 'deb %s bookworm-security main contrib\n' "$SECMIRROR"
    } >"$ROOT/etc/apt/sources.list"
    printf 'kldload-newkernel\n' >"$ROOT/etc/hostname"
    # no services may start inside the chroot
    printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"; chmod 755 "$ROOT/usr/sbin/policy-rc.d"
    mount_chroot
    chroot "$ROOT" apt-get update
    DEBIAN_FRONTEND=noninteractive chroot "$ROOT" apt-get -y dist-upgrade
    stamp "chroot: installing linux-image-amd64 linux-headers-amd64 zfs-dkms (zfs builds for the 6.1 kernel)"
    DEBIAN_FRONTEND=noninteractive chroot "$ROOT" apt-get -y install linux-image-amd64 linux-headers-amd64 zfs-dkms kmod
    stamp "chroot: install done"
    chroot "$ROOT" dkms status
    umount_chroot
}

phase_repo() {
    stamp "repo: downloading the bookworm-backports kernel packages on the host"
    rm -rf "$BPO"; mkdir -p "$BPO/etc/sources.list.d" "$BPO/etc/preferences.d" "$BPO/lists/partial" "$BPO/cache/archives/partial" "$BPO/debs"
    printf 'deb %s bookworm main contrib\ndeb %s bookworm-backports main contrib\n' "$MIRROR" "$MIRROR" >"$BPO/etc/sources.list"
    local -a A=(apt-get -o Dir::Etc::sourcelist="$BPO/etc/sources.list" -o Dir::Etc::sourceparts="$BPO/etc/sources.list.d"
                -o Dir::Etc::preferencesparts="$BPO/etc/preferences.d" -o Dir::State::Lists="$BPO/lists"
                -o Dir::Cache="$BPO/cache" -o Dir::State::status="$ROOT/var/lib/dpkg/status")
    "${A[@]}" update
    # What the backports metapackages pull into the chroot's installed set: only the packages apt
    # takes from bookworm-backports go into the local repository (the rest comes from bookworm).
    "${A[@]}" -s install linux-image-amd64/bookworm-backports linux-headers-amd64/bookworm-backports | tee "$BPO/resolve.txt"
    local pkgs; pkgs=$(grep -E '^Inst .*Backports' "$BPO/resolve.txt" | sed -E 's/^Inst ([^ ]+) (\[[^]]*\] )?\(([^ ]+) .*/\1=\3/')
    echo "$pkgs" >&2
    (cd "$BPO/debs" && "${A[@]}" download $pkgs)
    rm -rf "$ROOT/srv/kernel-repo"; mkdir -p "$ROOT/srv/kernel-repo"; cp "$BPO"/debs/*.deb "$ROOT/srv/kernel-repo/"
    (cd "$ROOT/srv/kernel-repo" && dpkg-scanpackages --multiversion . /dev/null >Packages && apt-ftparchive release . >Release)
    printf 'deb [trusted=yes] file:/srv/kernel-repo ./\n' >"$ROOT/etc/apt/sources.list.d/kernel-repo.list"
    ls -l "$ROOT/srv/kernel-repo" >&2
    stamp "repo: done"
}

# Everything kupgrade runs on apt, in its order and with its argv and environment, then the module
# probes kupgrade's ModuleVerifier makes; all run as `chroot $ROOT ARGV` (cap records that argv).
phase_capture() {
    local APTVER OUT DK KOLD KNEW
    mount_chroot
    APTVER=$(chroot "$ROOT" apt-get --version | head -1 | awk '{print $2}')
    OUT="$FIX/apt/$APTVER-debian12-chroot-bpo-kernel-zfs-dkms"
    DK="$FIX/dkms/$(chroot "$ROOT" dkms --version | sed 's/^dkms-//')-debian12-chroot-zfs-bpo-kernel"
    fresh "$OUT"; fresh "$DK"
    local -a C=(chroot "$ROOT") E=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
    KOLD=$(cd "$ROOT/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -1)
    stamp "capture: start (installed kernel $KOLD)"
    cap "$OUT" os-release "${E[@]}" -- "${C[@]}" cat /etc/os-release
    cap "$DK" dkms-status-before "${E[@]}" -- "${C[@]}" dkms status
    cap "$OUT" apt-get-update "${E[@]}" -- "${C[@]}" apt-get update
    cap "$OUT" apt-get-s-dist-upgrade "${E[@]}" -- "${C[@]}" apt-get -s dist-upgrade
    stamp "capture: dist-upgrade (the new kernel's postinst runs dkms autoinstall for zfs)"
    cap "$OUT" apt-get-dist-upgrade-confold "${E[@]}" DEBIAN_FRONTEND=noninteractive APT_LISTCHANGES_FRONTEND=none -- \
        "${C[@]}" apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
    stamp "capture: dist-upgrade done"
    KNEW=$(cd "$ROOT/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -1)
    printf 'KOLD=%s\nKNEW=%s\n' "$KOLD" "$KNEW" >"$BPO/kernels"
    cap "$DK" dkms-status-after-upgrade "${E[@]}" -- "${C[@]}" dkms status
    cap "$OUT" dpkg-audit-after-upgrade "${E[@]}" -- "${C[@]}" dpkg --audit
    cap "$OUT" dpkg-query-kernels "${E[@]}" -- "${C[@]}" dpkg-query -W -f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\t${Architecture}\n' \
        'linux-image-*' 'linux-headers-*' 'linux-kbuild-*' zfs-dkms dkms
    stamp "capture: dkms autoinstall -k $KNEW (kupgrade's retry)"
    cap "$DK" dkms-autoinstall-k-new-kernel "${E[@]}" -- "${C[@]}" dkms autoinstall -k "$KNEW"
    stamp "capture: retry done"
    cap "$DK" dkms-status-after-retry "${E[@]}" -- "${C[@]}" dkms status
    local zv; zv=$(cd "$ROOT/usr/src" && ls -d zfs-* | sed 's/^zfs-//' | sort -V | tail -1)
    cap "$DK" make-log-new-kernel "${E[@]}" -- "${C[@]}" cat "/var/lib/dkms/zfs/$zv/build/make.log"
    cap "$DK" dkms-conf-zfs "${E[@]}" -- "${C[@]}" cat "/usr/src/zfs-$zv/dkms.conf"
    cap "$DK" zfs-META "${E[@]}" -- "${C[@]}" cat "/usr/src/zfs-$zv/META"
    cap "$DK" find-lib-modules "${E[@]}" -- "${C[@]}" find /lib/modules -maxdepth 4 \( -name 'vmlinuz*' -o -name '*.ko*' -path '*dkms*' -o -name 'modules.dep' \)
    cap "$DK" find-zfs-modules "${E[@]}" -- "${C[@]}" find /lib/modules -name 'zfs.ko*' -o -name 'spl.ko*'
    cap "$DK" ls-lib-modules "${E[@]}" -- "${C[@]}" ls -la /lib/modules "/lib/modules/$KOLD" "/lib/modules/$KNEW"
    cap "$DK" ls-boot "${E[@]}" -- "${C[@]}" ls -la /boot
    local m
    for m in zfs spl; do
        cap "$DK" "modinfo-F-vermagic-$m-$KOLD" "${E[@]}" -- "${C[@]}" modinfo -F vermagic "/lib/modules/$KOLD/updates/dkms/$m.ko"
    done
    cap "$OUT" apt-get-autoremove "${E[@]}" -- "${C[@]}" apt-get -y autoremove
    stamp "capture: done"
    local notes="Debian 12 chroot $ROOT made by \`Tests/capture/newkernel-zfs-dkms.sh chroot\` (debootstrap --variant=minbase bookworm,
components main contrib, mirror read from the host's apt sources; then linux-image-amd64 linux-headers-amd64 zfs-dkms installed
from bookworm, so zfs was built by DKMS for $KOLD). \`... repo\` downloaded on the host, with a private sources list adding
bookworm-backports, the backports linux-image-amd64/linux-headers-amd64 metapackages and what they pull, and put them in
\`deb [trusted=yes] file:/srv/kernel-repo ./\` inside the chroot (dpkg-scanpackages), so the chroot's ordinary dist-upgrade
offers kernel $KNEW as a regular upgrade. The repository held: $(cd "$ROOT/srv/kernel-repo" && ls *.deb | tr '\n' ' ')(the packages
apt took from bookworm-backports for \`apt-get -s install linux-image-amd64/bookworm-backports linux-headers-amd64/bookworm-backports\`
against the chroot's dpkg status; the other dependencies come from bookworm itself). Every command ran as \`chroot $ROOT ARGV\` (shown in full below) with /proc, /sys,
/dev, /dev/pts mounted; the argv after \`chroot $ROOT\` is exactly what kupgrade runs (PackageManagerDriver.swift,
ModuleVerifier.swift). Inside a chroot \`uname -r\` is the host's kernel ($(uname -r)), which has no headers there; every DKMS
build is for an explicit kernel. The capture \`apt-get-autoremove\` (run last; kupgrade skips autoremove after a failed
transaction) shows apt retrying the unfinished configuration, so DKMS fails a third time.

Step times (UTC stamps the script appended to $TIMES; shared 2-core machine):
\`\`\`
$(cat "$TIMES")
\`\`\`"
    write_provenance "$OUT" "apt-get in a Debian 12 chroot: bookworm-backports kernel $KNEW arrives, zfs-dkms does not build for it" \
        "$(chroot "$ROOT" apt-get --version | head -1); $(chroot "$ROOT" dpkg --version | head -1)" newkernel-zfs-dkms.sh "$notes"
    write_provenance "$DK" "dkms in a Debian 12 chroot: zfs-dkms $zv built for $KOLD, fails for bookworm-backports $KNEW" \
        "$(chroot "$ROOT" dkms --version); zfs-dkms $(chroot "$ROOT" dpkg-query -W -f '${Version}' zfs-dkms); kmod $(chroot "$ROOT" dpkg-query -W -f '${Version}' kmod)" \
        newkernel-zfs-dkms.sh "$notes"
    umount_chroot
}

case "${1:-}" in
    chroot) phase_chroot ;;
    repo) phase_repo ;;
    capture) phase_capture ;;
    all) phase_chroot; phase_repo; phase_capture ;;
    *) echo "usage: $0 chroot|repo|capture|all" >&2; exit 2 ;;
esac
