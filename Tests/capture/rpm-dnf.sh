#!/bin/bash
# Captures real rpm / dnf (dnf4 as packaged by Debian 12) output against an
# installroot (/tmp/dnfroot) whose only repository is a local createrepo_c
# repository of tiny RPMs built here with `rpmbuild -bb` from spec files that
# have no sources.
# Usage: rpm-dnf.sh   (as root; needs rpm, dnf, createrepo-c)
set -eu
. "$(dirname "$0")/lib.sh"

WORK=/tmp/kldload-rpms
REPO=/srv/kldload-rpmrepo
IROOT=/tmp/dnfroot
REPOSDIR=/tmp/kldload-dnf/repos.d
DNFVER=$(dnf --version | head -1)
RPMVER=$(rpm --version | awk '{print $3}')
OUT="$FIX/dnf/$DNFVER-debian$DEBIAN_RELEASE"
ROUT="$FIX/rpm/$RPMVER-debian$DEBIAN_RELEASE"

rm -rf "$WORK" "$IROOT" "$REPO" "$REPOSDIR"
mkdir -p "$WORK/SPECS" "$WORK/v1" "$WORK/v2" "$REPOSDIR"

# spec NAME EPOCH VERSION RELEASE ARCH "EXTRA TAGS"
spec() {
    local name="$1" epoch="$2" ver="$3" rel="$4" arch="$5" extra="$6"
    local f="$WORK/SPECS/$name-$ver-$rel.spec"
    {
        echo '%global debug_package %{nil}'
        echo "Name: $name"
        [ -n "$epoch" ] && echo "Epoch: $epoch"
        echo "Version: $ver"
        echo "Release: $rel"
        echo "Summary: kldload capture test package $name"
        echo "License: MIT"
        [ "$arch" = noarch ] && echo "BuildArch: noarch"
        [ -n "$extra" ] && printf '%s\n' "$extra"
        echo
        echo '%description'
        echo "Throwaway package built by Tests/capture/rpm-dnf.sh to capture real dnf/rpm output."
        echo
        # installonly kernels must not share file paths between versions
        local dir="/usr/share/$name" file=VERSION
        [ "$name" = kernel-core ] && { dir="/lib/modules/$ver-$rel.$arch"; file=vmlinuz; }
        echo '%install'
        echo "mkdir -p %{buildroot}$dir"
        echo "echo '$name $ver-$rel' > %{buildroot}$dir/$file"
        echo
        echo '%files'
        echo "$dir/$file"
    } >"$f"
    local targ=(); [ "$arch" != noarch ] && targ=(--target "$arch")
    rpmbuild --define "_topdir $WORK/build" "${targ[@]}" -bb "$f" >"$WORK/build-$name-$ver-$rel.log" 2>&1
}
LONG=kldload-extremely-long-package-name-for-wrapping-test
spec kldload-demo   ""  1.0 1 noarch "Requires: kldload-olddep"
spec kldload-olddep ""  1.0 1 noarch ""
spec kldload-epoch  2   1.0 1 noarch ""
spec "$LONG"        ""  1.0 1 noarch ""
spec kldload-legacy ""  1.0 1 noarch ""
spec kernel-core    ""  5.14.0 503.el9 x86_64 "Provides: installonlypkg(kernel)"
spec kmod-zfs       ""  2.2.7 1.el9 x86_64 "Requires: kernel-core"
spec zfs-dkms       ""  2.2.7 1.el9 noarch ""
cp "$WORK"/build/RPMS/*/*.rpm "$WORK/v1/"
spec kldload-demo   ""  2.0 1 noarch "Requires: kldload-newdep"
spec kldload-newdep ""  1.0 1 noarch ""
spec kldload-epoch  2   1.1 1 noarch ""
spec "$LONG"        ""  1.0 2 noarch ""
spec kldload-modern ""  1.0 1 noarch "Obsoletes: kldload-legacy < 2.0
Provides: kldload-legacy = 2.0"
spec kernel-core    ""  5.14.0 570.el9 x86_64 "Provides: installonlypkg(kernel)"
spec kmod-zfs       ""  2.2.8 1.el9 x86_64 "Requires: kernel-core"
spec zfs-dkms       ""  2.2.8 1.el9 noarch ""
cp "$WORK"/build/RPMS/*/*.rpm "$WORK/v2/"   # v2 = old + new builds, like a real repo

# The repository's revision is createrepo_c's timestamp in seconds; dnf 4.23 (libdnf 0.74) keeps its
# cached metadata while the revision is unchanged, so two publications within one second looked
# like one. Wait a second before each.
publish() { sleep 1; rm -rf "$REPO"; mkdir -p "$REPO"; cp "$WORK/$1"/*.rpm "$REPO/"; createrepo_c --quiet "$REPO"; }
cat >"$REPOSDIR/kldload.repo" <<REPOEOF
[kldload]
name=kldload capture repo
baseurl=file://$REPO
enabled=1
gpgcheck=0
metadata_expire=0
REPOEOF

DNF=(dnf "--installroot=$IROOT" "--setopt=reposdir=$REPOSDIR" --releasever=9 --nogpgcheck)
QF='%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'
fresh "$OUT"; fresh "$ROUT"
D() { local name="$1"; shift; cap "$OUT" "$name" -- "${DNF[@]}" "$@"; }
R() { local name="$1"; shift; cap "$ROUT" "$name" -- rpm --root "$IROOT" "$@"; }

publish v1
D install-v1 install -y kldload-demo kldload-epoch "$LONG" kldload-legacy kernel-core kmod-zfs zfs-dkms
R qa-v1 -qa --qf "$QF"
publish v2
D check-update-pending check-update
cap "$OUT" check-update-pending-tty80 -- python3 "$(dirname "$0")/ttyrun.py" 80 -- "${DNF[@]}" check-update
D upgrade-assumeno upgrade --assumeno
D upgrade-y upgrade -y
R qa-after-upgrade -qa --qf "$QF"
D autoremove-y autoremove -y
D check-update-noop check-update
D upgrade-y-noop upgrade -y
D autoremove-y-noop autoremove -y
R qa-final -qa --qf "$QF"
R q-kernel-core -q kernel-core
R q-not-installed -q kldload-legacy

NOTES="Packages are built by Tests/capture/rpm-dnf.sh with \`rpmbuild -bb\` from spec files without sources (each installs one
file /usr/share/<name>/VERSION; kernel-core installs /lib/modules/<version>-<release>.x86_64/vmlinuz); repositories made with \`createrepo_c\`, served as baseurl=file://$REPO (gpgcheck=0,
metadata_expire=0) from the repo file $REPOSDIR/kldload.repo, the only reposdir. Installroot: $IROOT (created empty by dnf).
- v1 repo: kldload-demo 1.0-1 (Requires kldload-olddep), kldload-olddep 1.0-1, kldload-epoch 2:1.0-1,
  $LONG 1.0-1, kldload-legacy 1.0-1, kernel-core 5.14.0-503.el9.x86_64, kmod-zfs 2.2.7-1.el9.x86_64, zfs-dkms 2.2.7-1.el9.noarch.
- v2 repo: all v1 RPMs plus kldload-demo 2.0-1 (Requires kldload-newdep, no longer kldload-olddep), kldload-newdep 1.0-1,
  kldload-epoch 2:1.1-1, $LONG 1.0-2, kldload-modern 1.0-1 (Obsoletes: kldload-legacy < 2.0, Provides: kldload-legacy = 2.0),
  kernel-core 5.14.0-570.el9 (installonly: installed next to the old one), kmod-zfs 2.2.8-1.el9, zfs-dkms 2.2.8-1.el9.
kernel-core carries \`Provides: installonlypkg(kernel)\` like the real kernel-core, so dnf installs new kernels
side by side (installonly). The x86_64 packages were built with \`rpmbuild --target x86_64\` (no payload binaries). Sequence: install the v1 set,
publish v2, then the captures in the order listed. stdin was /dev/null and stdout a file (no tty): dnf then never wraps
long names (output.py calcColumns: \"running in non interactive terminal ... avoid splitting lines\"). \`check-update-pending-tty80\`
was run with stdout on an 80-column pseudo-terminal by Tests/capture/ttyrun.py (output post-processing off, so the bytes
are exactly what dnf wrote, including any terminal highlighting) to show the tty-only wrapped layout.
Debian's rpm keeps its database at %_dbpath = $(rpm --eval '%_dbpath') (relative to --root / --installroot); dnf and rpm
share the same librpm configuration so both see the same database."
write_provenance "$OUT" "dnf captures (dnf4 on Debian $DEBIAN_RELEASE, installroot + local repo)" "dnf $DNFVER (Debian package dnf $(dpkg-query -W -f '${Version}' dnf)), rpm $RPMVER, libdnf $(dpkg-query -W -f '${Version}' libdnf2 2>/dev/null || echo '?')" rpm-dnf.sh "$NOTES"
write_provenance "$ROUT" "rpm captures (rpm on Debian $DEBIAN_RELEASE, dnf installroot)" "$(rpm --version) (Debian package rpm $(dpkg-query -W -f '${Version}' rpm))" rpm-dnf.sh "$NOTES
rpm -q on an installroot populated by dnf; queryformat \`$QF\` (EPOCH prints (none) when the package has no Epoch tag)."
