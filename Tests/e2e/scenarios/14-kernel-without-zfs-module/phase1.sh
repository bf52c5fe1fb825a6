# Booted through OVMF and the ZFSBootMenu stand-in: the BE's own kernel.
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
grep -q 'root=zfs:rpool/ROOT/default' /proc/cmdline || fail "not booted by the stand-in: $(cat /proc/cmdline)"
uname -r >/home/e2e-old-kernel
ls /boot >"$OUT/boot-before"
# Package database into the BE (as scenario 04), so kupgrade offers `kbe activate <cp>`.
expect_eq "/var/lib source" rpool/var/lib "$(findmnt -n -o SOURCE /var/lib)"
mkdir -p /mnt/rootbind
mount --bind / /mnt/rootbind
cp -a /var/lib/. /mnt/rootbind/var/lib/
umount /mnt/rootbind
zfs set canmount=noauto rpool/var/lib
echo MODULES=dep >/etc/initramfs-tools/conf.d/e2e-modules-dep
sync
