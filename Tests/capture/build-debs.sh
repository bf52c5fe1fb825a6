#!/bin/bash
# Builds the throwaway .deb packages and two flat apt repositories:
#   $WORK/repo-v1  : kldload-demo 1.0 (+ deps), kldload-legacy, kldload-held 1.0, kldload-breaks 1.0
#   $WORK/repo-v2  : kldload-demo 2.0 (needs kldload-lib >= 2.0 and new kldload-newdep,
#                    Conflicts/Replaces kldload-legacy, drops kldload-olddep), kldload-held 2.0
#   $WORK/repo-v3  : repo-v2 + kldload-breaks 2.0 whose postinst exits 1
# Usage: build-debs.sh WORKDIR
set -eu
WORK="${1:?usage: build-debs.sh WORKDIR}"
rm -rf "$WORK"; mkdir -p "$WORK/src" "$WORK/debs"

# mkdeb NAME VERSION "EXTRA CONTROL LINES" [POSTINST_EXIT]
mkdeb() {
    local name="$1" ver="$2" extra="$3" postexit="${4:-}"
    local d="$WORK/src/${name}_${ver}"
    mkdir -p "$d/DEBIAN" "$d/usr/share/$name" "$d/etc"
    printf '%s %s\n' "$name" "$ver" >"$d/usr/share/$name/VERSION"
    printf '# %s configuration, shipped by version %s\nsetting=%s\n' "$name" "$ver" "$ver" >"$d/etc/$name.conf"
    echo "/etc/$name.conf" >"$d/DEBIAN/conffiles"
    {
        echo "Package: $name"
        echo "Version: $ver"
        echo "Architecture: all"
        echo "Maintainer: kldload capture <capture@kldload.invalid>"
        echo "Section: misc"
        echo "Priority: optional"
        [ -n "$extra" ] && printf '%s\n' "$extra"
        echo "Description: kldload capture test package $name"
        echo " Throwaway package built by Tests/capture/build-debs.sh to capture real"
        echo " apt/dpkg output. Contains one file in /usr/share and one conffile."
    } >"$d/DEBIAN/control"
    if [ -n "$postexit" ]; then
        printf '#!/bin/sh\necho "%s postinst: simulating a failed configure step" >&2\nexit %s\n' "$name" "$postexit" >"$d/DEBIAN/postinst"
        chmod 0755 "$d/DEBIAN/postinst"
    fi
    dpkg-deb --root-owner-group -Zxz --build "$d" "$WORK/debs/${name}_${ver}_all.deb" >/dev/null
}

mkdeb kldload-olddep 1.0 ""
mkdeb kldload-lib     1.0 ""
mkdeb kldload-lib     2.0 ""
mkdeb kldload-newdep  1.0 ""
mkdeb kldload-legacy  1.0 ""
mkdeb kldload-demo    1.0 "Depends: kldload-lib (>= 1.0), kldload-olddep"
mkdeb kldload-demo    2.0 "Depends: kldload-lib (>= 2.0), kldload-newdep
Conflicts: kldload-legacy
Replaces: kldload-legacy"
mkdeb kldload-held    1.0 ""
mkdeb kldload-held    2.0 ""
mkdeb kldload-breaks  1.0 ""
mkdeb kldload-breaks  2.0 "" 1

mkrepo() {
    local repo="$WORK/$1"; shift
    mkdir -p "$repo"
    for f in "$@"; do cp "$WORK/debs/$f" "$repo/"; done
    ( cd "$repo" && apt-ftparchive packages . >Packages && apt-ftparchive \
        -o APT::FTPArchive::Release::Origin=kldload-capture \
        -o APT::FTPArchive::Release::Label=kldload-capture \
        -o APT::FTPArchive::Release::Suite=capture \
        -o APT::FTPArchive::Release::Codename=capture release . >Release )
}
mkrepo repo-v1 kldload-olddep_1.0_all.deb kldload-lib_1.0_all.deb kldload-legacy_1.0_all.deb \
    kldload-demo_1.0_all.deb kldload-held_1.0_all.deb kldload-breaks_1.0_all.deb
mkrepo repo-v2 kldload-olddep_1.0_all.deb kldload-lib_1.0_all.deb kldload-lib_2.0_all.deb \
    kldload-newdep_1.0_all.deb kldload-legacy_1.0_all.deb kldload-demo_1.0_all.deb kldload-demo_2.0_all.deb \
    kldload-held_1.0_all.deb kldload-held_2.0_all.deb kldload-breaks_1.0_all.deb
mkrepo repo-v3 kldload-olddep_1.0_all.deb kldload-lib_1.0_all.deb kldload-lib_2.0_all.deb \
    kldload-newdep_1.0_all.deb kldload-legacy_1.0_all.deb kldload-demo_1.0_all.deb kldload-demo_2.0_all.deb \
    kldload-held_1.0_all.deb kldload-held_2.0_all.deb kldload-breaks_1.0_all.deb kldload-breaks_2.0_all.deb
echo "built repos in $WORK"
