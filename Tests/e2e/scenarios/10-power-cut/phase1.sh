install_bins
use_local_repo
big() { # version
    r=/tmp/big-$1; rm -rf "$r"; mkdir -p "$r/DEBIAN" "$r/usr/share/kldload-big"
    printf 'Package: kldload-big\nVersion: %s\nArchitecture: all\nMaintainer: kldload e2e <e2e@localhost>\nDescription: kldload e2e large package %s\n 150 files of 1 MiB so that unpacking takes time.\n' "$1" "$1" >"$r/DEBIAN/control"
    i=0; while [ $i -lt 150 ]; do head -c 1048576 /dev/urandom >"$r/usr/share/kldload-big/blob$i"; i=$((i+1)); done
    echo "$1" >"$r/usr/share/kldload-big/VERSION"
    dpkg-deb --root-owner-group -Znone -b "$r" "/srv/kldload-repo/kldload-big_$1_all.deb" >/dev/null
    rm -rf "$r"
    f=/srv/kldload-repo/kldload-big_$1_all.deb
    { echo; dpkg-deb -f "$f"; echo "Filename: ./kldload-big_$1_all.deb"; echo "Size: $(stat -c %s "$f")";
      echo "SHA256: $(sha256sum "$f" | cut -d' ' -f1)"; } >>/srv/kldload-repo/Packages
}
big 1.0; big 2.0
apt-get update >"$OUT/apt-update.log" 2>&1 || fail "apt-get update with kldload-big failed"
apt-get install -y kldload-demo=1.0 kldload-big=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "installing the 1.0 packages failed (apt-install-1.0.log)"
expect_eq "kldload-big candidate" "2.0" "$(apt-cache policy kldload-big | awk '/Candidate:/ {print $2}')"
echo "written before the power cut" >/home/e2e-before-cut
sync
echo 1 >/proc/sys/kernel/sysrq
# Watcher: cut the power as soon as dpkg is unpacking 2.0.
(
    set +ex   # no trace: it would be written synchronously to the exchange disk 20 times a second
    while :; do
        if ls /usr/share/kldload-big/*.dpkg-new >/dev/null 2>&1; then
            ls /usr/share/kldload-big/ | grep -c dpkg-new >"$OUT/dpkg-new-count" 2>/dev/null || true
            : >"$OUT/powercut"
            fsfreeze -f /xchg
            echo b >/proc/sysrq-trigger
        fi
        sleep 0.05
    done
) &
rc=0
env TZ=UTC /usr/local/bin/kupgrade </dev/null >"$OUT/kupgrade.stdout" 2>"$OUT/kupgrade.stderr" || rc=$?
sleep 5
fail "kupgrade finished (exit $rc) before the power cut happened"
