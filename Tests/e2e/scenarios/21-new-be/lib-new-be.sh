# Helpers for 21-new-be / 22-new-be-power-cut (sourced by their phases; POSIX sh).
# The local repository lives inside the BE (/var/local), not on /srv: /srv is a dataset of
# its own, which a clone of the BE does not have, so apt inside the new BE would not see it.
REPO=/var/local/kldload-repo
repo_in_be() {
    mkdir -p "$REPO"
    cp ./repo/* "$REPO/"
    [ -f /etc/apt/sources.list ] && mv /etc/apt/sources.list /etc/apt/sources.list.e2e-disabled
    mkdir -p /etc/apt/sources.list.d
    echo "deb [trusted=yes] file:$REPO ./" >/etc/apt/sources.list.d/kldload-e2e.list
    apt-get update -qq >/dev/null 2>&1 || apt-get update
}
# A package added to the repository: name version [postinst-exit] [mib]
mkpkg() {
    r=/tmp/pkg-$1-$2; rm -rf "$r"; mkdir -p "$r/DEBIAN" "$r/usr/share/$1"
    printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: kldload e2e <e2e@localhost>\nDescription: kldload e2e test package\n test package.\n' "$1" "$2" >"$r/DEBIAN/control"
    if [ -n "${3:-}" ]; then printf '#!/bin/sh\necho "%s %s postinst exits %s"\nexit %s\n' "$1" "$2" "$3" "$3" >"$r/DEBIAN/postinst"; chmod 0755 "$r/DEBIAN/postinst"; fi
    i=0; while [ $i -lt "${4:-0}" ]; do head -c 1048576 /dev/urandom >"$r/usr/share/$1/blob$i"; i=$((i+1)); done
    echo "$2" >"$r/usr/share/$1/VERSION"
    f="$REPO/$1_$2_all.deb"
    dpkg-deb --root-owner-group -Znone -b "$r" "$f" >/dev/null
    rm -rf "$r"
    { echo; dpkg-deb -f "$f"; echo "Filename: ./$1_$2_all.deb"; echo "Size: $(stat -c %s "$f")";
      echo "SHA256: $(sha256sum "$f" | cut -d' ' -f1)"; } >>"$REPO/Packages"
}
# Move the package database into the BE (as scenario 04): copy /var/lib under a bind mount of
# / into the BE's own /var/lib; rpool/var/lib is no longer mounted from the next boot on.
pkgdb_into_be() {
    mkdir -p /mnt/rootbind
    mount --bind / /mnt/rootbind
    cp -a /var/lib/. /mnt/rootbind/var/lib/
    umount /mnt/rootbind
    zfs set canmount=noauto rpool/var/lib
    sync
}
# A recorded kupgrade run: rec_run NAME ARGS… → $OUT/NAME/{rec,kupgrade.stdout,.stderr,.exit,.seconds}; sets $rc.
rec_run() {
    d=$1; shift
    rm -rf "/root/$d"; mkdir -p "$OUT/$d"
    rc=0; t0=$(date +%s)
    env TZ=UTC KLDLOAD_RECORD="/root/$d" /usr/local/bin/kupgrade "$@" </dev/null >"$OUT/$d/kupgrade.stdout" 2>"$OUT/$d/kupgrade.stderr" || rc=$?
    echo "$(( $(date +%s) - t0 ))" >"$OUT/$d/kupgrade.seconds"
    echo "$rc" >"$OUT/$d/kupgrade.exit"
    cp -a "/root/$d" "$OUT/$d/rec"
    cp /var/log/kupgrade.log "$OUT/$d/kupgrade.log" 2>/dev/null || true
    sync
}
new_bes() { zfs list -H -o name -d 1 rpool/ROOT | grep -v '^rpool/ROOT$' | grep -v '^rpool/ROOT/default$' || true; }
