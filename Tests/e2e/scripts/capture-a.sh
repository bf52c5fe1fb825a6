# Boot A of Tests/e2e/capture-zfs: root=zfs:AUTO with rpool (pool0+pool1 mirror)
# plus empty disks tank0, tank1, solo0.
. ./capture-lib.sh
set -x
udevadm settle

# --- system ----------------------------------------------------------------
S=system
cap $S zfs-version zfs version
cap $S uname-a uname -a
cap $S proc-cmdline cat /proc/cmdline
cap $S os-release cat /etc/os-release
cap $S sys-module-zfs-version cat /sys/module/zfs/version
cap $S proc-self-mounts cat /proc/self/mounts
cap $S findmnt-root findmnt -n -o SOURCE,FSTYPE /
cap $S dkms-status dkms status
cap $S modinfo-vermagic-zfs modinfo -F vermagic zfs
cap $S find-zfs-modules find /lib/modules -name 'zfs.ko*' -o -name 'spl.ko*'
cap $S dpkg-query-zfs dpkg-query -W zfsutils-linux zfs-dkms zfs-initramfs 'libzfs*linux'
cap $S zfs-mount zfs mount
cap $S zfs-V zfs -V

# --- healthy pool ------------------------------------------------------------
H=healthy
cap $H zpool-status zpool status
cap $H zpool-status-P zpool status -P
cap $H zpool-status-x zpool status -x
cap $H zpool-status-v zpool status -v
cap $H zpool-status-x-rpool zpool status -x rpool
cap $H zpool-list zpool list
cap $H zpool-list-Hp zpool list -Hp
cap $H zpool-list-Hp-o zpool list -Hp -o name,size,allocated,free,health,altroot
cap $H zpool-list-v zpool list -v
cap $H zpool-get-Hp-bootfs-etc zpool get -Hp bootfs,health,free,size,allocated rpool
cap $H zpool-get-Hp-all zpool get -Hp all rpool
cap $H zpool-status-nosuchpool zpool status nosuchpool
cap $H zfs-list zfs list
cap $H zfs-list-Hp zfs list -Hp
cap $H zfs-get-Hp-all-default zfs get -Hp all rpool/ROOT/default
cap $H zfs-get-Hp-local-ROOT zfs get -Hp -s local all rpool/ROOT
cap $H zfs-list-Hp-be zfs list -Hp -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
cap $H zfs-list-Hp-fs zfs list -Hp -t filesystem -o name,mountpoint,canmount,mounted
cap $H zfs-list-Hp-snapshots-none zfs list -Hp -t snapshot -r rpool/ROOT
cap $H zfs-list-nosuchdataset zfs list -Hp rpool/ROOT/nosuch
capj $H zpool-status-j zpool status
capj $H zpool-status-j-rpool zpool status rpool
capj $H zpool-list-j zpool list
capj $H zpool-get-j-bootfs-etc zpool get bootfs,health,free,size,allocated rpool
capj $H zpool-get-j-all zpool get all rpool
capj $H zfs-list-j zfs list
capj $H zfs-list-j-be zfs list -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
capj $H zfs-get-j-local-ROOT zfs get -s local all rpool/ROOT
capj $H zfs-version-j zfs version

# --- boot environments: snapshots, clones, descriptions --------------------
B=bes
zfs snapshot rpool/ROOT/default@pre-upgrade-20261122-101500
zfs clone -o canmount=noauto -o mountpoint=/ rpool/ROOT/default@pre-upgrade-20261122-101500 rpool/ROOT/test
zfs set org.kldload:description='before nginx rewrite' rpool/ROOT/default@pre-upgrade-20261122-101500
zfs set org.kldload:description='test BE: clone of pre-upgrade' rpool/ROOT/test
echo "changed after checkpoint" >/etc/kldload-e2e-marker
dd if=/dev/urandom of=/usr/local/e2e-blob bs=1M count=8 status=none
sync
zfs snapshot rpool/ROOT/default@before-nginx-rewrite
zfs snapshot rpool/ROOT/test@t1
zfs snapshot -r rpool/var@nightly-20261122
cap $B zfs-list-Hp zfs list -Hp
cap $B zfs-list-Hp-be zfs list -Hp -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
cap $B zfs-list-Hp-fs zfs list -Hp -t filesystem -o name,mountpoint,canmount,mounted
cap $B zfs-list-Hp-snapshots zfs list -Hp -t snapshot -r rpool/ROOT
cap $B zfs-list-Hp-snapshots-all zfs list -Hp -t snapshot -o name,used,referenced,creation -s creation
cap $B zfs-list-t-all zfs list -t all
cap $B zfs-get-Hp-all-test zfs get -Hp all rpool/ROOT/test
cap $B zfs-get-Hp-all-snapshot zfs get -Hp all rpool/ROOT/default@pre-upgrade-20261122-101500
cap $B zfs-get-Hp-description zfs get -Hp -r -o name,property,value,source org.kldload:description rpool/ROOT
cap $B zfs-get-Hp-local-ROOT zfs get -Hp -s local all rpool/ROOT
capj $B zfs-list-j zfs list
capj $B zfs-list-j-be zfs list -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
capj $B zfs-list-j-snapshots-all zfs list -t snapshot -o name,used,referenced,creation -s creation
capj $B zfs-get-j-all-snapshot zfs get all rpool/ROOT/default@pre-upgrade-20261122-101500
cap $B zpool-get-Hp-bootfs zpool get -Hp bootfs rpool
cap $B zfs-destroy-snapshot-with-clones zfs destroy rpool/ROOT/default@pre-upgrade-20261122-101500
cap $B zfs-destroy-fs-with-snapshots zfs destroy rpool/ROOT/test
cap $B zfs-destroy-fs-with-children zfs destroy rpool/ROOT
cap $B zfs-destroy-nosuch zfs destroy rpool/ROOT/default@nosuch
cap $B zfs-destroy-n-v-R zfs destroy -n -v -R rpool/ROOT/default@pre-upgrade-20261122-101500
cap $B zfs-rollback-over-newer zfs rollback rpool/ROOT/default@pre-upgrade-20261122-101500
cap $B zfs-snapshot-exists zfs snapshot rpool/ROOT/default@before-nginx-rewrite
cap $B zfs-clone-exists zfs clone rpool/ROOT/default@before-nginx-rewrite rpool/ROOT/test
cap $B zfs-rename-be zfs rename rpool/ROOT/test rpool/ROOT/test2
cap $B zfs-list-Hp-be-after-rename zfs list -Hp -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
capj $B zfs-list-j-be-after-rename zfs list -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
mkdir -p /mnt/be
cap $B mount-be mount -t zfs -o zfsutil rpool/ROOT/test2 /mnt/be
cap $B zfs-list-Hp-fs-be-mounted zfs list -Hp -t filesystem -o name,mountpoint,canmount,mounted
cap $B proc-self-mounts-be-mounted cat /proc/self/mounts
cap $B umount-be umount /mnt/be
cap $B zpool-set-bootfs-test2 zpool set bootfs=rpool/ROOT/test2 rpool
cap $B zpool-get-Hp-bootfs-test2 zpool get -Hp bootfs rpool
cap $B zpool-set-bootfs-default zpool set bootfs=rpool/ROOT/default rpool
cap $B zfs-promote-test2 zfs promote rpool/ROOT/test2
cap $B zfs-list-Hp-be-after-promote zfs list -Hp -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
capj $B zfs-list-j-be-after-promote zfs list -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
cap $B zfs-destroy-default-after-promote zfs destroy rpool/ROOT/default

# --- several pools -----------------------------------------------------------
M=multipool
zpool create -f -o ashift=12 tank mirror /dev/disk/by-id/virtio-tank0 /dev/disk/by-id/virtio-tank1
zpool create -f -o ashift=12 solo /dev/disk/by-id/virtio-solo0
zfs create tank/data
dd if=/dev/urandom of=/tank/data/blob bs=1M count=16 status=none
sync
cap $M zpool-status zpool status
cap $M zpool-status-x zpool status -x
cap $M zpool-list-Hp zpool list -Hp
cap $M zpool-list-Hp-o zpool list -Hp -o name,size,allocated,free,health,altroot
cap $M zfs-list-Hp zfs list -Hp
capj $M zpool-status-j zpool status
capj $M zpool-list-j zpool list
capj $M zfs-list-j zfs list

# --- degraded, then resilvered -------------------------------------------------
D=degraded
cap $D zpool-offline zpool offline rpool virtio-pool1
cap $D zpool-status zpool status rpool
cap $D zpool-status-P zpool status -P rpool
cap $D zpool-status-x zpool status -x
cap $D zpool-status-v zpool status -v rpool
cap $D zpool-list-Hp zpool list -Hp
cap $D zpool-get-Hp-health zpool get -Hp health rpool
capj $D zpool-status-j zpool status rpool
capj $D zpool-get-j-health zpool get health rpool
dd if=/dev/urandom of=/srv/while-degraded.bin bs=1M count=32 status=none
sync
R=resilvered
cap $R zpool-online zpool online rpool virtio-pool1
cap $R zpool-status-immediately zpool status rpool
capj $R zpool-status-j-immediately zpool status rpool
zpool wait -t resilver rpool
cap $R zpool-status zpool status rpool
cap $R zpool-status-P zpool status -P rpool
capj $R zpool-status-j zpool status rpool
cap $R zpool-status-x zpool status -x
cap $R zpool-list-Hp zpool list -Hp

# --- scrub -----------------------------------------------------------------------
C=scrub
dd if=/dev/urandom of=/srv/random.bin bs=1M count=96 status=none
sync
zpool sync rpool
cap $C zpool-scrub zpool scrub rpool
cap $C zpool-status-in-progress zpool status rpool
capj $C zpool-status-j-in-progress zpool status rpool
cap $C zpool-scrub-again zpool scrub rpool
cap $C zpool-status-x-in-progress zpool status -x
sleep 3
cap $C zpool-status-in-progress-2 zpool status rpool
cap $C zpool-scrub-p zpool scrub -p rpool
cap $C zpool-status-paused zpool status rpool
capj $C zpool-status-j-paused zpool status rpool
cap $C zpool-scrub-resume zpool scrub rpool
cap $C zpool-status-resumed zpool status rpool
cap $C zpool-scrub-s zpool scrub -s rpool
cap $C zpool-status-canceled zpool status rpool
capj $C zpool-status-j-canceled zpool status rpool
cap $C zpool-scrub-s-none zpool scrub -s rpool
cap $C zpool-scrub-w zpool scrub -w rpool
cap $C zpool-status-finished zpool status rpool
capj $C zpool-status-j-finished zpool status rpool
cap $C zpool-status-v-finished zpool status -v
cap $C zpool-list-Hp zpool list -Hp

# --- after all of it -------------------------------------------------------------
F=final
cap $F zpool-status zpool status
cap $F zfs-list-Hp zfs list -Hp
capj $F zpool-status-j zpool status
capj $F zfs-list-j zfs list
cap $F proc-self-mounts cat /proc/self/mounts
echo done-a
