install_bins
KBE=/usr/local/bin/kbe
$KBE create --be e2e-other >"$OUT/create-be" 2>&1 || fail "kbe create --be e2e-other: $(cat "$OUT/create-be")"
$KBE mount e2e-other /mnt/other >"$OUT/mount1" 2>&1 || fail "kbe mount: $(cat "$OUT/mount1")"
echo checkpointed >/mnt/other/etc/e2e-state
$KBE umount e2e-other >"$OUT/umount1" 2>&1 || fail "kbe umount: $(cat "$OUT/umount1")"
$KBE create cp1 -e e2e-other >"$OUT/create-cp" 2>&1 || fail "kbe create cp1 -e e2e-other: $(cat "$OUT/create-cp")"
zfs list -H -o name rpool/ROOT/e2e-other@cp1 >/dev/null 2>&1 || fail "rpool/ROOT/e2e-other@cp1 not created"
$KBE mount e2e-other /mnt/other >"$OUT/mount2" 2>&1 || fail "kbe mount (2): $(cat "$OUT/mount2")"
echo changed >/mnt/other/etc/e2e-state
echo new >/mnt/other/etc/e2e-new-file
$KBE umount e2e-other >"$OUT/umount2" 2>&1 || fail "kbe umount (2): $(cat "$OUT/umount2")"
rc=0; $KBE rollback e2e-other@cp1 </dev/null >"$OUT/rollback-no-yes" 2>&1 || rc=$?
expect_eq "kbe rollback without a terminal and without --yes (refused)" 3 "$rc"
echo marker >/etc/e2e-running-marker
rc=0; $KBE rollback e2e-other@cp1 --yes </dev/null >"$OUT/rollback" 2>&1 || rc=$?
expect_eq "kbe rollback --yes exit status" 0 "$rc"
$KBE mount e2e-other /mnt/other >"$OUT/mount3" 2>&1 || fail "kbe mount (3): $(cat "$OUT/mount3")"
expect_eq "file content after rollback" checkpointed "$(cat /mnt/other/etc/e2e-state)"
[ -e /mnt/other/etc/e2e-new-file ] && fail "a file created after the checkpoint survived the rollback"
$KBE umount e2e-other >"$OUT/umount3" 2>&1 || fail "kbe umount (3)"
expect_eq "running BE untouched" marker "$(cat /etc/e2e-running-marker)"
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
