expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
dpkg -i ./efi-debs/*.deb >"$OUT/efibootmgr-install.log" 2>&1 || fail "installing efibootmgr failed"
efibootmgr -v >"$OUT/efibootmgr-before" 2>&1 || fail "efibootmgr -v failed: $(cat "$OUT/efibootmgr-before")"
cur=$(sed -n 's/^BootCurrent: //p' "$OUT/efibootmgr-before")
grep -q "^Boot$cur\* ZFSBootMenu" "$OUT/efibootmgr-before" || fail "BootCurrent $cur is not the ZFSBootMenu entry"
zfs snapshot rpool/ROOT/default@e2e-broken
zfs clone -o canmount=noauto -o mountpoint=/ rpool/ROOT/default@e2e-broken rpool/ROOT/e2e-broken
mkdir -p /mnt/b
mount -t zfs -o zfsutil rpool/ROOT/e2e-broken /mnt/b
k=$(ls /mnt/b/boot | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
head -c 65536 /dev/zero >"/mnt/b/boot/initrd.img-$k"
umount /mnt/b
esp=$(readlink -f /dev/disk/by-id/virtio-esp)
[ -b "$esp" ] || fail "no ESP disk (virtio-esp)"
efibootmgr --create-only --disk "$esp" --part 1 --label 'kldload trial' --loader '\EFI\ZBM\VMLINUZ.EFI' \
    --unicode 'initrd=\EFI\ZBM\INITRAMFS.IMG console=ttyS0 quiet no_timer_check zbm.prefer=rpool/ROOT/e2e-broken!' \
    >"$OUT/efibootmgr-create" 2>&1 || fail "efibootmgr --create-only: $(cat "$OUT/efibootmgr-create")"
# efibootmgr 18 prints "Boot0008* kldload trial<TAB>HD(…)/File(…)<options>" even without -v.
entry_of() { sed -n 's/^Boot\([0-9A-F]\{4\}\)\** kldload trial\([[:space:]].*\)\{0,1\}$/\1/p' | head -1; }
t=$(entry_of <"$OUT/efibootmgr-create")
[ -n "$t" ] || t=$(efibootmgr | entry_of)
[ -n "$t" ] || fail "the trial entry was not created: $(cat "$OUT/efibootmgr-create")"
efibootmgr --bootnext "$t" >"$OUT/efibootmgr-bootnext" 2>&1 || fail "efibootmgr --bootnext $t failed"
efibootmgr -v >"$OUT/efibootmgr-after" 2>&1
grep -q "^BootNext: $t" "$OUT/efibootmgr-after" || fail "BootNext is not $t"
case "$(sed -n 's/^BootOrder: //p' "$OUT/efibootmgr-after")" in *"$t"*) fail "the trial entry is in BootOrder" ;; esac
echo "$cur" >/home/e2e-zbm-entry
expect_eq "bootfs" rpool/ROOT/default "$(bootfs)"
note "ZFSBootMenu entry $cur, trial entry $t, BootNext set"
sync
