#!/bin/bash
# Captures what kupgrade's dnf driver and module checks see on
#   rocky9:   Rocky/RHEL 9 with kmod-zfs (kABI-tracking kmod, weak-updates for a newer kernel)
#   fedora40: Fedora 40 with zfs-dkms (DKMS builds ZFS for every kernel)
# with the real dnf 4.14 / rpm 4.18 / kmod 30 (modinfo) / dkms 3.0.10 of Debian 12, against
# installroots whose only repository is a local createrepo_c repository of stand-in RPMs built
# here from the spec files in Tests/capture/dnf-zfs-specs/.
#
# Staged parts (named as such in the PROVENANCE.md this writes):
# - kernel modules: the two stand-in modules of Tests/capture/zfs-stub-src (named zfs and spl,
#   not OpenZFS) are built with Debian's kbuild against a copy of linux-headers-<debian>-amd64
#   whose include/generated/utsrelease.h says the EL9/Fedora release, so their vermagic names
#   that release. modinfo then reads real module files.
# - weak-modules (RHEL's kmod package, run by kmod-zfs's %post and kernel-core's %posttrans)
#   does not exist on Debian: this script makes the symlinks it makes, relative instead of
#   absolute (an absolute link would point into the host).
# - zfs-dkms's and the kernel's scriptlets (dkms add/install, kernel-install's dkms hook) do not
#   run inside the installroot (no shell there): this script runs the same dkms commands on the
#   host with the real dkms, against its own dkms tree and the sources the RPM installed.
#
# Usage: dnf-zfs.sh [rocky9] [fedora40]   (as root; needs rpm, dnf, createrepo-c, dkms, kmod,
#        linux-headers-amd64, gcc, make). Default: both.
set -eu
. "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
SPECS="$HERE/dnf-zfs-specs"
STUBSRC="$HERE/zfs-stub-src"
WORK=/tmp/kldload-dnf-zfs
KH=/tmp/kldload-kh
DNFVER=$(dnf --version | head -1)
DEBHDR=$(ls -d /usr/src/linux-headers-*-amd64 | sort -V | tail -1)
QF='%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'

# staged_headers KREL: a copy of Debian's headers whose UTS_RELEASE is KREL.
staged_headers() {
    local k="$1" h="$KH/$1"
    rm -rf "$h"; mkdir -p "$KH"
    cp -a "$DEBHDR" "$h"
    local kb; kb=$(readlink -f "$DEBHDR/scripts"); ln -sfn "$kb" "$h/scripts"
    kb=$(readlink -f "$DEBHDR/tools"); ln -sfn "$kb" "$h/tools"
    printf '#define UTS_RELEASE "%s"\n' "$k" >"$h/include/generated/utsrelease.h"
}

# build_stub KREL VERSION DIR: the stand-in zfs.ko/spl.ko for KREL, in DIR.
build_stub() {
    rm -rf "$3"; mkdir -p "$3"; cp "$STUBSRC"/zfs.c "$STUBSRC"/spl.c "$STUBSRC"/Kbuild "$3/"
    make -C "$KH/$1" M="$3" STUB_VERSION="$2" modules >"$3.build.log" 2>&1
}

# rpm_build OUTDIR SPEC [rpmbuild args...]
rpm_build() {
    local out="$1" spec="$2"; shift 2
    rpmbuild --define "_topdir $WORK/rpmbuild" "$@" -bb "$SPECS/$spec" >>"$WORK/rpmbuild.log" 2>&1
    mkdir -p "$out"; mv "$WORK"/rpmbuild/RPMS/*/*.rpm "$out/"
}

publish() { rm -rf "$2"; mkdir -p "$2"; cp "$1"/*.rpm "$2/"; createrepo_c --quiet "$2"; }

# setup NAME RELEASEVER: repository file and dnf argv for one scenario.
setup() {
    REPO=/srv/kldload-rpmrepo-$1
    IROOT=/tmp/dnfroot-$1
    REPOSDIR=$WORK/$1/repos.d
    rm -rf "$IROOT" "$REPO" "$WORK/$1"; mkdir -p "$REPOSDIR"
    cat >"$REPOSDIR/kldload.repo" <<REPOEOF
[kldload]
name=kldload capture repo ($1)
baseurl=file://$REPO
enabled=1
gpgcheck=0
metadata_expire=0
REPOEOF
    DNF=(dnf "--installroot=$IROOT" "--setopt=reposdir=$REPOSDIR" "--releasever=$2" --nogpgcheck)
}

common_notes() {
    echo "Real programs of Debian $DEBIAN_RELEASE run on this machine: $DNFVER (Debian package dnf $(dpkg-query -W -f '${Version}' dnf)),
$(rpm --version) (Debian package rpm $(dpkg-query -W -f '${Version}' rpm)), createrepo_c $(dpkg-query -W -f '${Version}' createrepo-c),
modinfo from kmod $(dpkg-query -W -f '${Version}' kmod), dkms $(dpkg-query -W -f '${Version}' dkms), gcc $(gcc -dumpfullversion),
kernel headers $(basename "$DEBHDR") $(dpkg-query -W -f '${Version}' "$(basename "$DEBHDR")").
RPMs: built here by \`rpmbuild -bb\` from Tests/capture/dnf-zfs-specs/*.spec (stand-ins: no real kernel, no OpenZFS),
published with createrepo_c as baseurl=file://$REPO (gpgcheck=0, metadata_expire=0), the only repository
(reposdir $REPOSDIR). dnf argv prefix for every dnf capture: \`$(shquote "${DNF[@]}")\`;
kupgrade runs the same subcommands without the installroot options (\`dnf upgrade --assumeno\`, \`dnf upgrade -y\`,
\`dnf autoremove -y\`). stdin /dev/null, stdout a file (no tty), LC_ALL=C.
Staged (not a real EL/Fedora system): the stand-in modules zfs.ko/spl.ko (Tests/capture/zfs-stub-src: two empty
modules named like OpenZFS's) are compiled by Debian's kbuild against $KH/<release>, a copy of
$(basename "$DEBHDR") whose include/generated/utsrelease.h was rewritten to the EL/Fedora release, so the vermagic
modinfo prints is \`<that release> SMP preempt mod_unload modversions\` (the rest of the vermagic string is Debian's
configuration). The modules and the \`modinfo\` runs on them are real."
}

rocky9() {
    local KOLD=5.14.0-570.12.1.el9_6 KNEW=5.14.0-570.17.1.el9_6 ARCH=x86_64
    local KBUILD=$KOLD.$ARCH OUT="$FIX/dnf/$DNFVER-debian$DEBIAN_RELEASE-rocky9-kmod-zfs"
    setup rocky9 9
    staged_headers "$KBUILD"
    build_stub "$KBUILD" 2.2.7 "$WORK/rocky9/stub-2.2.7"
    build_stub "$KBUILD" 2.2.8 "$WORK/rocky9/stub-2.2.8"
    rm -rf "$WORK/rpmbuild" "$WORK/rocky9/v1" "$WORK/rocky9/v2"
    local T=(--target "$ARCH")
    rpm_build "$WORK/rocky9/v1" kernel-core.spec "${T[@]}" -D "kversion ${KOLD%%-*}" -D "krelease ${KOLD#*-}"
    rpm_build "$WORK/rocky9/v1" kmod-zfs.spec "${T[@]}" -D "zfsversion 2.2.7" -D "kbuild $KBUILD" -D "stubdir $WORK/rocky9/stub-2.2.7" -D "dist .el9"
    rpm_build "$WORK/rocky9/v1" zfs.spec "${T[@]}" -D "zfsversion 2.2.7" -D "dist .el9"
    mkdir -p "$WORK/rocky9/v2"; cp "$WORK/rocky9/v1"/*.rpm "$WORK/rocky9/v2/"
    rpm_build "$WORK/rocky9/v2" kernel-core.spec "${T[@]}" -D "kversion ${KNEW%%-*}" -D "krelease ${KNEW#*-}"
    rpm_build "$WORK/rocky9/v2" kmod-zfs.spec "${T[@]}" -D "zfsversion 2.2.8" -D "kbuild $KBUILD" -D "stubdir $WORK/rocky9/stub-2.2.8" -D "dist .el9"
    rpm_build "$WORK/rocky9/v2" zfs.spec "${T[@]}" -D "zfsversion 2.2.8" -D "dist .el9"

    fresh "$OUT"
    D() { local name="$1"; shift; cap "$OUT" "$name" -- "${DNF[@]}" "$@"; }
    publish "$WORK/rocky9/v1" "$REPO"
    D install-v1 install -y kernel-core kmod-zfs zfs
    publish "$WORK/rocky9/v2" "$REPO"
    D upgrade-assumeno upgrade --assumeno
    D upgrade-y upgrade -y
    # weak-modules (staged): kernel-core's %posttrans runs `weak-modules --add-kernel KNEW`, which
    # links every kmod module that is kABI-compatible with the new kernel into its weak-updates/,
    # under the module's path below extra/.
    local wdir="$IROOT/lib/modules/$KNEW.$ARCH/weak-updates/zfs"
    mkdir -p "$wdir"
    for m in zfs spl; do ln -s "../../../$KBUILD/extra/zfs/$m.ko" "$wdir/$m.ko"; done
    D autoremove-y autoremove -y
    cap "$OUT" rpm-q-after -- rpm --root "$IROOT" -q kernel-core kmod-zfs zfs
    cap "$OUT" rpm-qa-after -- rpm --root "$IROOT" -qa --qf "$QF"
    cap "$OUT" find-modules -- find "$IROOT/lib/modules" -mindepth 1 -printf '%P\t%y\t%l\n'
    # The files kupgrade asks about: newest kernel first, zfs then spl (ModuleVerifier order).
    cap "$OUT" modinfo-vermagic-new-weak-zfs -- modinfo -F vermagic "$wdir/zfs.ko"
    cap "$OUT" modinfo-vermagic-new-weak-spl -- modinfo -F vermagic "$wdir/spl.ko"
    cap "$OUT" modinfo-vermagic-old-extra-zfs -- modinfo -F vermagic "$IROOT/lib/modules/$KBUILD/extra/zfs/zfs.ko"
    cap "$OUT" modinfo-vermagic-old-extra-spl -- modinfo -F vermagic "$IROOT/lib/modules/$KBUILD/extra/zfs/spl.ko"
    cap "$OUT" modinfo-new-weak-zfs -- modinfo "$wdir/zfs.ko"

    write_provenance "$OUT" "dnf captures: Rocky/RHEL 9 with kmod-zfs (stand-in RPMs, dnf 4 on Debian $DEBIAN_RELEASE, installroot + local repo)" \
        "dnf $DNFVER, $(rpm --version), modinfo (kmod $(dpkg-query -W -f '${Version}' kmod))" dnf-zfs.sh "$(common_notes)

Scenario: kernel-core $KOLD and kmod-zfs 2.2.7-1.el9 (modules built for $KBUILD, in
/lib/modules/$KBUILD/extra/zfs/, where OpenZFS 2.2's kmod-zfs installs them) and zfs 2.2.7-1.el9 are installed
(\`install-v1\`, repository v1). Repository v2 adds kernel-core $KNEW (installonly: installed next to the old one),
kmod-zfs 2.2.8-1.el9 (still built for $KBUILD: a kABI-tracking kmod is built once per minor release) and zfs 2.2.8-1.el9.
After \`upgrade-y\`, the script made the symlinks weak-modules would (staged, see above):
lib/modules/$KNEW.$ARCH/weak-updates/zfs/{zfs,spl}.ko -> ../../../$KBUILD/extra/zfs/{zfs,spl}.ko (relative, so they
resolve inside the installroot; weak-modules writes absolute ones). \`find-modules\` lists the resulting tree
(path, type, link target). The \`modinfo\` captures ran on the installroot paths
($IROOT/lib/modules/...); kupgrade runs them on /lib/modules/... ."
}

fedora40() {
    local KOLD=6.8.5-301.fc40 KNEW=6.10.4-200.fc40 ARCH=x86_64
    local OUT="$FIX/dnf/$DNFVER-debian$DEBIAN_RELEASE-fedora40-zfs-dkms"
    setup fedora40 40
    local DKMSTREE=$WORK/fedora40/dkms-tree
    rm -rf "$DKMSTREE"; mkdir -p "$DKMSTREE"
    # dkms signs what it builds with /var/lib/dkms/mok.{key,pub} (framework.conf, not the tree)
    # and generates the pair when it is missing: remove a pair this run generated afterwards.
    local MOK_EXISTED=no; [ -e /var/lib/dkms/mok.key ] && MOK_EXISTED=yes
    for k in $KOLD $KNEW; do
        staged_headers "$k.$ARCH"
        rm -rf "/lib/modules/$k.$ARCH"; mkdir -p "/lib/modules/$k.$ARCH"
        ln -s "$KH/$k.$ARCH" "/lib/modules/$k.$ARCH/build"
    done
    rm -rf "$WORK/rpmbuild" "$WORK/fedora40/v1" "$WORK/fedora40/v2"
    local T=(--target "$ARCH")
    rpm_build "$WORK/fedora40/v1" kernel-core.spec "${T[@]}" -D "kversion ${KOLD%%-*}" -D "krelease ${KOLD#*-}"
    rpm_build "$WORK/fedora40/v1" zfs-dkms.spec -D "zfsversion 2.2.4" -D "srcdir $STUBSRC" -D "dist .fc40"
    rpm_build "$WORK/fedora40/v1" zfs.spec "${T[@]}" -D "zfsversion 2.2.4" -D "dist .fc40"
    mkdir -p "$WORK/fedora40/v2"; cp "$WORK/fedora40/v1"/*.rpm "$WORK/fedora40/v2/"
    rpm_build "$WORK/fedora40/v2" kernel-core.spec "${T[@]}" -D "kversion ${KNEW%%-*}" -D "krelease ${KNEW#*-}"
    rpm_build "$WORK/fedora40/v2" zfs-dkms.spec -D "zfsversion 2.2.6" -D "srcdir $STUBSRC" -D "dist .fc40"
    rpm_build "$WORK/fedora40/v2" zfs.spec "${T[@]}" -D "zfsversion 2.2.6" -D "dist .fc40"

    fresh "$OUT"
    D() { local name="$1"; shift; cap "$OUT" "$name" -- "${DNF[@]}" "$@"; }
    # dkms with its own tree, the sources the RPMs installed, Fedora's module location (/extra:
    # dkms's override_dest_module_location gives /extra for ID_LIKE/ID fedora; ADDON_MODULES_DIR
    # selects the same on this Debian host). Modules go to /lib/modules/<k>/extra on this host.
    K() { local name="$1"; shift; cap "$OUT" "$name" ADDON_MODULES_DIR=extra -- dkms --dkmstree "$DKMSTREE" --sourcetree "$IROOT/usr/src" "$@"; }
    publish "$WORK/fedora40/v1" "$REPO"
    D install-v1 install -y kernel-core zfs-dkms zfs
    # zfs-dkms 2.2.4's %post (staged: run here): add, build and install for the installed kernel.
    K dkms-add-2.2.4 add zfs/2.2.4
    K dkms-install-2.2.4-old install zfs/2.2.4 -k "$KOLD.$ARCH"
    K dkms-status-before status
    publish "$WORK/fedora40/v2" "$REPO"
    D upgrade-assumeno upgrade --assumeno
    # What the transaction's scriptlets do on Fedora (staged: run here): zfs-dkms 2.2.4's %preun
    # removes it from DKMS (run before dnf here: dnf erases its sources, the real %preun runs
    # while they still exist), 2.2.6's %post adds and installs it for the running kernel, and
    # kernel-core's %posttrans (kernel-install, dkms's install.d hook) runs `dkms autoinstall`
    # for the new kernel.
    K dkms-remove-2.2.4 remove zfs/2.2.4 --all
    D upgrade-y upgrade -y
    K dkms-add-2.2.6 add zfs/2.2.6
    K dkms-install-2.2.6-old install zfs/2.2.6 -k "$KOLD.$ARCH"
    K dkms-autoinstall-new autoinstall -k "$KNEW.$ARCH"
    D autoremove-y autoremove -y
    # What kupgrade runs after autoremove (dkms status, then modinfo newest kernel first).
    K dkms-status status
    cap "$OUT" modinfo-vermagic-new-zfs -- modinfo -F vermagic "/lib/modules/$KNEW.$ARCH/extra/zfs.ko"
    cap "$OUT" modinfo-vermagic-new-spl -- modinfo -F vermagic "/lib/modules/$KNEW.$ARCH/extra/spl.ko"
    cap "$OUT" modinfo-vermagic-old-zfs -- modinfo -F vermagic "/lib/modules/$KOLD.$ARCH/extra/zfs.ko"
    cap "$OUT" modinfo-vermagic-old-spl -- modinfo -F vermagic "/lib/modules/$KOLD.$ARCH/extra/spl.ko"
    cap "$OUT" modinfo-new-zfs -- modinfo "/lib/modules/$KNEW.$ARCH/extra/zfs.ko"
    cap "$OUT" rpm-q-after -- rpm --root "$IROOT" -q kernel-core zfs-dkms zfs
    cap "$OUT" rpm-qa-after -- rpm --root "$IROOT" -qa --qf "$QF"
    cap "$OUT" find-modules -- find "$IROOT/lib/modules" "/lib/modules/$KOLD.$ARCH" "/lib/modules/$KNEW.$ARCH" -mindepth 1 -not -path '*/build/*' -printf '%p\t%y\t%l\n'

    write_provenance "$OUT" "dnf + dkms captures: Fedora 40 with zfs-dkms (stand-in RPMs, dnf 4 on Debian $DEBIAN_RELEASE, installroot + local repo)" \
        "dnf $DNFVER, $(rpm --version), $(dkms --version), modinfo (kmod $(dpkg-query -W -f '${Version}' kmod))" dnf-zfs.sh "$(common_notes)

Scenario: kernel-core $KOLD, zfs-dkms 2.2.4-1.fc40 and zfs 2.2.4-1.fc40 installed (\`install-v1\`); then DKMS
builds and installs zfs 2.2.4 for $KOLD.$ARCH. Repository v2 adds kernel-core $KNEW, zfs-dkms 2.2.6-1.fc40 and
zfs 2.2.6-1.fc40. Fedora 40 is the last Fedora with dnf 4 (4.19 there; $DNFVER here, the same output format for these
commands); Fedora 41+ uses dnf5, which Debian $DEBIAN_RELEASE does not have.
dkms: every \`dkms-*\` capture ran the real dkms with \`ADDON_MODULES_DIR=extra\` (dkms then installs to
/lib/modules/<k>/extra, what it does on Fedora, where override_dest_module_location answers /extra for fedora)
and \`--dkmstree $DKMSTREE --sourcetree $IROOT/usr/src\` (a private DKMS tree; the sources are the ones zfs-dkms
installed into the installroot). The kernels' build directories /lib/modules/<k>/build on this host are symlinks to
the staged headers $KH/<k>; dkms installed the modules into /lib/modules/<k>/extra/ of this host, so the
\`modinfo\` captures ran on exactly the paths kupgrade reads. On Fedora these dkms commands run inside
\`dnf upgrade -y\` (package scriptlets and kernel-install), and their output is part of dnf's; here they ran after
dnf, in the order a Fedora transaction runs them, and dnf's own output has no scriptlet output.
dkms signed the modules with /var/lib/dkms/mok.key (MOK pair $( [ "$MOK_EXISTED" = yes ] && echo 'present before' || echo 'generated by the first build, see dkms-install-2.2.4-old, and deleted after the capture')).
The host directories /lib/modules/$KOLD.$ARCH and /lib/modules/$KNEW.$ARCH were removed after the capture."
    rm -rf "/lib/modules/$KOLD.$ARCH" "/lib/modules/$KNEW.$ARCH"
    [ "$MOK_EXISTED" = yes ] || rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
}

mkdir -p "$WORK"
which=("$@"); [ "${#which[@]}" -gt 0 ] || which=(rocky9 fedora40)
for w in "${which[@]}"; do "$w"; done
