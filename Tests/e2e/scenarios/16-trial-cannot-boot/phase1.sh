expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
trial_prepare 300
kbe create --be e2e-broken -d "trial BE that cannot boot" >"$OUT/create.out" 2>&1 || fail "kbe create --be e2e-broken: $(cat "$OUT/create.out")"
kbe mount e2e-broken /mnt/b >"$OUT/mount.out" 2>&1 || fail "kbe mount e2e-broken: $(cat "$OUT/mount.out")"
k=$(ls /mnt/b/boot | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
[ -f "/mnt/b/boot/initrd.img-$k" ] || fail "no initrd.img-$k in e2e-broken"
head -c 65536 /dev/zero >"/mnt/b/boot/initrd.img-$k"
sync
kbe umount e2e-broken >"$OUT/umount.out" 2>&1 || fail "kbe umount e2e-broken: $(cat "$OUT/umount.out")"
echo "written before the trial" >/home/e2e-before-trial
start_trial e2e-broken
zfs get -H -o value org.zfsbootmenu:commandline rpool/ROOT/e2e-broken >"$OUT/trial-commandline"
note "trial command line: $(cat "$OUT/trial-commandline")"
