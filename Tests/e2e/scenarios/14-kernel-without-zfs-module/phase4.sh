# A plain boot after kbe activate: the checkpoint's clone, with the old kernel.
cp=$(cat /home/e2e-checkpoint-name)
old=$(cat /home/e2e-old-kernel)
new=$(cat /home/e2e-new-kernel)
expect_eq "root dataset" "rpool/ROOT/$cp" "$(root_dataset)"
expect_eq "running kernel" "$old" "$(uname -r)"
grep -q "root=zfs:rpool/ROOT/$cp" /proc/cmdline || fail "not booted by the stand-in into the clone: $(cat /proc/cmdline)"
[ ! -e "/boot/vmlinuz-$new" ] || fail "the clone's /boot has the new kernel $new"
lsmod | grep -q '^zfs ' || fail "zfs module not loaded"
[ -f /home/e2e-after-checkpoint ] || fail "/home/e2e-after-checkpoint is gone"
expect_eq "origin" "rpool/ROOT/default@$cp" "$(zfs get -H -o value origin "rpool/ROOT/$cp")"
note "booted $(uname -r) in rpool/ROOT/$cp"
