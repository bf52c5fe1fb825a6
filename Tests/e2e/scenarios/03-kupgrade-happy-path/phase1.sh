# kupgrade happy path on the real ZFS-root guest, recorded with KLDLOAD_RECORD.
install_bins
use_local_repo
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
expect_eq "kldload-demo before" "kldload-demo 1.0" "$(kldload-demo)"
# facts for the fixture's PROVENANCE.md
{ uname -r; cat /sys/module/zfs/version; zfs version; date -u +%Y-%m-%dT%H:%M:%SZ; cat /etc/debian_version;
  readlink /etc/localtime || true; findmnt -n -o SOURCE /; findmnt -n -o SOURCE /var/lib || true; } >"$OUT/facts" 2>&1
zfs list -o name,mountpoint,canmount >"$OUT/zfs-list-before" 2>&1
sync
run_kupgrade_recorded
cp -a /root/rec "$OUT/rec" || fail "no recording in /root/rec"
cp /var/log/kupgrade.log "$OUT/kupgrade.log" 2>/dev/null || true
zfs list -t snapshot -o name >"$OUT/snapshots" 2>&1
expect_eq "kupgrade exit status" 0 "$rc"
snap=$(zfs list -H -t snapshot -o name | grep '^rpool/ROOT/default@pre-upgrade-' | head -1)
[ -n "$snap" ] || fail "no rpool/ROOT/default@pre-upgrade-* checkpoint"
name=${snap#*@}
echo "$name" | grep -Eq '^pre-upgrade-[0-9]{8}-[0-9]{6}$' || fail "checkpoint name '$name' is not pre-upgrade-YYYYMMDD-HHMMSS"
if [ "$(findmnt -n -o SOURCE /var/lib)" = rpool/var/lib ]; then
    zfs list -H -o name "rpool/var/lib@$name" >/dev/null 2>&1 || fail "split package database rpool/var/lib has no @$name"
fi
expect_eq "org.kldload:command" "kupgrade" "$(zfs get -H -o value org.kldload:command "$snap")"
v=$(zfs get -H -o value org.kldload:kupgrade-version "$snap")
[ -n "$v" ] && [ "$v" != "-" ] || fail "org.kldload:kupgrade-version not set on $snap"
zfs get -H -o property,value all "$snap" | grep '^org.kldload' >"$OUT/checkpoint-properties" || true
expect_eq "kldload-demo after" "kldload-demo 2.0" "$(kldload-demo)"
expect_eq "dpkg version" "2.0" "$(dpkg-query -W -f='${Version}' kldload-demo)"
expect_eq "VERSION file" "2.0" "$(cat /usr/share/kldload-demo/VERSION)"
[ -s /var/log/kupgrade.log ] || fail "/var/log/kupgrade.log not written"
grep -q "dist-upgrade" /var/log/kupgrade.log || fail "/var/log/kupgrade.log does not mention the dist-upgrade"
grep -q "DONE" "$OUT/kupgrade.stdout" || fail "summary has no DONE line"
grep -q "$name" "$OUT/kupgrade.stdout" || fail "summary does not name the checkpoint $name"
grep -Eq "kbe (activate|rollback) $name && reboot" "$OUT/kupgrade.stdout" || fail "summary has no rollback command for $name"
note "checkpoint $snap, kupgrade $v"
