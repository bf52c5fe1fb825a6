#!/bin/bash
# Captures real package databases in two states ("before" and "after" a transaction) for
# `kbe diff`'s golden tests: dpkg's status file from a debootstrap root, pacman's local/
# directory from a pacman -r root, and rpm -qa --qf output from a dnf --installroot root
# (the sqlite rpmdb itself is queried through rpm, also from a read-only bind mount, to show
# that rpm reads a read-only snapshot without writing).
# Usage: pkgdb-diff.sh [dpkg] [rpm] [pacman]   (as root; needs debootstrap, rpm, dnf,
#        createrepo-c, pacman-package-manager, makepkg, fakeroot, zstd)
set -eu
. "$(dirname "$0")/lib.sh"
PARTS=("${@:-dpkg rpm pacman}")
PARTS=(${PARTS[*]})
want() { local p; for p in "${PARTS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

# Copy a database file verbatim (cp --preserve=mode keeps the bytes; the copy is the fixture).
keep() { mkdir -p "$(dirname "$2")"; cp "$1" "$2"; }

if want dpkg; then
    ROOT=/srv/kldload-diffroot-deb
    rm -rf "$ROOT"
    debootstrap --variant=minbase --include=less,cpio bookworm "$ROOT" "$(host_mirror)" >/tmp/kldload-diffroot-deb.log 2>&1
    # The dpkg that wrote the database is the root's own (chroot), not the host's.
    DPKGVER=$(dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f '${Version}' dpkg)
    OUT="$FIX/pkgdb/dpkg-$DPKGVER-debian12-root"
    fresh "$OUT"
    keep "$ROOT/var/lib/dpkg/status" "$OUT/before/var/lib/dpkg/status"
    cap "$OUT" before-dpkg-query -- dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f '${binary:Package}\t${Version}\t${db:Status-Abbrev}\n'
    mount -t proc proc "$ROOT/proc"
    trap 'umount "$ROOT/proc" 2>/dev/null || true' EXIT
    echo "deb $(host_mirror) trixie main" >"$ROOT/etc/apt/sources.list.d/trixie.list"
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >"$ROOT/etc/apt/preferences.d/trixie"
    chroot "$ROOT" apt-get update >>/tmp/kldload-diffroot-deb.log 2>&1
    chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get purge -y cpio >>/tmp/kldload-diffroot-deb.log 2>&1
    chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends file >>/tmp/kldload-diffroot-deb.log 2>&1
    chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -t trixie less >>/tmp/kldload-diffroot-deb.log 2>&1
    umount "$ROOT/proc"; trap - EXIT
    keep "$ROOT/var/lib/dpkg/status" "$OUT/after/var/lib/dpkg/status"
    cap "$OUT" after-dpkg-query -- dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f '${binary:Package}\t${Version}\t${db:Status-Abbrev}\n'
    write_provenance "$OUT" "dpkg status files before and after a transaction (debootstrap root)" \
        "dpkg $DPKGVER (the root's own, Debian 12), read on the host by dpkg-query $(dpkg-query -W -f '${Version}' dpkg); debootstrap $(dpkg-query -W -f '${Version}' debootstrap); apt $(dpkg-query -W -f '${Version}' apt) on the host" pkgdb-diff.sh \
"\`before/var/lib/dpkg/status\`: copied byte for byte from a fresh
\`debootstrap --variant=minbase --include=less,cpio bookworm $ROOT MIRROR\` (MIRROR: the host's Debian mirror).
Then, in \`chroot $ROOT\` with trixie added as a source (pinned at 100): \`apt-get purge -y cpio\`,
\`apt-get install -y --no-install-recommends file\`, \`apt-get install -y --no-install-recommends -t trixie less\`
(which upgrades less and the libraries trixie's less needs). \`after/var/lib/dpkg/status\`: copied byte for byte afterwards.
The dpkg-query captures list, for each state, what dpkg itself says is installed (cross-check of the status-file parser).
Downgrades are the same two databases compared the other way round (after → before)."
fi

if want rpm; then
    RPMVER=$(rpm --version | awk '{print $3}')
    WORK=/tmp/kldload-diff-rpms
    REPO=/srv/kldload-diff-rpmrepo
    IROOT=/srv/kldload-diffroot-rpm
    REPOSDIR=/tmp/kldload-diff-dnf/repos.d
    OUT="$FIX/pkgdb/rpm-$RPMVER-debian$DEBIAN_RELEASE"
    fresh "$OUT"
    rm -rf "$WORK" "$REPO" "$IROOT" "$REPOSDIR" /srv/kldload-diff-rpmdb-before
    mkdir -p "$WORK/SPECS" "$REPO" "$REPOSDIR"
    spec() {
        local name="$1" epoch="$2" ver="$3" rel="$4" arch="$5" extra="$6"
        local f="$WORK/SPECS/$name-$ver-$rel.spec" dir="/usr/share/$name" file=VERSION
        [ "$name" = kernel-core ] && { dir="/lib/modules/$ver-$rel.$arch"; file=vmlinuz; }
        {
            echo '%global debug_package %{nil}'
            echo "Name: $name"; [ -n "$epoch" ] && echo "Epoch: $epoch"
            echo "Version: $ver"; echo "Release: $rel"
            echo "Summary: kldload capture test package $name"; echo "License: MIT"
            [ "$arch" = noarch ] && echo "BuildArch: noarch"
            [ -n "$extra" ] && printf '%s\n' "$extra"
            echo; echo '%description'; echo "Throwaway package built by Tests/capture/pkgdb-diff.sh."; echo
            echo '%install'; echo "mkdir -p %{buildroot}$dir"; echo "echo '$name $ver-$rel' > %{buildroot}$dir/$file"
            echo; echo '%files'; echo "$dir/$file"
        } >"$f"
        local targ=(); [ "$arch" != noarch ] && targ=(--target "$arch")
        rpmbuild --define "_topdir $WORK/build" "${targ[@]}" -bb "$f" >"$WORK/build-$name-$ver-$rel.log" 2>&1
    }
    spec kldload-app    ""  1.0 1 noarch ""
    spec kldload-tool   2   1.4 3 noarch ""
    spec kldload-old    ""  1.0 1 noarch ""
    spec kernel-core    ""  5.14.0 503.el9 x86_64 "Provides: installonlypkg(kernel)"
    publish() { find "$WORK/build/RPMS" -name '*.rpm' -exec cp {} "$REPO/" \; ; createrepo_c -q "$REPO"; }
    publish
    cat >"$REPOSDIR/kldload.repo" <<REPOEOF
[kldload]
name=kldload capture
baseurl=file://$REPO
enabled=1
gpgcheck=0
metadata_expire=0
REPOEOF
    DNF=(dnf -y --installroot="$IROOT" --setopt=reposdir="$REPOSDIR" --releasever=9 --nogpgcheck --setopt=install_weak_deps=False)
    "${DNF[@]}" install kldload-app kldload-tool kldload-old kernel-core >"$WORK/dnf-v1.log" 2>&1
    DB=$(find "$IROOT" -name rpmdb.sqlite -printf '%h\n' | head -1)
    echo "rpmdb at $DB" >&2
    mkdir -p /srv/kldload-diff-rpmdb-before
    cp -a "$DB/." /srv/kldload-diff-rpmdb-before/
    # v2: an upgrade, a downgrade (dnf downgrade), a new package, a removal, a second kernel (installonly).
    spec kldload-app    ""  1.1 1 noarch ""
    spec kldload-tool   2   1.4 2 noarch ""
    spec kldload-new    ""  0.1 1 noarch ""
    spec kernel-core    ""  5.14.0 503.15.1.el9 x86_64 "Provides: installonlypkg(kernel)"
    publish
    "${DNF[@]}" --refresh upgrade kldload-app kernel-core >"$WORK/dnf-v2.log" 2>&1
    "${DNF[@]}" downgrade kldload-tool-2:1.4-2 >>"$WORK/dnf-v2.log" 2>&1
    "${DNF[@]}" install kldload-new >>"$WORK/dnf-v2.log" 2>&1
    "${DNF[@]}" remove kldload-old >>"$WORK/dnf-v2.log" 2>&1
    QF='%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'
    # The before database, read through a read-only bind mount (as a snapshot is read-only).
    mkdir -p /srv/kldload-diff-rpmdb-ro
    mount --bind /srv/kldload-diff-rpmdb-before /srv/kldload-diff-rpmdb-ro
    mount -o remount,bind,ro /srv/kldload-diff-rpmdb-ro
    (cd /srv/kldload-diff-rpmdb-before && sha256sum * >/tmp/kldload-diff-rpmdb.sum)
    cap "$OUT" before-qa -- rpm --dbpath /srv/kldload-diff-rpmdb-ro -qa --qf "$QF"
    (cd /srv/kldload-diff-rpmdb-before && sha256sum -c --quiet /tmp/kldload-diff-rpmdb.sum) && echo "read-only query wrote nothing" >&2
    ls -la /srv/kldload-diff-rpmdb-before >"$WORK/before-ls.txt"
    umount /srv/kldload-diff-rpmdb-ro
    cap "$OUT" after-qa -- rpm --dbpath "$DB" -qa --qf "$QF"
    rm -rf /srv/kldload-diff-no-such-dir
    cap "$OUT" missing-dbpath -- rpm --dbpath /srv/kldload-diff-no-such-dir -qa --qf "$QF"
    ls /srv/kldload-diff-no-such-dir >"$WORK/missing-dbpath-created.txt" 2>&1 || true
    rm -rf /srv/kldload-diff-no-such-dir
    # The databases themselves (sqlite files, byte for byte), for the replay scenarios' trees.
    keep /srv/kldload-diff-rpmdb-before/rpmdb.sqlite "$OUT/before/rpmdb.sqlite"
    keep "$DB/rpmdb.sqlite" "$OUT/after/rpmdb.sqlite"
    write_provenance "$OUT" "rpm -qa of a dnf installroot before and after a transaction" \
        "RPM version $RPMVER (Debian package rpm $(dpkg-query -W -f '${Version}' rpm)); $(dnf --version | head -1) (dnf4)" pkgdb-diff.sh \
"Tiny source-less RPMs built with \`rpmbuild -bb\`, published with \`createrepo_c\` as the only repository of
\`${DNF[*]}\`.
v1 installed: kldload-app 1.0-1, kldload-tool 2:1.4-3, kldload-old 1.0-1, kernel-core 5.14.0-503.el9.x86_64.
The rpmdb directory (${DB#$IROOT}) was then copied with \`cp -a\` to /srv/kldload-diff-rpmdb-before.
v2: \`dnf upgrade kldload-app kernel-core\` (kldload-app 1.1-1; kernel-core is installonly, so 5.14.0-503.15.1.el9 is added),
\`dnf downgrade kldload-tool-2:1.4-2\`, \`dnf install kldload-new\` (0.1-1), \`dnf remove kldload-old\`.
\`before-qa\` queries the copy through a read-only bind mount (\`mount --bind\`, then \`mount -o remount,bind,ro\`), as kbe
reads a snapshot; sha256sum of every file in the copy was identical before and after the query (rpm wrote nothing).
\`before/rpmdb.sqlite\`, \`after/rpmdb.sqlite\`: the two databases, copied byte for byte.
\`missing-dbpath\` shows what rpm does with a --dbpath that has no database: it prints nothing, exits 0, and
*creates* the directory and an empty rpmdb.sqlite there (so kbe checks that the database file exists before it asks rpm,
and a read-only snapshot could not be written anyway)."
fi

if want pacman; then
    PACVER=$(pacman --version | sed -n 's/.*Pacman v\([^ ]*\) .*/\1/p')
    OUT="$FIX/pkgdb/pacman-$PACVER-debian$DEBIAN_RELEASE"
    B=/tmp/kldload-diff-pkgbuild
    REPO=/srv/kldload-diff-pacrepo
    PROOT=/srv/kldload-diffroot-pac
    CONFDIR=/tmp/kldload-diff-pacman
    BUILDUSER=kbuild
    id "$BUILDUSER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$BUILDUSER"
    fresh "$OUT"
    rm -rf "$B" "$REPO" "$PROOT" "$CONFDIR"
    mkdir -p "$B/out" "$REPO" "$PROOT/var/lib/pacman" "$PROOT/var/cache/pacman/pkg" "$PROOT/var/log" "$CONFDIR"
    chown -R "$BUILDUSER" "$B"
    pkg() {
        local name="$1" ver="$2" rel="$3" file="$4" epoch="${5:-}"
        local d="$B/$name-$ver-$rel"
        mkdir -p "$d"
        cat >"$d/PKGBUILD" <<PKGEOF
pkgname=$name
pkgver=$ver
pkgrel=$rel
${epoch:+epoch=$epoch}
pkgdesc="kldload capture test package $name"
arch=('x86_64')
url="https://example.invalid/kldload"
license=('MIT')
options=('!strip' '!debug')

package() {
  install -d "\$pkgdir$(dirname "$file")"
  echo "$name $ver-$rel" > "\$pkgdir$file"
}
PKGEOF
        chown -R "$BUILDUSER" "$d"
        runuser -u "$BUILDUSER" -- env -C "$d" PKGEXT=.pkg.tar.zst PKGDEST="$B/out" LC_ALL=C \
            makepkg --nodeps --force --noconfirm >"$d/makepkg.log" 2>&1
    }
    publish() { pacman_publish "$B/out" "$REPO" "$@"; }
    pacman_conf "$CONFDIR/pacman.conf" "$PROOT" "$CONFDIR" "$REPO"
    PAC=(pacman -r "$PROOT" --config "$CONFDIR/pacman.conf" --dbpath "$PROOT/var/lib/pacman" --noconfirm)
    pkg linux         6.12.1.arch1 1 /usr/lib/modules/6.12.1-arch1-1/vmlinuz
    pkg kldload-app   1.0          1 /usr/share/kldload-app/VERSION
    pkg kldload-tool  1.4          2 /usr/share/kldload-tool/VERSION 1
    pkg kldload-old   1.0          1 /usr/share/kldload-old/VERSION
    publish linux-6.12.1.arch1-1 kldload-app-1.0-1 kldload-tool-1:1.4-2 kldload-old-1.0-1
    "${PAC[@]}" -Sy linux kldload-app kldload-tool kldload-old >"$B/pacman-v1.log" 2>&1
    # Copies outside the repository are queried (no checkout path in the provenance), then kept.
    rm -rf /srv/kldload-diff-pacdb-before /srv/kldload-diff-pacdb-after
    mkdir -p /srv/kldload-diff-pacdb-before/var/lib/pacman "$OUT/before/var/lib/pacman"
    cp -a "$PROOT/var/lib/pacman/local" /srv/kldload-diff-pacdb-before/var/lib/pacman/local
    cp -a /srv/kldload-diff-pacdb-before/var/lib/pacman/local "$OUT/before/var/lib/pacman/local"
    cap "$OUT" before-Q -- pacman --dbpath /srv/kldload-diff-pacdb-before/var/lib/pacman -Q
    pkg linux         6.12.3.arch1 1 /usr/lib/modules/6.12.3-arch1-1/vmlinuz
    pkg kldload-app   1.1          1 /usr/share/kldload-app/VERSION
    pkg kldload-tool  1.4          1 /usr/share/kldload-tool/VERSION 1
    pkg kldload-new   0.1          1 /usr/share/kldload-new/VERSION
    publish linux-6.12.3.arch1-1 kldload-app-1.1-1 kldload-new-0.1-1
    "${PAC[@]}" -Syu >"$B/pacman-v2.log" 2>&1
    "${PAC[@]}" -U "$B/out/kldload-tool-1:1.4-1-x86_64.pkg.tar.zst" >>"$B/pacman-v2.log" 2>&1
    "${PAC[@]}" -S kldload-new >>"$B/pacman-v2.log" 2>&1
    "${PAC[@]}" -R kldload-old >>"$B/pacman-v2.log" 2>&1
    mkdir -p /srv/kldload-diff-pacdb-after/var/lib/pacman "$OUT/after/var/lib/pacman"
    cp -a "$PROOT/var/lib/pacman/local" /srv/kldload-diff-pacdb-after/var/lib/pacman/local
    cp -a /srv/kldload-diff-pacdb-after/var/lib/pacman/local "$OUT/after/var/lib/pacman/local"
    cap "$OUT" after-Q -- pacman --dbpath /srv/kldload-diff-pacdb-after/var/lib/pacman -Q
    cap "$OUT" version -- pacman --version
    write_provenance "$OUT" "pacman local/ database before and after a transaction (pacman -r root)" \
        "pacman $PACVER (Debian package pacman-package-manager $(dpkg-query -W -f '${Version}' pacman-package-manager)), makepkg $(dpkg-query -W -f '${Version}' makepkg)" pkgdb-diff.sh \
"Packages built with \`makepkg --nodeps --force --noconfirm\` as the unprivileged user $BUILDUSER (PKGBUILDs that install one
text file), published with \`repo-add\` as the only repository (\`Server = file://$REPO\`, SigLevel = Never) of a test config
with RootDir=$PROOT. v1: \`${PAC[*]} -Sy linux kldload-app kldload-tool kldload-old\` (linux 6.12.1.arch1-1, kldload-app 1.0-1,
kldload-tool 1:1.4-2, kldload-old 1.0-1). \`before/var/lib/pacman/local\` is \`cp -a\` of the root's local/ directory then.
v2: \`-Syu\` (linux 6.12.3.arch1-1, kldload-app 1.1-1), \`-U kldload-tool-1:1.4-1-x86_64.pkg.tar.zst\` (a downgrade),
\`-S kldload-new\` (0.1-1), \`-R kldload-old\`; \`after/var/lib/pacman/local\` is \`cp -a\` of local/ afterwards.
\`before-Q\`/\`after-Q\` are pacman's own \`-Q\` of each copy (made under /srv, then copied here) (cross-check of the desc parser)."
fi
