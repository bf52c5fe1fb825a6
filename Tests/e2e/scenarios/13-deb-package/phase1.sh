# The .deb installed by apt on the ZFS-root guest; its apt hook takes a real checkpoint.
deb=$(ls ./kldload_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no kldload .deb on the exchange disk (host-prepare.sh)"
use_local_repo
apt-get install -y "$deb" >"$OUT/apt-install-kldload.log" 2>&1 || fail "apt-get install $deb failed (see apt-install-kldload.log)"
for f in /usr/sbin/kldload /usr/sbin/kbe /usr/sbin/kupgrade /etc/apt/apt.conf.d/80kldload-checkpoint \
         /etc/kldload/kupgrade.conf; do
    [ -e "$f" ] || fail "$f missing after installing the .deb"
done
dpkg-query -W -f='${Conffiles}\n' kldload >"$OUT/conffiles"
grep -q /etc/apt/apt.conf.d/80kldload-checkpoint "$OUT/conffiles" || fail "the apt hook is not a conffile"
v=$(/usr/sbin/kbe --version) || fail "/usr/sbin/kbe --version failed"
expect_eq "package version matches kbe --version" "kbe $(dpkg-query -W -f='${Version}' kldload | sed 's/-[0-9]*$//')" "$v"
be=$(root_dataset)
zfs list -H -t snapshot -o name -d 1 "$be" >"$OUT/snapshots-before" 2>&1
grep -q '@auto-apt-' "$OUT/snapshots-before" && fail "an auto-apt checkpoint existed before the hook could run"
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-demo.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
zfs list -H -t snapshot -o name -d 1 "$be" >"$OUT/snapshots-after" 2>&1
snap=$(grep "^$be@auto-apt-" "$OUT/snapshots-after" | head -1)
[ -n "$snap" ] || fail "the apt hook took no checkpoint of $be (snapshots-after, apt-install-demo.log)"
expect_eq "org.kldload:origin" "apt-hook" "$(zfs get -H -o value org.kldload:origin "$snap")"
zfs get -H -o property,value all "$snap" | grep '^org.kldload' >"$OUT/checkpoint-properties" || true
apt-get remove -y kldload >"$OUT/apt-remove.log" 2>&1 || fail "apt-get remove kldload failed"
[ -e /usr/sbin/kldload ] && fail "/usr/sbin/kldload still there after remove"
[ -e /etc/kldload/kupgrade.conf ] || fail "remove (not purge) must keep the conffile /etc/kldload/kupgrade.conf"
note "checkpoint $snap by the installed .deb's apt hook; $v"
