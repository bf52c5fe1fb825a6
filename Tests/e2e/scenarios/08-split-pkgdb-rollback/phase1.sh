install_bins
use_local_repo
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
expect_eq "/var/lib source" rpool/var/lib "$(findmnt -n -o SOURCE /var/lib)"
rc=0
env TZ=UTC /usr/local/bin/kupgrade </dev/null >"$OUT/kupgrade.stdout" 2>"$OUT/kupgrade.stderr" || rc=$?
expect_eq "kupgrade exit status" 0 "$rc"
expect_eq "kldload-demo after upgrade" "kldload-demo 2.0" "$(kldload-demo)"
snap=$(zfs list -H -t snapshot -o name | grep '^rpool/ROOT/default@pre-upgrade-' | head -1)
[ -n "$snap" ] || fail "no checkpoint"
name=${snap#*@}
zfs list -H -o name "rpool/var/lib@$name" >/dev/null 2>&1 || fail "rpool/var/lib@$name was not taken with the BE checkpoint"
grep -q "kbe rollback $name && reboot" "$OUT/kupgrade.stdout" || fail "summary does not offer 'kbe rollback $name && reboot'"
rc=0
/usr/local/bin/kbe activate "$name" </dev/null >"$OUT/kbe-activate.out" 2>&1 || rc=$?
expect_eq "kbe activate on a split package database (refused)" 3 "$rc"
expect_eq "bootfs unchanged" rpool/ROOT/default "$(bootfs)"
echo "$name" >/home/e2e-checkpoint-name
echo "written after the checkpoint" >/home/e2e-after-checkpoint
rc=0
/usr/local/bin/kbe rollback "$name" --yes </dev/null >"$OUT/kbe-rollback.out" 2>&1 || rc=$?
expect_eq "kbe rollback --yes exit status" 0 "$rc"
sync
