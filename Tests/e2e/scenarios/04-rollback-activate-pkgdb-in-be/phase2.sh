# Package DB inside the BE now: kupgrade must offer `kbe activate`.
expect_eq "/var/lib/dpkg is in the BE" rpool/ROOT/default "$(findmnt -n -o SOURCE -T /var/lib/dpkg)"
expect_eq "kldload-demo before" "kldload-demo 1.0" "$(kldload-demo)"
install_bins
{ uname -r; cat /sys/module/zfs/version; date -u +%Y-%m-%dT%H:%M:%SZ; cat /etc/debian_version; findmnt -n -o SOURCE -T /var/lib/dpkg; } >"$OUT/facts" 2>&1
run_kupgrade_recorded
cp -a /root/rec "$OUT/rec" || true
expect_eq "kupgrade exit status" 0 "$rc"
expect_eq "kldload-demo after upgrade" "kldload-demo 2.0" "$(kldload-demo)"
snap=$(zfs list -H -t snapshot -o name | grep '^rpool/ROOT/default@pre-upgrade-' | head -1)
[ -n "$snap" ] || fail "no checkpoint"
name=${snap#*@}
grep -q "kbe activate $name && reboot" "$OUT/kupgrade.stdout" || fail "summary does not offer 'kbe activate $name && reboot'"
echo "written after the checkpoint" >/home/e2e-after-checkpoint
echo "$name" >/home/e2e-checkpoint-name
rc=0
/usr/local/bin/kbe activate "$name" </dev/null >"$OUT/kbe-activate.out" 2>&1 || rc=$?
expect_eq "kbe activate exit status" 0 "$rc"
expect_eq "bootfs after activate" "rpool/ROOT/$name" "$(bootfs)"
sync
