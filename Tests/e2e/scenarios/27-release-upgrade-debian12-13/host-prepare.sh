#!/usr/bin/env bash
# Host side of 27-release-upgrade-debian12-13, before phase 1's boot (the guest has no network):
#   1. Debian 13's packages for a dist-upgrade of the Debian 12 image, as a suite-named local
#      repository: dists/trixie/{main,contrib} with every .deb `apt-get -d dist-upgrade` fetches
#      for the image's own package set (its /var/lib/dpkg/status, read from rootfs.ext4 with
#      debugfs, minus the linux-headers-* packages phase 1 purges), from the host's mirror
#      (host_mirror, never hard-coded) with sources switched to trixie (main contrib); and an
#      empty dists/bookworm, so the guest's sources name bookworm and it is kupgrade's rewrite
#      to trixie that makes apt see Debian 13. Release files by apt-ftparchive; the guest uses
#      [trusted=yes].
#   2. The prebuilt ZFS modules for Debian 13's kernel: spl.ko.xz and zfs.ko.xz of zfs-dkms 2.3.9
#      built by Debian's dkms 3.2.2 for linux-image-6.12.117+deb13-amd64 when the Debian 13 image
#      was made (build-image, debootstrap on this host: a native build, not TCG), copied out of
#      that image's rootfs.ext4 (debugfs, read-only) from /lib/modules/<kver>/updates/dkms/.
#      Refuses when the kernel or zfs-dkms version downloaded in 1 differs from the one built.
# Cached in $E2E_CACHE/debs-release-bookworm-trixie (repo/, prebuilt-zfs/<kver>/, PROVENANCE).
# Usage: host-prepare.sh <exchange-dir> <phase>   (phase 0: only build the cache)
set -euo pipefail
src=$1 phase=$2
[[ $phase == 0 ]] || cp "$(dirname "$0")/../21-new-be/lib-new-be.sh" "$src/"
[[ $phase == 0 || $phase == 1 ]] || exit 0
source "$(dirname "$0")/../../lib/common.sh"
[[ $E2E_DISTRO == bookworm ]] || die "27-release-upgrade-debian12-13 runs on the Debian 12 image (E2E_DISTRO=bookworm)"
need debugfs apt-get apt-ftparchive dpkg-scanpackages dpkg-deb
cache="$E2E_CACHE/debs-release-bookworm-trixie"
if [[ ! -e $cache/READY ]]; then
    t0=$(date +%s)
    img12="$(image_dir)"
    img13="$(E2E_DISTRO=trixie; image_dir)"
    [[ -s $img12/rootfs.ext4 ]] || die "no Debian 12 image at $img12 (Tests/e2e/build-image)"
    [[ -s $img13/rootfs.ext4 ]] || die "no Debian 13 image at $img13 (E2E_DISTRO=trixie Tests/e2e/build-image): the prebuilt zfs modules come from it"
    w="$cache.tmp"; rm -rf "$w"
    # Downloads persist in $cache.dl (apt fetches only what is missing there on a rerun).
    mkdir -p "$w/lists/partial" "$cache.dl/archives/partial" "$w/state" "$w/repo"
    debugfs -R "cat /var/lib/dpkg/status" "$img12/rootfs.ext4" 2>/dev/null >"$w/status.image"
    grep -q '^Package: zfs-dkms$' "$w/status.image" || die "cannot read the Debian 12 image's dpkg status"
    # The guest purges the kernel headers (phase 1) so that no DKMS build runs under TCG.
    awk 'BEGIN { RS=""; ORS="\n\n" } !/^Package: linux-headers-/' "$w/status.image" >"$w/status"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main contrib\n' "$(host_mirror)" >"$w/sources.list"
    printf 'Package: linux-headers-*\nPin: version *\nPin-Priority: -1\n' >"$w/preferences"
    A=(-o "Dir::Etc::SourceList=$w/sources.list" -o Dir::Etc::SourceParts=/dev/null
       -o "Dir::Etc::Preferences=$w/preferences" -o Dir::Etc::PreferencesParts=/dev/null
       -o "Dir::State=$w/state" -o "Dir::State::Lists=$w/lists" -o "Dir::State::status=$w/status"
       -o "Dir::Cache=$w/cache" -o "Dir::Cache::archives=$cache.dl/archives" -o Debug::NoLocking=1 -o APT::Architecture=amd64
       -o APT::Install-Recommends=true -o APT::Install-Suggests=false)
    apt-get "${A[@]}" update >"$w/apt.log" 2>&1 || { tail -5 "$w/apt.log"; die "apt-get update (trixie) failed"; }
    apt-get "${A[@]}" -y -d dist-upgrade >>"$w/apt.log" 2>&1 || { tail -5 "$w/apt.log"; die "apt-get -d dist-upgrade failed"; }
    # The same dist-upgrade, simulated: what the guest's apt should do (kept for the README).
    apt-get "${A[@]}" -s dist-upgrade >"$w/dist-upgrade.simulated" 2>&1 || true
    # Exactly the .debs this dist-upgrade installs (the download cache may hold more).
    sed -n 's/^Inst \([^ ]*\) [^(]*(\([^ ]*\) .*/\1 \2/p' "$w/dist-upgrade.simulated" >"$w/to-install"
    mkdir -p "$w/repo/pool/main" "$w/repo/pool/contrib"
    while read -r p v; do
        d=$(ls "$cache.dl/archives/${p%%:*}_${v/:/%3a}_"*.deb 2>/dev/null | head -1)
        [[ -n $d ]] || die "no downloaded .deb for $p $v"
        case "$(dpkg-deb -f "$d" Section)" in contrib/*) mv "$d" "$w/repo/pool/contrib/" ;; *) mv "$d" "$w/repo/pool/main/" ;; esac
    done <"$w/to-install"
    (( $(wc -l <"$w/to-install") > 100 )) || die "only $(wc -l <"$w/to-install") packages to install (see $w/apt.log)"
    # The kernel and the zfs-dkms fetched must be the ones the prebuilt modules were built for.
    kimg=$(cd "$w/repo/pool/main" && ls linux-image-6.*-amd64_*.deb | grep -v -- '-dbg_' | head -1)
    kver=${kimg#linux-image-}; kver=${kver%%_*}
    zdeb=$(ls "$w/repo/pool/contrib"/zfs-dkms_*.deb | head -1)
    zver=$(dpkg-deb -f "$zdeb" Version)
    built_k=$(cat "$img13/kernel-version")
    built_z=$(awk '$1=="zfs-dkms" {print $2}' "$img13/packages.txt")
    [[ $kver == "$built_k" ]] || die "trixie's kernel is $kver, the Debian 13 image's modules are for $built_k: rebuild that image"
    [[ $zver == "$built_z" ]] || die "trixie's zfs-dkms is $zver, the Debian 13 image built $built_z: rebuild that image"
    mkdir -p "$w/prebuilt-zfs/$kver"
    for m in spl zfs; do
        debugfs -R "dump /lib/modules/$kver/updates/dkms/$m.ko.xz $w/prebuilt-zfs/$kver/$m.ko.xz" "$img13/rootfs.ext4" >/dev/null 2>&1
        [[ -s $w/prebuilt-zfs/$kver/$m.ko.xz ]] || die "no $m.ko.xz for $kver in $img13/rootfs.ext4"
    done
    for suite in bookworm trixie; do
        for comp in main contrib; do
            mkdir -p "$w/repo/dists/$suite/$comp/binary-amd64"
            if [[ $suite == trixie ]]; then
                ( cd "$w/repo" && dpkg-scanpackages -m "pool/$comp" /dev/null 2>/dev/null ) >"$w/repo/dists/$suite/$comp/binary-amd64/Packages"
            else
                : >"$w/repo/dists/$suite/$comp/binary-amd64/Packages"
            fi
        done
        ( cd "$w/repo/dists/$suite" && apt-ftparchive -o "APT::FTPArchive::Release::Origin=kldload-e2e" \
            -o "APT::FTPArchive::Release::Suite=$suite" -o "APT::FTPArchive::Release::Codename=$suite" \
            -o "APT::FTPArchive::Release::Components=main contrib" -o APT::FTPArchive::Release::Architectures=amd64 \
            release . ) >"$w/Release.$suite"
        mv "$w/Release.$suite" "$w/repo/dists/$suite/Release"
    done
    {
        echo "Made by Tests/e2e/scenarios/27-release-upgrade-debian12-13/host-prepare.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "mirror: $(host_mirror) trixie main contrib (apt-get -d dist-upgrade against the dpkg status of $(basename "$img12"), linux-headers-* removed and pinned out)"
        echo "packages: $(ls "$w"/repo/pool/*/*.deb | wc -l) ($(du -sm "$w/repo/pool" | cut -f1) MiB)"
        echo "kernel: $kver; zfs-dkms: $zver"
        echo "prebuilt-zfs/$kver: spl.ko.xz zfs.ko.xz from $(basename "$img13")/rootfs.ext4:/lib/modules/$kver/updates/dkms (built by dkms $(awk '$1=="dkms" {print $2}' "$img13/packages.txt") during that image's debootstrap on the host)"
        ( cd "$w/prebuilt-zfs/$kver" && sha256sum ./*.ko.xz )
        echo "took $(( $(date +%s) - t0 )) s"
    } >"$w/PROVENANCE"
    rm -rf "$w/lists" "$w/cache" "$w/state" "$cache.dl"
    touch "$w/READY"
    rm -rf "$cache"; mv "$w" "$cache"
fi
[[ $phase == 1 ]] || { cat "$cache/PROVENANCE"; exit 0; }
cp -a "$cache/repo" "$src/release-repo"
cp -a "$cache/prebuilt-zfs" "$src/prebuilt-zfs"
cp "$cache/PROVENANCE" "$src/release-repo.PROVENANCE"
