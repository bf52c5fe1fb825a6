#!/bin/bash
# Builds Fixtures/scenarios/kbe-diff-{dpkg,rpm,pacman}: kbe diff replays assembled only from
# verbatim copies of captured files. Each scenario's PROVENANCE.md lists every file and its SHA-256.
#   Tests/scenario-builder/build-diff-scenarios.sh
set -eu
R="$(cd "$(dirname "$0")/../.." && pwd)"
F="$R/Fixtures"
BES="$F/scenarios/kbe-openzfs-2.1-bes"
INBE="$F/scenarios/kupgrade-debian12-apt-pkgdb-in-be"
CP=pre-upgrade-20261122-101500
SNAP="/.zfs/snapshot/$CP"
RPMQF='%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'

build() {
    local kind="$1" src="$2" what="$3"
    local S="$F/scenarios/kbe-diff-$kind"
    rm -rf "$S"; mkdir -p "$S/commands/001" "$S/commands/002" "$S/root/proc/self"
    rows=()
    copy() {  # copy SRC DEST(relative to $S) NOTE
        mkdir -p "$(dirname "$S/$2")"; cp "$1" "$S/$2"
        rows+=("| \`$2\` | \`${1#$R/}\` $3 | \`$(sha256sum "$1" | cut -c1-16)…\` |")
    }
    printf 'zpool\nget\n-Hp\nbootfs\nrpool\n' >"$S/commands/001/argv"
    copy "$BES/commands/001/stdout" commands/001/stdout "(zpool get -Hp bootfs rpool)"
    cp "$BES/commands/002/argv" "$S/commands/002/argv"
    copy "$BES/commands/002/stdout" commands/002/stdout "(the BE listing: default running with checkpoint $CP)"
    copy "$INBE/root/proc/self/mounts" root/proc/self/mounts "(a mount table with the package database inside the BE)"
    # The kernel tree of the pkgdb-in-be scenario on both sides (the kernel did not change).
    for side in "" "$SNAP"; do
        while IFS= read -r f; do
            copy "$INBE/root/$f" "root$side/$f" "(kernel tree)"
        done < <(cd "$INBE/root" && find boot lib/modules usr/lib/modules -type f | sort)
    done
    case $kind in
        dpkg)
            copy "$src/before/var/lib/dpkg/status" "root$SNAP/var/lib/dpkg/status" "(before)"
            copy "$src/after/var/lib/dpkg/status" root/var/lib/dpkg/status "(after)"
            ;;
        pacman)
            while IFS= read -r f; do
                copy "$src/before/var/lib/pacman/local/$f" "root$SNAP/var/lib/pacman/local/$f" "(before)"
            done < <(cd "$src/before/var/lib/pacman/local" && find . -type f -printf '%P\n' | sort)
            while IFS= read -r f; do
                copy "$src/after/var/lib/pacman/local/$f" "root/var/lib/pacman/local/$f" "(after)"
            done < <(cd "$src/after/var/lib/pacman/local" && find . -type f -printf '%P\n' | sort)
            ;;
        rpm)
            copy "$src/before/rpmdb.sqlite" "root$SNAP/var/lib/rpm/rpmdb.sqlite" "(before)"
            copy "$src/after/rpmdb.sqlite" root/var/lib/rpm/rpmdb.sqlite "(after)"
            mkdir -p "$S/commands/003" "$S/commands/004"
            printf 'rpm\n--dbpath\n%s\n-qa\n--qf\n%s\n' "$SNAP/var/lib/rpm" "$RPMQF" >"$S/commands/003/argv"
            copy "$src/before-qa.stdout" commands/003/stdout "(rpm -qa of the before database)"
            printf 'rpm\n--dbpath\n%s\n-qa\n--qf\n%s\n' /var/lib/rpm "$RPMQF" >"$S/commands/004/argv"
            copy "$src/after-qa.stdout" commands/004/stdout "(rpm -qa of the after database)"
            ;;
    esac
    cp "$BES/scenario.conf" "$S/scenario.conf"
    {
        echo "# kbe-diff-$kind"
        echo
        echo "\`kbe diff $CP\` (the checkpoint against the running BE) on real $what databases."
        echo "Built by \`Tests/scenario-builder/build-diff-scenarios.sh\` from verbatim copies only:"
        echo
        echo "- the pool: the real OpenZFS 2.1 listing and bootfs of \`../kbe-openzfs-2.1-bes\` (BE \`default\` running, checkpoint \`$CP\`);"
        echo "- the mount table: the real one of \`../kupgrade-debian12-apt-pkgdb-in-be\` (package database inside the BE, as"
        echo "  kbe requires for a checkpoint to hold it), and that scenario's kernel tree on both sides;"
        echo "- the package databases: \`${src#$R/}\` (see its PROVENANCE.md): \"before\" placed in the checkpoint's"
        echo "  \`$SNAP\` directory, \"after\" in the running root.${4:-}"
        echo
        echo "| scenario file | copied from | sha256 |"
        echo "|---|---|---|"
        printf '%s\n' "${rows[@]}"
    } >"$S/PROVENANCE.md"
}
build dpkg "$F/pkgdb/dpkg-1.21.23-debian12-root" "dpkg (Debian 12 debootstrap root)"
build pacman "$F/pkgdb/pacman-6.0.2-debian12" "pacman (pacman -r root)"
build rpm "$F/pkgdb/rpm-4.18.0-debian12" "rpm (dnf --installroot)" "
  The rpm databases were captured under the installroot's root/.rpmdb (Debian's rpm default _dbpath); here they sit where
  RHEL 9 keeps them, /var/lib/rpm. commands/003 and 004 are the real \`rpm --dbpath … -qa --qf\` answers for those two
  databases (the --dbpath argument is where kbe finds them in this tree)."

# kbe-diff-files: `kbe diff --files diff-a` on the real OpenZFS 2.3.9 capture of boot E.
Z="$F/zfs-2.3/openzfs-2.3.9-debian13/diff"
S="$F/scenarios/kbe-diff-files"
rm -rf "$S"; mkdir -p "$S/commands/001" "$S/commands/002" "$S/commands/003" "$S/root/proc/self"
rows=()
zcopy() { mkdir -p "$(dirname "$S/$2")"; cp "$1" "$S/$2"; rows+=("| \`$2\` | \`${1#$R/}\` $3 | \`$(sha256sum "$1" | cut -c1-16)…\` |"); }
printf 'zpool\nget\n-Hp\nbootfs\nrpool\n' >"$S/commands/001/argv"
zcopy "$Z/zpool-get-bootfs.stdout" commands/001/stdout "(zpool get -Hp bootfs rpool)"
cp "$BES/commands/002/argv" "$S/commands/002/argv"
zcopy "$Z/zfs-list-be.stdout" commands/002/stdout "(the BE listing, same argv as kbe's)"
printf 'zfs\ndiff\n-FH\nrpool/ROOT/default@diff-a\nrpool/ROOT/default\n' >"$S/commands/003/argv"
zcopy "$Z/zfs-diff-FH-a-live.stdout" commands/003/stdout "(zfs diff -FH rpool/ROOT/default@diff-a rpool/ROOT/default)"
zcopy "$Z/proc-self-mounts.stdout" root/proc/self/mounts "(cat /proc/self/mounts)"
printf 'now=2026-12-05T15:13:50Z\nuid=0\ninteractive=false\n' >"$S/scenario.conf"
{
    echo "# kbe-diff-files"
    echo
    echo "\`kbe diff --files diff-a\` on real OpenZFS 2.3.9 output (Debian 13 VM, Tests/e2e/capture-zfs boot E): checkpoint"
    echo "\`diff-a\` of the running BE rpool/ROOT/default and the files changed since (every kind zfs diff prints, names"
    echo "that need escaping). No package database is in this tree (the files are the point). Built by"
    echo "\`Tests/scenario-builder/build-diff-scenarios.sh\` from verbatim copies; \`now=\` is the listing's capture time."
    echo
    echo "| scenario file | copied from | sha256 |"
    echo "|---|---|---|"
    printf '%s\n' "${rows[@]}"
} >"$S/PROVENANCE.md"
