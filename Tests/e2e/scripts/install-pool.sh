# Guest side of Tests/e2e/install-pool (runs in the ext4 "installer" guest).
# Creates rpool (mirror of virtio-pool0/virtio-pool1) with the kldload dataset
# layout, copies the running root into rpool/ROOT/default, rebuilds its
# initramfs with zfs, and exports the pool.
set -eux
OUT=/xchg/out
modprobe zfs
udevadm settle
D0=/dev/disk/by-id/virtio-pool0
D1=/dev/disk/by-id/virtio-pool1
test -b "$D0" && test -b "$D1"

# Keep the image's hostid (its initramfs already carries it); make one if missing.
new_hostid=no
[ -s /etc/hostid ] || { zgenhostid; new_hostid=yes; }
zpool create -f -o ashift=12 -o autotrim=on -o cachefile=/etc/zfs/zpool.cache \
    -O acltype=posixacl -O xattr=sa -O dnodesize=auto -O compression=lz4 \
    -O normalization=formD -O relatime=on -O canmount=off -O mountpoint=/ \
    -R /mnt rpool mirror "$D0" "$D1"

# kldload layout (seeds: storage-zfs.sh)
zfs create -o canmount=off -o mountpoint=none rpool/ROOT
zfs set org.zfsbootmenu:commandline="quiet" rpool/ROOT
zfs create -o canmount=noauto -o mountpoint=/ rpool/ROOT/default
zfs mount rpool/ROOT/default
zfs create rpool/root
zfs create rpool/home
zfs create rpool/srv
zfs create rpool/opt
zfs create -o canmount=off rpool/usr
zfs create rpool/usr/local
zfs create -o canmount=off rpool/var
for d in cache lib log spool tmp; do zfs create "rpool/var/$d"; done
zpool set bootfs=rpool/ROOT/default rpool

# Copy the installer's root (one filesystem: skips /proc, /sys, /dev, /run, /xchg, /mnt).
cp -ax /. /mnt/
chmod 700 /mnt/root
chmod 1777 /mnt/var/tmp /mnt/tmp
printf '# root and all other filesystems are ZFS datasets (zfs-mount.service)\n' >/mnt/etc/fstab
cp /etc/hostid /mnt/etc/hostid
mkdir -p /mnt/etc/zfs
cp /etc/zfs/zpool.cache /mnt/etc/zfs/zpool.cache

for f in proc sys dev; do mount --rbind "/$f" "/mnt/$f"; done
kver=$(ls /mnt/lib/modules | sort -V | tail -1)
# The image's initramfs (built on the host by build-image) already contains the
# zfs module, the zfs scripts and this /etc/hostid; regenerating it under TCG
# costs 5-20 minutes, so only do it when something is missing.
if [ "$new_hostid" = no ] &&
   lsinitramfs "/mnt/boot/initrd.img-$kver" | grep -q '/zfs.ko' &&
   lsinitramfs "/mnt/boot/initrd.img-$kver" | grep -qx 'etc/hostid'; then
    echo "initramfs already has zfs and this (unchanged) hostid; not regenerating"
else
    chroot /mnt update-initramfs -u -k "$kver"
fi
cp "/mnt/boot/vmlinuz-$kver" "$OUT/vmlinuz"
cp "/mnt/boot/initrd.img-$kver" "$OUT/initrd.img"
for f in dev sys proc; do umount -R "/mnt/$f" || umount -lR "/mnt/$f"; done

zfs list -o name,mountpoint,canmount,used >"$OUT/layout.txt"
zpool get -H bootfs rpool >>"$OUT/layout.txt"
zfs umount -a
zpool export rpool
echo installed
