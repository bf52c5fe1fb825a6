# After the power cut: boot what is there, then roll back to the checkpoint.
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
dpkg --audit >"$OUT/dpkg-audit-after-cut" 2>&1 || true
dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' kldload-demo kldload-big >"$OUT/dpkg-after-cut" 2>&1 || true
snap=$(zfs list -H -t snapshot -o name | grep '^rpool/ROOT/default@pre-upgrade-' | head -1)
[ -n "$snap" ] || fail "no pre-upgrade checkpoint after the power cut"
name=${snap#*@}
echo "$name" >/home/e2e-checkpoint-name
install_bins
rc=0
/usr/local/bin/kbe rollback "$name" --yes </dev/null >"$OUT/kbe-rollback.out" 2>&1 || rc=$?
expect_eq "kbe rollback --yes exit status" 0 "$rc"
sync
