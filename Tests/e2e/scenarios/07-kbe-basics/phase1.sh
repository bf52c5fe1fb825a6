install_bins
KBE=/usr/local/bin/kbe
# BE names kbe lists (-H: tab-separated, first field NAME) vs. the filesystems under rpool/ROOT.
kbe_bes() { $KBE list -H | awk -F'\t' '{print $1}' | sort; }
zfs_bes() { zfs list -H -o name -t filesystem -d 1 rpool/ROOT | sed -n 's#^rpool/ROOT/##p' | sort; }
check_agree() { expect_eq "kbe list vs zfs list ($1)" "$(zfs_bes | tr '\n' ' ')" "$(kbe_bes | tr '\n' ' ')"; }
$KBE list >"$OUT/list-0" 2>&1 || fail "kbe list failed: $(cat "$OUT/list-0")"
check_agree start
expect_eq "running BE flags" "NR" "$($KBE list -H | awk -F'\t' '$1=="default" {print $2}')"
$KBE create e2e-cp -d "e2e checkpoint" >"$OUT/create-cp" 2>&1 || fail "kbe create e2e-cp: $(cat "$OUT/create-cp")"
zfs list -H -o name rpool/ROOT/default@e2e-cp >/dev/null 2>&1 || fail "rpool/ROOT/default@e2e-cp not created"
expect_eq "checkpoint description" "e2e checkpoint" "$(zfs get -H -o value org.kldload:description rpool/ROOT/default@e2e-cp)"
$KBE list -s >"$OUT/list-s" 2>&1 || fail "kbe list -s failed"
grep -q e2e-cp "$OUT/list-s" || fail "kbe list -s does not show the checkpoint e2e-cp"
rc=0; $KBE create e2e-cp >"$OUT/create-cp-again" 2>&1 || rc=$?
expect_eq "kbe create of an existing checkpoint name" 2 "$rc"
$KBE create --be e2e-be >"$OUT/create-be" 2>&1 || fail "kbe create --be e2e-be: $(cat "$OUT/create-be")"
expect_eq "clone canmount" noauto "$(zfs get -H -o value canmount rpool/ROOT/e2e-be)"
check_agree "after create --be"
rc=0; $KBE rename default e2e-x >"$OUT/rename-running" 2>&1 || rc=$?
expect_eq "kbe rename of the running BE (refused)" 3 "$rc"
$KBE rename e2e-be e2e-be2 >"$OUT/rename" 2>&1 || fail "kbe rename e2e-be e2e-be2: $(cat "$OUT/rename")"
check_agree "after rename"
$KBE mount e2e-be2 /mnt/e2e >"$OUT/mount" 2>&1 || fail "kbe mount: $(cat "$OUT/mount")"
[ -x /mnt/e2e/usr/local/bin/kbe ] || [ -f /mnt/e2e/etc/os-release ] || fail "kbe mount: /mnt/e2e has no root file system"
expect_eq "kbe list MOUNTPOINT" /mnt/e2e "$($KBE list -H | awk -F'\t' '$1=="e2e-be2" {print $3}')"
$KBE umount e2e-be2 >"$OUT/umount" 2>&1 || fail "kbe umount: $(cat "$OUT/umount")"
findmnt /mnt/e2e >/dev/null 2>&1 && fail "/mnt/e2e still mounted after kbe umount"
$KBE destroy e2e-be2 --yes >"$OUT/destroy-be" 2>&1 || fail "kbe destroy e2e-be2: $(cat "$OUT/destroy-be")"
check_agree "after destroy"
zfs list -H -o name rpool/ROOT/e2e-be2 >/dev/null 2>&1 && fail "rpool/ROOT/e2e-be2 still exists"
$KBE list >"$OUT/list-end" 2>&1
note "$(cat "$OUT/list-end")"
